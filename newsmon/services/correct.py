"""Analysts correct what the rules got wrong: record who changed what, apply it at once.

Each action writes a ``corrections`` row (who, when, the old and the new value, a note) and
the articles it concerns, then applies it the way reprocessing will apply it again
(newsmon/services/corrections.py): so what the analyst sees now is what survives
``newsmon reprocess``. Errors are :class:`CorrectionError` with what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.services import corrections
from newsmon.services.enrich import enrich_article
from newsmon.services.events import event_type_of, fold_into, merge_event
from newsmon.services.store import queue_new_event
from pipeline.gazetteer import find_province, find_unit_2025
from storage import repository as repo
from storage.models import Article, Correction, CorrectionArticle, Event, utcnow

if TYPE_CHECKING:
    from newsmon.services.alerts import AlertsConfig

MAX_NOTE = 2000
MAX_ORGANIZERS = 20


class CorrectionError(ValueError):
    """A correction that cannot be made; the message says what to fix."""


class NotFound(CorrectionError):
    """No such article or event."""


@dataclass(frozen=True)
class Who:
    """The analyst: the user's id (None when the user was deleted since) and name."""

    id: int | None
    name: str


def _note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise CorrectionError(f"the note is {len(note)} characters; keep it under {MAX_NOTE}")
    return note or None


def _record(session: Session, who: Who, kind: str, links: list[tuple[str, str]], note: str | None,
            **values: Any) -> Correction:  # fmt: skip
    correction = Correction(kind=kind, user_id=who.id, user_name=who.name, note=_note(note),
                            created_at=utcnow(), **values)  # fmt: skip
    session.add(correction)
    session.flush()
    seen: set[str] = set()
    for url, role in links:
        if url not in seen:
            seen.add(url)
            session.add(CorrectionArticle(correction_id=correction.id, article_url=url, role=role))
    session.flush()
    return correction


def _article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event {event_id}: it may have been merged into another; reload the event list")
    return event


def _reports(session: Session, event: Event) -> list[Article]:
    return list(repo.event_articles(session, event.id))


# --- the actions ---------------------------------------------------------------------------


def mark_training(
    session: Session, who: Who, article_id: int, training: bool, note: str | None = None,
    alerts: AlertsConfig | None = None,
) -> Correction:  # fmt: skip
    """Say whether an article reports a training; the article is then classified again (the
    verdict beats the rules) and put in the event it now belongs to. A training event that is
    new or newly held by it alerts like one a crawl found (``alerts``, and the subscriptions)."""
    article = _article(session, article_id)
    old = article.event_type == corrections.TRAINING
    correction = _record(session, who, "verdict", [(article.canonical_url, "article")], note,
                         old_value=old, new_value=bool(training), article_id=article.id,
                         event_id=article.event_id)  # fmt: skip
    enriched = enrich_article(session, article)
    if enriched.event_created and enriched.event_id:
        queue_new_event(session, enriched.event_id, alerts)
    return correction


def parse_field(name: str, value: Any) -> Any:
    """An edited event field as stored in a correction (JSON), checked."""
    if name not in corrections.EDITABLE_FIELDS:
        raise CorrectionError(
            f"{name!r} cannot be corrected; fields that can: {', '.join(corrections.EDITABLE_FIELDS)}"
        )
    if value is None or (isinstance(value, str) and not value.strip()):  # clears the field
        return {"organizers": [], "province": {"province": None, "province_2025": None}}.get(name)
    if name == "date_held":
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        except ValueError:
            raise CorrectionError(f"date held {value!r} is not a date: give it as YYYY-MM-DD") from None
        if not date(1990, 1, 1) <= day <= date(2100, 1, 1):
            raise CorrectionError(f"date held {day} is out of range (1990-2100)")
        return day.isoformat()
    if name == "province":
        text = str(value).strip()
        old = find_province(text)
        if old is not None:
            return {"province": old.name, "province_2025": old.unit_2025}
        unit = find_unit_2025(text)
        if unit is None:
            raise CorrectionError(
                f"{text!r} is not a Vietnamese province: give an old (pre-2025) or a 2025 name"
            )
        return {"province": unit, "province_2025": unit}
    if name == "participants":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise CorrectionError(f"participants {value!r} is not a whole number") from None
        if not 0 <= number <= 1_000_000:
            raise CorrectionError(f"participants {number} is out of range (0-1,000,000)")
        return number
    items = value if isinstance(value, list) else str(value).replace("\n", ";").split(";")
    names = [" ".join(str(v).split()) for v in items if str(v).strip()]
    if len(names) > MAX_ORGANIZERS or any(len(n) > 300 for n in names):
        raise CorrectionError(
            f"give at most {MAX_ORGANIZERS} organisers of at most 300 characters, separated by ';'"
        )
    return names


