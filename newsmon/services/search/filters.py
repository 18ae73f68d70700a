"""Search and export filters (dates, source, province old or 2025, type, topic, language,
copies) as SQL conditions on ``articles``, the same on every backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pipeline.text import fold
from storage.models import Article, Event, Source


def like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Filters:
    since: datetime | None = None  # published on or after
    until: datetime | None = None  # published before
    source_id: str | None = None
    province: str | None = None  # old or 2025 name, any accents (resolved by resolve_province)
    event_type: str | None = None
    topic: str | None = None
    language: str | None = None
    with_duplicates: bool = False


def resolve_province(name: str) -> str:
    """The stored spelling of an old (pre-2025) province or a 2025 unit; ValueError if unknown."""
    from pipeline.gazetteer import find_province, units_2025

    unit = next((u for u in units_2025() if fold(u) == fold(name.strip())), None)
    found = find_province(name)
    resolved = unit or (found.name if found else None)
    if resolved is None:
        raise ValueError(f"unknown province {name!r} (old or 2025 name, e.g. 'Hòa Bình', 'Phú Thọ')")
    return resolved


def topic_condition(column: Any, topic: str) -> sa.ColumnElement[bool]:
    return sa.cast(column, sa.Text).like('%"' + like_escape(topic) + '"%', escape="\\")


def article_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    f = filters
    conds: list[sa.ColumnElement[bool]] = []
    if f.since:
        conds.append(Article.published_at >= f.since)
    if f.until:
        conds.append(Article.published_at < f.until)
    if f.source_id:
        conds.append(Article.source_id == f.source_id)
    if f.language:
        conds.append(Article.language == f.language)
    if f.event_type:
        conds.append(Article.event_type == f.event_type)
    if f.topic:
        conds.append(topic_condition(Article.topics, f.topic))
    if f.province:
        p = resolve_province(f.province)
        conds.append(
            sa.or_(
                Article.source_id.in_(
                    sa.select(Source.id).where(sa.or_(Source.province == p, Source.province_2025 == p))
                ),
                Article.event_id.in_(
                    sa.select(Event.id).where(sa.or_(Event.province == p, Event.province_2025 == p))
                ),
            )
        )
    if not f.with_duplicates:
        conds.append(Article.duplicate_of.is_(None))
    return conds
