"""Turning request parameters into ``newsmon.services.search.Filters``, with errors that say what to fix.

Pages get raw strings from their forms (a blank field is ``""``), the API gets typed values;
both end in :mod:`newsmon.services.search.params` (saved searches too), so a date, a province
or an event type means the same thing everywhere.
"""

from __future__ import annotations

from newsmon.services.search.params import (  # noqa: F401 - the web's names for them
    MAX_DATE,
    MAX_TEXT,
    MIN_DATE,
    VN,
    BadParameter,
    build_filters,
    parse_day,
)


def parse_flag(value: str | None) -> bool:
    """A checkbox: present and not 0/false/off means yes."""
    return value is not None and value.strip().lower() not in ("", "0", "false", "off", "no")


def parse_page(value: str | None, maximum: int = 10_000) -> int:
    """A 1-based page number; anything unreadable is page 1, beyond ``maximum`` is an error."""
    try:
        page = int(value or 1)
    except ValueError:
        raise BadParameter(f"page: {value!r} is not a number; use 1, 2, ...") from None
    if page < 1 or page > maximum:
        raise BadParameter(f"page: use a number from 1 to {maximum}")
    return page
