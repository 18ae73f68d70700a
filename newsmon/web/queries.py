"""Read queries the web UI needs beyond ``newsmon.services.search`` and ``storage.repository``: the
newest-first listing without a query, facets over a capped set of matches, statistics and
chart series. Everything here only reads, and works on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsmon.services import search as ps
from storage.models import Alert, Article, Event, Source

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FACET_CAP = 5000  # facets count the newest this many matches: a search over millions stays fast
FACET_TOP = 12  # values shown per facet


@dataclass
class Facets:
    """Counts per value over the newest ``FACET_CAP`` matches (``capped`` if there were more)."""

    province: list[tuple[str, int]] = field(default_factory=list)
    source: list[tuple[str, int]] = field(default_factory=list)
    event_type: list[tuple[str, int]] = field(default_factory=list)
    month: list[tuple[str, int]] = field(default_factory=list)
    counted: int = 0
    capped: bool = False


def matching_ids(session: Session, query: str, filters: ps.Filters) -> sa.Select[Any] | None:
    """A select of the ids of the newest ``FACET_CAP`` articles matching ``query`` (every article
    when the query is blank) and ``filters``; None when nothing can match. ValueError for an
    unknown province."""
    if query.strip():
        return ps.newest_matches(session, query, filters, FACET_CAP + 1)
    return (
        sa.select(Article.id)
        .where(*ps.article_conditions(filters))
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(FACET_CAP + 1)
    )


def newest(session: Session, filters: ps.Filters, limit: int, offset: int) -> ps.SearchPage:
    """The newest articles matching ``filters`` (no query): what the search page shows first.
    The count stops at ``newsmon.services.search.COUNT_CAP``, as a search's does."""
    conds = ps.article_conditions(filters)
    counted = sa.select(Article.id).where(*conds).limit(ps.COUNT_CAP + 1).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    rows = session.scalars(
        sa.select(Article)
        .where(*conds)
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    hits = [
        ps.Hit(a.id, a.url, a.title, a.published_local, a.source_id, a.language, a.event_id, a.duplicate_of,
               ps.snippet(a.title, a.lead, a.text, []))
        for a in rows
    ]  # fmt: skip
    return ps.SearchPage(hits, min(total, ps.COUNT_CAP), total_at_least=total > ps.COUNT_CAP)


def run_search(session: Session, query: str, filters: ps.Filters, limit: int, offset: int) -> ps.SearchPage:
    """Ranked search for a query, the newest articles for a blank one."""
    if query.strip():
        return ps.search(session, query, filters, limit=limit, offset=offset)
    return newest(session, filters, limit, offset)


def _province_expr() -> Any:
    """The 2025 unit of an article: its event's, else its source's."""
    return sa.func.coalesce(Event.province_2025, Source.province_2025)


def facets(session: Session, ids: sa.Select[Any] | None) -> Facets:
    """Counts by province (2025 unit), source, event type and month over the newest matches."""
    if ids is None:
        return Facets()
    rows = session.execute(
        sa.select(Article.published_at, Article.source_id, Article.event_type, _province_expr())
        .select_from(Article)
        .outerjoin(Event, Event.id == Article.event_id)
        .outerjoin(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids.subquery().select()))
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(FACET_CAP + 1)
    ).all()
    capped = len(rows) > FACET_CAP
    rows = rows[:FACET_CAP]
    province, source, etype, month = Counter(), Counter(), Counter(), Counter()
    for published, source_id, event_type, prov in rows:
        if prov:
            province[prov] += 1
        if source_id:
            source[source_id] += 1
        if event_type:
            etype[event_type] += 1
        if published:
            month[published.astimezone(VN).strftime("%Y-%m")] += 1
    return Facets(
        province=province.most_common(FACET_TOP),
        source=source.most_common(FACET_TOP),
        event_type=etype.most_common(FACET_TOP),
        month=sorted(month.items(), reverse=True)[:FACET_TOP],
        counted=len(rows),
        capped=capped,
    )


# --- articles and events -------------------------------------------------------------------


def duplicates_of(session: Session, article: Article) -> list[Article]:
    """The copies of ``article``, or, for a copy, its original and the original's other copies."""
    original_id = article.duplicate_of or article.id
    rows = session.scalars(
        sa.select(Article)
        .where(
            sa.or_(Article.id == original_id, Article.duplicate_of == original_id), Article.id != article.id
        )
        .order_by(Article.published_at.asc().nulls_last(), Article.id)
        .limit(200)
    ).all()
    return list(rows)


