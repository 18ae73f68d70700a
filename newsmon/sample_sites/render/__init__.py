"""One renderer per site shape; each exposes ``handle(Request) -> Response`` and ``NOISE``."""

from __future__ import annotations

from collections.abc import Callable

from newsmon.sample_sites.render import aspnet, joomla, liferay, nhandan
from newsmon.sample_sites.render.common import Request, Response

HANDLERS: dict[str, Callable[[Request], Response]] = {
    "nhandan": nhandan.handle,
    "thanhhoa": aspnet.handle,
    "hoabinh": liferay.handle,
    "travinh": joomla.handle,
}
# The Server header each shape's real counterpart sends.
SERVER_NAMES: dict[str, str] = {
    "nhandan": "nginx",
    "thanhhoa": "Microsoft-IIS/10.0",
    "hoabinh": "Apache-Coyote/1.1",
    "travinh": "Apache",
}
# Text that every article page of a site shows outside the article (for extraction tests).
NOISE: dict[str, tuple[str, ...]] = {
    "nhandan": nhandan.NOISE,
    "thanhhoa": aspnet.NOISE,
    "hoabinh": liferay.NOISE,
    "travinh": joomla.NOISE,
}

__all__ = ["HANDLERS", "NOISE", "SERVER_NAMES", "Request", "Response"]
