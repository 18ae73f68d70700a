"""Analysts' corrections, applied after the rules: what events.py and enrich.py ask.

Corrections are tied to articles by canonical URL (``correction_articles``), so they hold
whatever reprocessing does to events: a verdict says whether an article is a training
report; a field correction sets an event field for the event its reports are in; a merge
keeps two groups of reports in one event; a split keeps a report out of the event of the
reports it was split from. The latest correction wins. Recording them (and the history)
is newsmon/services/correct.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, Correction, CorrectionArticle, Event

TRAINING = "training_conference"
EDITABLE_FIELDS = ("date_held", "province", "organizers", "participants")


def _links(session: Session, urls: list[str], kind: str) -> list[tuple[Correction, CorrectionArticle]]:
    if not urls:
        return []
    stmt = (
        select(Correction, CorrectionArticle)
        .join(CorrectionArticle, CorrectionArticle.correction_id == Correction.id)
        .where(Correction.kind == kind, CorrectionArticle.article_url.in_(urls))
        .order_by(Correction.created_at, Correction.id)
    )
    return [(c, link) for c, link in session.execute(stmt).all()]


def verdict_for(session: Session, url: str) -> Correction | None:
    """The latest verdict on the article at ``url`` (``new_value``: is it a training report)."""
    links = _links(session, [url], "verdict")
    return links[-1][0] if links else None


def corrected_type(rules_type: str, training: bool) -> str:
    """The article's type after a verdict: a training report, or the rules' type unless that
    was a training (a seminar the rules found stays a seminar when it is not a training)."""
    if training:
        return TRAINING
    return "other" if rules_type == TRAINING else rules_type


@dataclass(frozen=True)
class Ties:
    """What analysts said about the event of the article at one URL: the reports it must not
    share an event with (splits) and those it must share one with (merges)."""

    apart: frozenset[str] = frozenset()
    together: frozenset[str] = frozenset()


def ties(session: Session, url: str) -> Ties:
    """The splits and merges naming ``url`` (one query when there are none: the usual case,
    on the path of every stored article)."""
    ids = select(CorrectionArticle.correction_id).where(CorrectionArticle.article_url == url)
    rows = session.execute(
        select(Correction.id, Correction.kind, CorrectionArticle.article_url, CorrectionArticle.role)
        .join(CorrectionArticle, CorrectionArticle.correction_id == Correction.id)
        .where(Correction.kind.in_(("split", "merge")), Correction.id.in_(ids))
    ).all()
    if not rows:
        return Ties()
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    kinds: dict[int, str] = {}
    for correction_id, kind, article_url, role in rows:
        links[correction_id].append((article_url, role))
        kinds[correction_id] = kind
    apart: set[str] = set()
    together: set[str] = set()
    for correction_id, named in links.items():
        if kinds[correction_id] == "merge":
            together |= {u for u, _ in named}
            continue
        mine = next(role for u, role in named if u == url)
        other = "from" if mine == "article" else "article"
        apart |= {u for u, role in named if role == other}
    together.discard(url)
    return Ties(frozenset(apart), frozenset(together - apart))


def splits_between(session: Session, urls: list[str]) -> bool:
    """Whether a split keeps any two of ``urls`` apart (then their events must not be folded)."""
    roles: dict[int, set[str]] = defaultdict(set)
    for correction, link in _links(session, urls, "split"):
        roles[correction.id].add(link.role)
    return any({"article", "from"} <= r for r in roles.values())


def decode(field: str, value: Any) -> Any:
    """A stored correction value as the event column takes it."""
    if field == "date_held" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def apply_fields(session: Session, event: Event, reports: list[Article]) -> None:
    """Set the fields analysts corrected on ``event`` (after the rules merged them), and
    record in ``provenance`` who corrected each and what the rules had."""
    links = _links(session, [r.canonical_url for r in reports], "field")
    if not links:
        return
    provenance = dict(event.provenance or {})
    seen: set[int] = set()
    for correction, _ in links:
        if correction.id in seen or correction.field not in EDITABLE_FIELDS:
            continue
        seen.add(correction.id)
        name = correction.field
        origin = provenance.get(name) or {}
        rules = origin["rules"] if "correction" in origin else column_value(event, name)
        if name == "province":
            value = correction.new_value or {}
            event.province, event.province_2025 = value.get("province"), value.get("province_2025")
        else:
            setattr(event, name, decode(name, correction.new_value))
        provenance[name] = {
            "correction": correction.id,
            "by": correction.user_name,
            "at": correction.created_at.isoformat() if correction.created_at else None,
            "rules": rules,
        }
    event.provenance = provenance


def column_value(event: Event, name: str) -> Any:
    """An event's value of an editable field, as a correction stores it (JSON)."""
    if name == "province":
        return {"province": event.province, "province_2025": event.province_2025}
    value = getattr(event, name)
    return value.isoformat() if isinstance(value, date) else value


# --- the history ---------------------------------------------------------------------------


def history_row(c: Correction) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "field": c.field, "old": c.old_value, "new": c.new_value,
            "by": c.user_name, "at": c.created_at, "note": c.note, "event_id": c.event_id,
            "article_id": c.article_id}  # fmt: skip


def history(session: Session, urls: list[str]) -> list[dict[str, Any]]:
    """Every correction naming any of ``urls`` (an article's, or an event's reports'), oldest first."""
    if not urls:
        return []
    ids = select(CorrectionArticle.correction_id).where(CorrectionArticle.article_url.in_(urls))
    stmt = select(Correction).where(Correction.id.in_(ids)).order_by(Correction.created_at, Correction.id)
    return [history_row(c) for c in session.scalars(stmt)]


def all_corrections(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    """Every correction, oldest first (``kind``: only those of one kind)."""
    stmt = select(Correction).order_by(Correction.created_at, Correction.id)
    if kind:
        stmt = stmt.where(Correction.kind == kind)
    return [history_row(c) for c in session.scalars(stmt)]


def _plain(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, dict):
        return str(value.get("province_2025") or value.get("province") or value.get("event") or value)
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def describe(row: dict[str, Any]) -> str:
    """One correction (a :func:`history` row) in a line, for exports and logs."""
    day = row["at"].date().isoformat() if row.get("at") else "?"
    kind = row["kind"]
    if kind == "field":
        what = f"{row['field']} {_plain(row['old'])} -> {_plain(row['new'])}"
    elif kind == "verdict":
        what = f"article {row['article_id']}: " + (
            "a training report" if row["new"] else "not a training report"
        )
    elif kind == "merge":
        what = "merged events " + " and ".join(map(str, (row["old"] or {}).get("events", [])))
    else:
        what = f"split article {row['article_id']} out of event {(row['old'] or {}).get('event')}"
    return f"{day} {row['by']}: {what}" + (f" ({row['note']})" if row.get("note") else "")