def report_counts(session: Session, event_ids: list[int]) -> dict[int, int]:
    """Number of reports (articles) of each event."""
    if not event_ids:
        return {}
    rows = session.execute(
        sa.select(Article.event_id, sa.func.count(Article.id))
        .where(Article.event_id.in_(event_ids))
        .group_by(Article.event_id)
    ).all()
    return {event_id: count for event_id, count in rows}


def list_events(session: Session, filters: ps.Filters, limit: int, offset: int) -> tuple[list[Event], int]:
    """One page of events matching ``filters`` (newest date held first) and how many match."""
    events = []
    total = 0
    for event in ps.iter_events(session, filters, batch=200):
        if offset <= total < offset + limit:
            events.append(event)
        total += 1
        if total >= 100_000:  # counting further is pointless for a page
            break
    return events, total


# --- statistics and charts -----------------------------------------------------------------


def _month_expr(session: Session, column: Any) -> Any:
    """``YYYY-MM`` of a UTC timestamp column in Vietnam time, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column + sa.text("interval '7 hours'"), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column, "+7 hours")


def fill_months(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """``(YYYY-MM, n)`` sorted, with the months in between that have nothing as zero, so a bar
    chart's axis is time (at most 120 months, the newest kept)."""
    if not items:
        return []
    counts = dict(items)
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    out: list[tuple[str, int]] = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out[-120:]


def totals(session: Session) -> dict[str, int]:
    return {
        "articles": session.scalar(sa.select(sa.func.count(Article.id))) or 0,
        "events": session.scalar(sa.select(sa.func.count(Event.id))) or 0,
        "sources": session.scalar(sa.select(sa.func.count(Source.id))) or 0,
    }


def articles_per_month(session: Session, limit: int = 36) -> list[tuple[str, int]]:
    month = _month_expr(session, Article.published_at).label("month")
    rows = session.execute(
        sa.select(month, sa.func.count(Article.id))
        .where(Article.published_at.is_not(None))
        .group_by(month)
        .order_by(month.desc())
        .limit(limit)
    ).all()
    return sorted((m, n) for m, n in rows if m)


def events_per_month(session: Session, limit: int = 36) -> list[tuple[str, int]]:
    """Events by month held (events are few: counted in Python, the same on every database)."""
    counts = Counter(d.strftime("%Y-%m") for d in session.scalars(sa.select(Event.date_held)) if d)
    return sorted(counts.items())[-limit:]


def events_per_province(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        sa.select(Event.province_2025, sa.func.count(Event.id))
        .where(Event.province_2025.is_not(None))
        .group_by(Event.province_2025)
    ).all()
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def articles_per_province(session: Session) -> list[tuple[str, int]]:
    """Articles by their source's 2025 unit."""
    rows = session.execute(
        sa.select(Source.province_2025, sa.func.count(Article.id))
        .join(Source, Source.id == Article.source_id)
        .where(Source.province_2025.is_not(None))
        .group_by(Source.province_2025)
    ).all()
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def weekly_by_source(
    session: Session, now: datetime, weeks: int = 8
) -> tuple[list[date], dict[str, list[int]]]:
    """Articles stored per source in each of the last ``weeks`` weeks (oldest first): the
    sources' activity. One query with a bucket per week, on any database."""
    start_of_today = now.astimezone(VN).replace(hour=0, minute=0, second=0, microsecond=0)
    this_monday = start_of_today - timedelta(days=start_of_today.weekday())
    starts = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    buckets = [
        sa.func.sum(
            sa.case(
                (sa.and_(Article.created_at >= s, Article.created_at < s + timedelta(weeks=1)), 1), else_=0
            )
        )
        for s in starts
    ]
    rows = session.execute(
        sa.select(Article.source_id, *buckets)
        .where(Article.created_at >= starts[0], Article.source_id.is_not(None))
        .group_by(Article.source_id)
    ).all()
    series = {row[0]: [int(n or 0) for n in row[1:]] for row in rows}
    return [s.date() for s in starts], dict(sorted(series.items()))


def alert_counts(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(Alert.status, sa.func.count(Alert.id)).group_by(Alert.status)).all()
    return {status: n for status, n in rows}


def list_alerts(session: Session, status: str | None, limit: int) -> list[Alert]:
    stmt = sa.select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Alert.status == status)
    return list(session.scalars(stmt))
