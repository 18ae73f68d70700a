"""Grouping reports into events: the same conference, across sites and languages, once.

An article classified as an event type joins the event it matches best (same type, same
2025 province when both are known, date held within ``DATE_WINDOW`` days, similar text,
shared legal references or organisers) or starts a new one. A near-duplicate always joins
its original's event. Sibling conferences of one series in different provinces, or in one
province days apart, stay separate because place and date must agree.

An event's fields are merged from its reports: the value most reports agree on, ties going
to the report from the host province's own outlet, then to the earliest report; the
``provenance`` records which article each value came from.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.text import fold, normalize
from storage.models import Article, Event, Source, utcnow

logger = logging.getLogger(__name__)

EVENT_TYPES = frozenset({"training_conference", "other_conference", "seminar", "dialogue", "award"})
DATE_WINDOW = 2  # days: multi-day events and reports dated by their second day
UNDATED_WINDOW = 4  # days of publication date when a report gives no date held
MATCH_THRESHOLD = 0.5
NEAR_COPY = 0.6  # text similarity that joins reports with neither place nor date in common
_WORD = re.compile(r"\w+")
_VN = ZoneInfo("Asia/Ho_Chi_Minh")
_LIST_FIELDS = {"organizers", "legal_refs", "speakers"}


@dataclass
class Assignment:
    """The event an article was put in, and whether that event is new."""

    event_id: int
    created: bool
    score: float


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


def _summary(article: Article) -> str:
    return " ".join(filter(None, [article.title, article.lead, (article.text or "")[:1500]]))


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _anchor_date(article: Article) -> tuple[date | None, bool]:
    """The date held, or the publication date as a weaker stand-in (second value False)."""
    held = _parse_date((article.fields or {}).get("date_held"))
    if held:
        return held, True
    if article.published_at:
        return article.published_at.astimezone(_VN).date(), False
    return None, False


def _match_score(article: Article, event: Event, reports: list[Article]) -> float:
    """How well ``article`` fits ``event``: 0 means it cannot be the same event."""
    fields = article.fields or {}
    if event.type != article.event_type:
        return 0.0
    province = fields.get("province_2025")
    if province and event.province_2025 and province != event.province_2025:
        return 0.0
    anchor, held = _anchor_date(article)
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
    text = _summary(article)
    same_language = [r for r in reports if r.language == article.language]
    text_similarity = max((similarity(text, _summary(r)) for r in same_language), default=0.0)
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


def _session_number(article: Article) -> str | None:
    match = _SESSION.search(fold(normalize(" ".join(filter(None, [article.title, article.lead])))))
    return match.group(1) if match else None


def _session_numbers(reports: list[Article]) -> str | None:
    numbers = {n for n in (_session_number(r) for r in reports) if n}
    return numbers.pop() if len(numbers) == 1 else None


def _differ(a: str | None, b: str | None) -> bool:
    return bool(a and b and a != b)


def _candidate_events(session: Session, article: Article) -> list[Event]:
    anchor, _ = _anchor_date(article)
    stmt = select(Event).where(Event.type == article.event_type)
    if anchor:
        window = timedelta(days=UNDATED_WINDOW + DATE_WINDOW)
        stmt = stmt.where(
            (Event.date_held.is_(None))
            | ((Event.date_held >= anchor - window) & (Event.date_held <= anchor + window))
        )
    province = (article.fields or {}).get("province_2025")
    if province:
        stmt = stmt.where((Event.province_2025.is_(None)) | (Event.province_2025 == province))
    return list(session.scalars(stmt.order_by(Event.id).limit(200)))  # ties: the oldest event, on any backend


def _reports(session: Session, event_id: int) -> list[Article]:
    return list(session.scalars(select(Article).where(Article.event_id == event_id).order_by(Article.id)))


def assign_event(session: Session, article: Article) -> Assignment | None:
    """Put ``article`` in its event (creating one if needed); None if it reports no event.

    Idempotent: an article already in an event that still fits stays there.
    """
    previous = article.event_id
    if article.event_type not in EVENT_TYPES:
        article.event_id = None
        _refresh_or_drop(session, previous)
        return None
    target: Event | None = None
    best = 0.0
    if article.duplicate_of:
        original = session.get(Article, article.duplicate_of)
        if original is not None and original.event_id and original.event_type == article.event_type:
            target, best = session.get(Event, original.event_id), 1.0
    if target is None:
        for event in _candidate_events(session, article):
            reports = [r for r in _reports(session, event.id) if r.id != article.id]
            if not reports:
                continue
            score = _match_score(article, event, reports)
            if score > best:
                target, best = event, score
        if best < MATCH_THRESHOLD:
            target = None
    created = False
    if target is None:
        if previous is not None and not [r for r in _reports(session, previous) if r.id != article.id]:
            target = session.get(Event, previous)  # keep the event's id stable on reprocess
        else:
            target = Event(type=article.event_type, first_seen_at=utcnow())
            session.add(target)
            session.flush()
            created = True
        best = 1.0
    article.event_id = target.id
    session.flush()
    merge_event(session, target)
    if previous is not None and previous != target.id:
        _refresh_or_drop(session, previous)
    return Assignment(target.id, created, round(best, 3))


def _refresh_or_drop(session: Session, event_id: int | None) -> None:
    if event_id is None:
        return
    event = session.get(Event, event_id)
    if event is None:
        return
    if _reports(session, event_id):
        merge_event(session, event)
    else:
        session.delete(event)
        session.flush()


def _source_provinces(session: Session, reports: list[Article]) -> dict[str, str | None]:
    ids = {r.source_id for r in reports if r.source_id}
    if not ids:
        return {}
    rows = session.execute(select(Source.id, Source.province_2025).where(Source.id.in_(ids)))
    return dict(rows.all())


def _vote(values: list[tuple[Any, Article]], home: set[int]) -> tuple[Any, Article] | None:
    """The value most reports agree on; ties to a host-province outlet, then the earliest report."""
    present = [(v, a) for v, a in values if v not in (None, "", [])]
    if not present:
        return None
    counts = Counter(_key(v) for v, _ in present)

    def rank(item: tuple[Any, Article]) -> tuple[int, int, datetime, int]:
        value, art = item
        published = art.published_at or datetime.max.replace(tzinfo=_VN)
        return (-counts[_key(value)], 0 if art.id in home else 1, published, art.id)

    return min(present, key=rank)


def _headline(text: str | None, limit: int = 120) -> str | None:
    """A stand-in title from the first sentence, for reports that have none."""
    if not text:
        return None
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _key(value: Any) -> Any:
    """A hashable form of a field value (lists of names, speakers as dicts)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, list | dict) else value


