"""Whether a report belongs to an event: type, place and date must agree, then text decides.

An article classified as an event type joins the event it matches best (same type, same
2025 province when both are known, date held within ``DATE_WINDOW`` days, similar text,
shared legal references or organisers) or starts a new one. Sibling conferences of one
series in different provinces, or in one province days apart, stay separate because place
and date must agree. Pure functions over objects with the attributes of
:class:`Report` and :class:`EventSummary` (the stored rows have them); the database side is
``newsmon.services.events``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pipeline.text import fold, normalize

__all__ = [
    "DATE_WINDOW",
    "EVENT_TYPES",
    "MATCH_THRESHOLD",
    "NEAR_COPY",
    "UNDATED_WINDOW",
    "EventSummary",
    "Report",
    "anchor_date",
    "match_score",
    "parse_date",
    "similarity",
    "summary",
]

EVENT_TYPES = frozenset({"training_conference", "other_conference", "seminar", "dialogue", "award"})
DATE_WINDOW = 2  # days: multi-day events and reports dated by their second day
UNDATED_WINDOW = 4  # days of publication date when a report gives no date held
MATCH_THRESHOLD = 0.5
NEAR_COPY = 0.6  # text similarity that joins reports with neither place nor date in common
_WORD = re.compile(r"\w+")
_VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Report(Protocol):
    """What clustering reads of a report (an ``articles`` row has these attributes)."""

    id: Any
    title: str | None
    lead: str | None
    text: str | None
    language: str | None
    event_type: str | None
    fields: dict[str, Any] | None
    published_at: datetime | None


class EventSummary(Protocol):
    """What clustering reads of an event (an ``events`` row has these attributes)."""

    type: str
    province_2025: str | None
    date_held: date | None
    legal_refs: list[str] | None
    organizers: list[str] | None


def _tokens(text: str) -> list[str]:
    return _WORD.findall(fold(normalize(text)))


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _tokens(text)
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word 3-shingles (accent-folded)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def summary(article: Report) -> str:
    return " ".join(filter(None, [article.title, article.lead, (article.text or "")[:1500]]))


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def anchor_date(article: Report) -> tuple[date | None, bool]:
    """The date held, or the publication date as a weaker stand-in (second value False)."""
    held = parse_date((article.fields or {}).get("date_held"))
    if held:
        return held, True
    if article.published_at:
        return article.published_at.astimezone(_VN).date(), False
    return None, False


def match_score(article: Report, event: EventSummary, reports: list[Any]) -> float:
    """How well ``article`` fits ``event``: 0 means it cannot be the same event."""
    fields = article.fields or {}
    if event.type != article.event_type:
        return 0.0
    province = fields.get("province_2025")
    if province and event.province_2025 and province != event.province_2025:
        return 0.0
    anchor, held = anchor_date(article)
    if anchor and event.date_held:
        gap = abs((anchor - event.date_held).days)
        if gap > (DATE_WINDOW if held else UNDATED_WINDOW):
            return 0.0
    elif anchor and not event.date_held:
        published = [r.published_at.date() for r in reports if r.published_at]
        if published and min(abs((anchor - p).days) for p in published) > UNDATED_WINDOW:
            return 0.0
    if _differ(_session_number(article), _session_numbers(reports)):
        return 0.0  # another session of a series: "đợt 2" after "đợt 1"
    anchored = False  # place or date held agree: text alone never makes two reports one event
    score = 0.0
    if province and province == event.province_2025:
        score += 0.35
        anchored = True
    if anchor and event.date_held and held:
        score += 0.3 if anchor == event.date_held else 0.2
        anchored = True
    text = summary(article)
    same_language = [r for r in reports if r.language == article.language]
    text_similarity = max((similarity(text, summary(r)) for r in same_language), default=0.0)
    score += min(0.5, text_similarity * 1.5)
    refs = set(fields.get("legal_refs") or [])
    if refs and refs & set(event.legal_refs or []):
        score += 0.1
    organizers = {fold(o) for o in fields.get("organizers") or []}
    if organizers and organizers & {fold(o) for o in event.organizers or []}:
        score += 0.1
    if not anchored and text_similarity < NEAR_COPY:
        return 0.0
    return score


_SESSION = re.compile(r"\b(?:dot|lop|khoa|phien|session|batch)\s*(?:thu\s*)?(\d{1,2}|i{1,3}|iv|v)\b")


def _session_number(article: Report) -> str | None:
    match = _SESSION.search(fold(normalize(" ".join(filter(None, [article.title, article.lead])))))
    return match.group(1) if match else None


def _session_numbers(reports: list[Any]) -> str | None:
    numbers = {n for n in (_session_number(r) for r in reports) if n}
    return numbers.pop() if len(numbers) == 1 else None


def _differ(a: str | None, b: str | None) -> bool:
    return bool(a and b and a != b)
