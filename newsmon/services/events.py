"""Events in the database: put each classified report in its event, keep events' fields merged.

A near-duplicate always joins its original's event; any other report joins the stored event
that ``pipeline.cluster.match.match_score`` ranks best, or starts one. The event's fields
are recomputed from all its reports by ``pipeline.cluster.merge.merged_fields``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.services import corrections
from pipeline.cluster.match import (
    DATE_WINDOW,
    EVENT_TYPES,
    MATCH_THRESHOLD,
    UNDATED_WINDOW,
    anchor_date,
    events_compatible,
    match_score,
)
from pipeline.cluster.merge import merged_fields
from storage.models import Alert, Article, Event, Source, utcnow

logger = logging.getLogger(__name__)

__all__ = ["EVENT_TYPES", "Assignment", "assign_event", "event_type_of", "merge_event"]


@dataclass
class Assignment:
    """The event an article was put in, whether that event is new, and whether it is now held
    for the first time (a new held event, or a planned one whose report has come)."""

    event_id: int
    created: bool
    score: float
    newly_held: bool = False


class _AsEvent:
    """A plan seen as a report of the event it announces, for matching against events."""

    def __init__(self, article: Article, event_type: str) -> None:
        self._article = article
        self.event_type = event_type

    def __getattr__(self, name: str) -> object:
        return getattr(self._article, name)


def event_type_of(article: Article) -> str | None:
    """The type of event an article belongs to: its own when it reports one, the announced one
    when it is a plan (``fields.planned``), else None."""
    if article.event_type in EVENT_TYPES:
        return article.event_type
    planned = (article.fields or {}).get("planned")
    return planned if planned in EVENT_TYPES else None


def _candidate_events(session: Session, article: Article, event_type: str) -> list[Event]:
    anchor, _ = anchor_date(article)
    stmt = select(Event).where(Event.type == event_type)
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

    Idempotent: an article already in an event that still fits stays there. Analysts'
    splits and merges (newsmon/services/corrections.py) hold whatever the rules score.
    """
    previous = article.event_id
    event_type = event_type_of(article)
    if event_type is None:
        article.event_id = None
        _refresh_or_drop(session, previous)
        return None
    seen_as: Any = article if article.event_type == event_type else _AsEvent(article, event_type)
    tied = corrections.ties(session, article.canonical_url)
    apart = tied.apart
    target: Event | None = None
    best = 0.0
    if article.duplicate_of:
        original = session.get(Article, article.duplicate_of)
        if (original is not None and original.event_id and event_type_of(original) == event_type
                and original.canonical_url not in apart):  # fmt: skip
            target, best = session.get(Event, original.event_id), 1.0
    bridged: list[Event] = []
    if target is None:
        matches: list[tuple[Event, float]] = []
        for event in _candidate_events(session, article, event_type):
            reports = [r for r in _reports(session, event.id) if r.id != article.id]
            if not reports or any(r.canonical_url in apart for r in reports):
                continue
            score = match_score(seen_as, event, reports)
            if score >= MATCH_THRESHOLD:
                matches.append((event, score))
            if score > best:
                target, best = event, score
        if best < MATCH_THRESHOLD:
            target = None
        else:
            # A report that fits two events shows they are one (an edition of a story whose
            # original and translation came in apart): fold them into the oldest.
            bridged = [e for e, s in matches if e is not target and s >= BRIDGE_THRESHOLD
                       and target is not None and events_compatible(target, e)
                       and not _split_apart(session, [target, e], article)]  # fmt: skip
            if bridged and target is not None:
                survivor = min([target, *bridged], key=lambda e: e.id)
                for other in [target, *bridged]:
                    if other is not survivor:
                        fold_into(session, other, survivor)
                target = survivor
    created = False
    if target is None:
        if previous is not None and not [r for r in _reports(session, previous) if r.id != article.id]:
            target = session.get(Event, previous)  # keep the event's id stable on reprocess
        else:
            target = Event(type=event_type, status="planned", first_seen_at=utcnow())
            session.add(target)
            session.flush()
            created = True
        best = 1.0
    was_held = not created and target.status == "held"
    article.event_id = target.id
    session.flush()
    target = _join_merged(session, tied.together, target)
    merge_event(session, target)
    if previous is not None and previous != target.id:
        _refresh_or_drop(session, previous)
    return Assignment(target.id, created, round(best, 3), newly_held=target.status == "held" and not was_held)


BRIDGE_THRESHOLD = 0.6  # a second event a report fits this well is the same event


def fold_into(session: Session, event: Event, survivor: Event) -> None:
    """Move ``event``'s reports and alerts to ``survivor`` and drop it. An alert still pending
    for a channel the survivor has already alerted is skipped: one alert per conference."""
    session.execute(
        Article.__table__.update().where(Article.event_id == event.id).values(event_id=survivor.id)
    )
    alerted = set(session.scalars(select(Alert.channel).where(Alert.event_id == survivor.id)))
    for alert in session.scalars(select(Alert).where(Alert.event_id == event.id)):
        alert.event_id = survivor.id
        if alert.status == "pending" and alert.channel in alerted:
            alert.status, alert.last_error = "skipped", f"event {event.id} merged into event {survivor.id}"
    logger.info("event %s merged into event %s (a report fits both)", event.id, survivor.id)
    session.flush()
    session.expire_all()
    session.delete(session.get(Event, event.id))
    session.flush()


def _split_apart(session: Session, events: list[Event], article: Article) -> bool:
    urls = [article.canonical_url] + [r.canonical_url for e in events for r in _reports(session, e.id)]
    return corrections.splits_between(session, urls)


def _join_merged(session: Session, together: frozenset[str], target: Event) -> Event:
    """Fold into one ``target`` and the events of the reports (URLs) an analyst merged with
    its new report; the oldest event survives (its id is the one people have seen longest)."""
    if not together:
        return target
    rows = session.scalars(select(Article).where(Article.canonical_url.in_(together))).all()
    others = {r.event_id for r in rows if r.event_id not in (None, target.id)}
    events = [e for e in (session.get(Event, i) for i in sorted(others)) if e is not None]
    if not events:
        return target
    survivor = min([target, *events], key=lambda e: e.id)
    for other in [target, *events]:
        if other is not survivor:
            fold_into(session, other, survivor)
    return session.get(Event, survivor.id) or survivor


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


def merge_event(session: Session, event: Event) -> None:
    """Recompute an event's fields from all its reports: from the reports of it held when there
    are any (a plan's date is only the date planned), else from its plans (status planned)."""
    reports = _reports(session, event.id)
    if not reports:
        return
    held = [r for r in reports if r.event_type in EVENT_TYPES]
    event.status = "held" if held else "planned"
    reports = held or reports
    for name, value in merged_fields(reports, _source_provinces(session, reports)).items():
        setattr(event, name, value)
    corrections.apply_fields(session, event, _reports(session, event.id))
    event.updated_at = utcnow()