def merge_event(session: Session, event: Event) -> None:
    """Recompute an event's fields from all its reports."""
    reports = _reports(session, event.id)
    if not reports:
        return
    provinces = _source_provinces(session, reports)
    by_date = sorted(reports, key=lambda a: (a.published_at or datetime.max.replace(tzinfo=_VN), a.id))
    provenance: dict[str, Any] = {}
    voted_province = _vote([((r.fields or {}).get("province_2025"), r) for r in reports], set())
    home = {r.id for r in reports if voted_province and provinces.get(r.source_id or "") == voted_province[0]}
    for field in ("date_held", "date_end", "province", "province_2025", "venue", "participants",
                  "provinces_covered", "organizers", "legal_refs", "speakers"):  # fmt: skip
        chosen = _vote([((r.fields or {}).get(field), r) for r in reports], home)
        value = chosen[0] if chosen else None
        if field in ("date_held", "date_end"):
            value = _parse_date(value)
        setattr(event, field, value if value is not None else ([] if field in _LIST_FIELDS else None))
        if chosen:
            provenance[field] = {"article_id": chosen[1].id, "url": chosen[1].url}
    originals = [r for r in by_date if not r.duplicate_of] or by_date
    titled = next((r for r in originals if r.language == "vi" and r.title), None) or originals[0]
    event.title = titled.title or _headline(titled.lead or titled.text)
    provenance["title"] = {"article_id": titled.id, "url": titled.url}
    topics: list[str] = []
    for r in by_date:
        topics += [t for t in r.topics or [] if t not in topics]
    event.topics = topics
    event.score = max((r.classification or {}).get("score", 0.0) for r in reports)
    event.provenance = provenance
    event.updated_at = utcnow()