def edit_event(session: Session, who: Who, event_id: int, changes: dict[str, Any],
               note: str | None = None) -> list[Correction]:  # fmt: skip
    """Correct some of an event's fields (``EDITABLE_FIELDS``); unchanged values are not
    recorded. Returns the corrections made (none when nothing changed)."""
    event = _event(session, event_id)
    parsed = {name: parse_field(name, value) for name, value in changes.items()}
    reports = _reports(session, event)
    links = [(r.canonical_url, "event") for r in reports]
    made = []
    for name, new in parsed.items():
        old = corrections.column_value(event, name)
        if old == new:
            continue
        made.append(_record(session, who, "field", links, note, field=name, old_value=old, new_value=new,
                            event_id=event.id))  # fmt: skip
    if made:
        corrections.apply_fields(session, event, reports)
        event.updated_at = utcnow()
        session.flush()
    return made


def merge_events(
    session: Session, who: Who, event_id: int, into_id: int, note: str | None = None
) -> Correction:
    """Say two events are one: ``event_id``'s reports join ``into_id`` (the older id is kept)."""
    if event_id == into_id:
        raise CorrectionError("an event cannot be merged with itself: pick another event")
    event, into = _event(session, event_id), _event(session, into_id)
    if event.type != into.type:
        raise CorrectionError(f"event {event.id} is a {event.type} and event {into.id} a {into.type}: "
                              "only events of one type can be merged (correct the articles' type first)")  # fmt: skip
    links = [(r.canonical_url, "a") for r in _reports(session, event)]
    links += [(r.canonical_url, "b") for r in _reports(session, into)]
    correction = _record(session, who, "merge", links, note, old_value={"events": [event.id, into.id]},
                         new_value={"event": min(event.id, into.id)}, event_id=into.id)  # fmt: skip
    survivor, other = (event, into) if event.id < into.id else (into, event)
    fold_into(session, other, survivor)
    survivor = _event(session, survivor.id)
    merge_event(session, survivor)
    session.flush()
    return correction


def split_article(
    session: Session, who: Who, event_id: int, article_id: int, note: str | None = None
) -> Correction:
    """Say a report is not part of its event: it leaves for an event of its own, and stays
    apart from the event's other reports. Field corrections made before stay with the event."""
    event, article = _event(session, event_id), _article(session, article_id)
    if article.event_id != event.id:
        raise CorrectionError(f"article {article.id} is not a report of event {event.id}")
    others = [r for r in _reports(session, event) if r.id != article.id]
    if not others:
        raise CorrectionError(
            f"article {article.id} is the only report of event {event.id}: nothing to split from"
        )
    links = [(article.canonical_url, "article")] + [(r.canonical_url, "from") for r in others]
    correction = _record(session, who, "split", links, note, old_value={"event": event.id}, new_value=None,
                         article_id=article.id, event_id=event.id)  # fmt: skip
    # Earlier field corrections of this event follow its remaining reports, not this one.
    earlier = select(Correction.id).where(Correction.kind == "field", Correction.id != correction.id)
    session.execute(
        CorrectionArticle.__table__.delete().where(
            CorrectionArticle.article_url == article.canonical_url,
            CorrectionArticle.correction_id.in_(earlier),
        )
    )
    kind = event_type_of(article) or event.type
    own = Event(type=kind, status="planned", first_seen_at=utcnow())
    session.add(own)
    session.flush()
    article.event_id = own.id
    session.flush()
    merge_event(session, own)
    merge_event(session, event)
    correction.new_value = {"event": own.id}
    session.flush()
    return correction


def event_history(session: Session, event: Event) -> list[dict[str, Any]]:
    """Every correction of ``event`` and its reports, oldest first."""
    return corrections.history(session, [r.canonical_url for r in _reports(session, event)])
