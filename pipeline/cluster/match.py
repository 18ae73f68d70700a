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
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pipeline.classify.classifier import url_words
from pipeline.gazetteer import SURNAMES
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
    "events_compatible",
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
    url: str | None
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
    province: str | None
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
    local = getattr(article, "published_local", None)
    if local is not None:
        return local.date(), False  # the page's own day
    if article.published_at:
        return article.published_at.astimezone(_VN).date(), False
    return None, False


def match_score(article: Report, event: EventSummary, reports: list[Any]) -> float:
    """How well ``article`` fits ``event``: 0 means it cannot be the same event.

    Place and date must not disagree. When both give the date held, place and date decide
    (siblings of a series differ in one of them). When one of them has no date held (a
    mid-article excerpt, a language edition that drops it), the same province is not enough:
    some tie of the story itself must hold too — the same URL title across language editions,
    close wording, two people named by both, or the head count and a person.
    """
    fields = article.fields or {}
    if event.type != article.event_type:
        return 0.0
    province = fields.get("province_2025")
    if province and event.province_2025 and province != event.province_2025:
        return 0.0
    old = fields.get("province")
    if old and getattr(event, "province", None) and old != event.province:
        return 0.0  # Yên Bái and Lào Cai are one unit since 2025, not one place
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
    both_dated = bool(anchor and event.date_held and held)
    if both_dated:
        score += 0.3 if anchor == event.date_held else 0.2
        anchored = True
    text = summary(article)
    same_language = [r for r in reports if r.language == article.language]
    text_similarity = max((similarity(text, summary(r)) for r in same_language), default=0.0)
    score += min(0.5, text_similarity * 1.5)
    # Across languages the words differ; what stays is the URL of a site's language editions
    # (vietnam.vn/ja/<slug> and vietnam.vn/fr/<slug>), the people named and the head count.
    same_url = any(same_story_url(article, r) for r in reports)
    if same_url:
        score += 0.5
        anchored = True
    people = _people(article)
    shared = max((len(people & _people(r)) for r in reports), default=0) if people else 0
    score += min(0.3, 0.15 * shared)
    count = fields.get("participants")
    same_count = bool(count) and any((r.fields or {}).get("participants") == count for r in reports)
    if same_count:
        score += 0.1
    refs = set(fields.get("legal_refs") or [])
    if refs and refs & set(event.legal_refs or []):
        score += 0.1
    organizers = {fold(o) for o in fields.get("organizers") or []}
    if organizers and organizers & {fold(o) for o in event.organizers or []}:
        score += 0.1
    if not anchored and text_similarity < NEAR_COPY:
        return 0.0
    story_tie = same_url or text_similarity >= STORY_SIMILARITY or shared >= 2 or (same_count and shared >= 1)
    if not both_dated and not story_tie:
        return 0.0
    return score


def events_compatible(a: EventSummary, b: EventSummary) -> bool:
    """Whether two events can be one: same type, and place and date held do not disagree."""
    if a.type != b.type:
        return False
    if a.province_2025 and b.province_2025 and a.province_2025 != b.province_2025:
        return False
    if getattr(a, "province", None) and getattr(b, "province", None) and a.province != b.province:
        return False
    return not (a.date_held and b.date_held and abs((a.date_held - b.date_held).days) > DATE_WINDOW)


STORY_SIMILARITY = 0.25  # same-language wording that makes two undated reports one story


SLUG_MIN_WORDS = 4
SLUG_MIN_JACCARD = 0.8


def same_story_url(a: Report, b: Report) -> bool:
    """Whether two reports' URLs carry the same title words: one story in two language editions
    (or the same outlet's two URLs), whatever the path's language prefix and id."""
    if not a.url or not b.url or a.url == b.url:
        return False
    wa, wb = _slug_words(a.url), _slug_words(b.url)
    if len(wa) < SLUG_MIN_WORDS or len(wb) < SLUG_MIN_WORDS:
        return False
    return len(wa & wb) / len(wa | wb) >= SLUG_MIN_JACCARD


@lru_cache(maxsize=4096)
def _slug_words(url: str) -> frozenset[str]:
    return frozenset(fold(url_words(url)).split())


_SURNAMES_FOLDED = frozenset(fold(s) for s in SURNAMES)
# A Vietnamese name in Latin letters, with or without its marks: a surname, then one to three
# capitalised words ("Giang Thi Dung", "Lê Quốc Hùng", "Nguyen Van Ky").
_NAME_RE = re.compile(r"\b([A-ZĐ][^\W\d_]+)((?:[ \u00a0-][A-ZĐ][^\W\d_]*){1,3})")


def _people(article: Report) -> frozenset[str]:
    """The people a report names (folded full names), for matching reports in other languages."""
    text = " ".join(filter(None, [article.title, article.lead, (article.text or "")[:3000]]))
    names = set()
    for m in _NAME_RE.finditer(text):
        if fold(m.group(1)) in _SURNAMES_FOLDED:
            names.add(" ".join(fold(m.group(0)).replace("-", " ").split()))
    return frozenset(names)


_SESSION = re.compile(r"\b(?:dot|lop|khoa|phien|session|batch)\s*(?:thu\s*)?(\d{1,2}|i{1,3}|iv|v)\b")


def _session_number(article: Report) -> str | None:
    match = _SESSION.search(fold(normalize(" ".join(filter(None, [article.title, article.lead])))))
    return match.group(1) if match else None


def _session_numbers(reports: list[Any]) -> str | None:
    numbers = {n for n in (_session_number(r) for r in reports) if n}
    return numbers.pop() if len(numbers) == 1 else None


def _differ(a: str | None, b: str | None) -> bool:
    return bool(a and b and a != b)
