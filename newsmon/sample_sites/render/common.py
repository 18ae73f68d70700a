"""Request/response types and small helpers shared by the site renderers.

Pages are rendered at request time (the headers of real Vietnamese sites show today's
date, which an extractor must not mistake for the publication date), so every helper
here is a pure function of the request and the article data.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# A 1x1 JPEG: every /uploads/... image resolves, so pages look complete to a browser.
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)

esc = html.escape


@dataclass
class Request:
    """What a renderer needs to know about one HTTP request."""

    method: str
    target: str  # path + query exactly as sent
    base: str  # scheme://host:port as the client addressed us (from the Host header)
    form: dict[str, str] = field(default_factory=dict)  # urlencoded POST body
    trap: bool = False  # the pagination_trap fault: listings always offer a next page

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, str]:
        """First value of each query parameter (blank values kept)."""
        parsed = parse_qs(urlsplit(self.target).query, keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def int_param(self, name: str, default: int, *, query: dict[str, str] | None = None) -> int:
        value = (query if query is not None else self.query).get(name, "")
        try:
            return int(value)
        except ValueError:
            return default


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def html_page(text: str, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8", list(headers or []))


def xml_doc(text: str, content_type: str = "application/xml; charset=utf-8") -> Response:
    return Response(200, text.encode("utf-8"), content_type)


def plain(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def redirect(location: str, status: int = 302) -> Response:
    body = f'<html><body>Object moved to <a href="{esc(location)}">here</a>.</body></html>'
    return Response(status, body.encode("utf-8"), "text/html; charset=utf-8", [("Location", location)])


def image(_req: Request) -> Response:
    return Response(200, TINY_JPEG, "image/jpeg", [("Cache-Control", "max-age=86400")])


def today() -> datetime:
    return datetime.now(VN_TZ)


def weekday(dt: datetime, lower: bool = False) -> str:
    """Vietnamese weekday name; some CMSs write "Thứ tư", others "Thứ Tư"."""
    name = WEEKDAYS[dt.weekday()]
    return name[0] + name[1:].lower() if lower else name


def rfc822(dt: datetime, utc: bool = False) -> str:
    """RSS pubDate. Joomla writes UTC (+0000); news sites write local time (+0700)."""
    return format_datetime(dt.astimezone(UTC) if utc else dt.astimezone(VN_TZ))


def json_ld(data: dict[str, object]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return '<script type="application/ld+json">\n' + text.replace("</", "<\\/") + "\n</script>"
