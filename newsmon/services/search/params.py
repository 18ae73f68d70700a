"""Search filters from their text form (the search page's fields, a saved search's stored
filters) to :class:`newsmon.services.search.Filters`, with errors that say what to fix.

The web pages, the API and saved searches all end here, so a date, a province or an event
type means the same thing everywhere. Dates are days in Vietnam time and ``until``
includes its day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from newsmon.services.search.filters import Filters, resolve_province
from pipeline.classify.classifier import TYPES

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(9998, 12, 31)
MAX_TEXT = 200  # characters in a filter value (a query may be longer)


class BadParameter(ValueError):
    """A parameter the user must fix; the message names it and says how."""


def parse_day(value: str | date | None, name: str) -> date | None:
    """A date from ``YYYY-MM-DD`` or ``dd/mm/yyyy`` (the Vietnamese way), or None if blank."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        text = value.strip()
        try:
            day = datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else date.fromisoformat(text)
        except ValueError:
            raise BadParameter(f"{name}: {value!r} is not a date; use YYYY-MM-DD or dd/mm/yyyy") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadParameter(f"{name}: {day.isoformat()} is out of range; use a date from 1900 to 9998")
    return day


def _text(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise BadParameter(f"{name}: too long (at most {MAX_TEXT} characters)")
    return value.strip()


def build_filters(
    *,
    since: str | date | None = None,
    until: str | date | None = None,
    source: str | None = None,
    province: str | None = None,
    event_type: str | None = None,
    topic: str | None = None,
    language: str | None = None,
    with_duplicates: bool = False,
) -> Filters:
    """Filters for ``newsmon.services.search``; BadParameter for a bad date, province or event type."""
    first, last = parse_day(since, "since"), parse_day(until, "until")
    if first and last and last < first:
        raise BadParameter(f"until ({last.isoformat()}) is before since ({first.isoformat()}): swap them")
    province = _text(province, "province")
    if province:
        try:
            province = resolve_province(province)
        except ValueError as exc:
            raise BadParameter(f"province: {exc}") from None
    event_type = _text(event_type, "type")
    if event_type and event_type not in TYPES:
        raise BadParameter(f"type: unknown event type {event_type!r}; use one of {', '.join(TYPES)}")
    return Filters(
        since=datetime.combine(first, time(), VN) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), VN) if last else None,
        source_id=_text(source, "source"),
        province=province,
        event_type=event_type,
        topic=_text(topic, "topic"),
        language=_text(language, "language"),
        with_duplicates=with_duplicates,
    )
