"""The JSON API under ``/api/``: search, articles, events, sources, statistics.

Every parameter is typed and bounded so that the OpenAPI schema says what is accepted and
no input reaches the database in a form it cannot take (ids fit 63 bits, pages are capped).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from newsmon.services import corrections
from newsmon.web import queries
from newsmon.web.params import BadParameter, build_filters
from newsmon.web.schemas import (
    ArticleDetail,
    ArticleRef,
    CorrectionInfo,
    Count,
    EventDetail,
    EventList,
    EventRef,
    EventSummary,
    EventType,
    FieldSource,
    Problem,
    RunSummary,
    SearchHit,
    SearchResult,
    SourceHealth,
    SourceInfo,
    Stats,
)
from storage import repository as repo
from storage.models import Article, Event, Source

MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses anything larger
MAX_OFFSET = 100_000
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "a bad parameter; `detail` says what to fix"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such id"}, **ERRORS}
MERGED_FIELDS = ("title", "date_held", "date_end", "province", "province_2025", "venue", "participants",
                 "provinces_covered", "organizers", "legal_refs", "speakers", "topics")  # fmt: skip

router = APIRouter(prefix="/api", tags=["api"])


def get_session(request: Request) -> Iterator[Session]:
    """A read-only session per request (rolled back at the end: nothing is ever written)."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Text = Annotated[str | None, Query(max_length=200)]
_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """Only a written day: pydantic alone takes a number as a Unix time (7e-298 -> 1970-01-01)."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DAY_RE.fullmatch(value.strip()):
        raise ValueError("use a date YYYY-MM-DD")
    return value.strip()


Day = Annotated[
    date | None,
    BeforeValidator(_iso_day),
    Query(description="YYYY-MM-DD, Vietnam time; `until` includes its day"),
]


def filters_or_422(**kwargs: Any) -> Any:
    try:
        return build_filters(**kwargs)
    except BadParameter as exc:
        raise HTTPException(422, str(exc)) from None


def article_ref(a: Article) -> ArticleRef:
    return ArticleRef(id=a.id, url=a.url, title=a.title, published=a.published_local, source=a.source_id,
                      language=a.language, duplicate_of=a.duplicate_of)  # fmt: skip


def event_ref(e: Event) -> EventRef:
    return EventRef(id=e.id, type=e.type, status=e.status or "held", title=e.title, date_held=e.date_held,
                    province=e.province, province_2025=e.province_2025)  # fmt: skip


def event_summary(e: Event, reports: int) -> EventSummary:
    return EventSummary(
        **event_ref(e).model_dump(), topics=list(e.topics or []), date_end=e.date_end, venue=e.venue,
        organizers=list(e.organizers or []), participants=e.participants, provinces_covered=e.provinces_covered,
        score=e.score or 0.0, first_seen_at=e.first_seen_at, reports=reports,
    )  # fmt: skip


def field_sources(event: Event, reports: list[Article]) -> list[FieldSource]:
    """Each merged field with the report it was taken from (``provenance``) and the reports giving it."""
    provenance = event.provenance if isinstance(event.provenance, dict) else {}
    out = []
    for name in MERGED_FIELDS:
        value = getattr(event, name)
        if value in (None, "", []):
            continue
        origin = provenance.get(name) if name != "province_2025" else provenance.get("province")
        origin = origin if isinstance(origin, dict) else {}
        corrected = "correction" in origin
        article_id = origin.get("article_id")
        if name == "title":
            mentioned = [r.id for r in reports if r.title]
        elif name == "topics":
            mentioned = [r.id for r in reports if r.topics]
        else:
            mentioned = [r.id for r in reports if (r.fields or {}).get(name) not in (None, "", [])]
        out.append(FieldSource(field=name, value=value.isoformat() if isinstance(value, date) else value,
                               article_id=article_id if isinstance(article_id, int) else None,
                               mentioned_by=mentioned, corrected_by=origin.get("by") if corrected else None,
                               rules_value=_rules_value(name, origin.get("rules")) if corrected else None))  # fmt: skip
    return out


def _rules_value(name: str, rules: Any) -> Any:
    if name in ("province", "province_2025") and isinstance(rules, dict):
        return rules.get(name)
    return rules


@router.get("/search", response_model=SearchResult, responses=ERRORS)
def api_search(
    session: SessionDep,
    q: Annotated[str, Query(max_length=2000, description="the query language of `newsmon search`")] = "",
    since: Day = None,
    until: Day = None,
    source: Text = None,
    province: Text = None,
    type: Annotated[EventType | None, Query()] = None,
    topic: Text = None,
    language: Text = None,
    with_duplicates: bool = False,
    limit: Limit = 20,
    offset: Offset = 0,
) -> SearchResult:
    """Articles matching the query, best first (newest first without a query); copies folded
    unless ``with_duplicates``."""
    filters = filters_or_422(since=since, until=until, source=source, province=province, event_type=type,
                             topic=topic, language=language, with_duplicates=with_duplicates)  # fmt: skip
    page = queries.run_search(session, q, filters, limit, offset)
    hits = [SearchHit(id=h.id, url=h.url, title=h.title, published=h.published, source=h.source,
                      language=h.language, event_id=h.event_id, duplicate_of=h.duplicate_of, snippet=h.snippet)
            for h in page.hits]  # fmt: skip
    return SearchResult(total=page.total, total_at_least=page.total_at_least, ranked_window=page.ranked_window,
                        limit=limit, offset=offset, hits=hits)  # fmt: skip


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND)
def api_article(session: SessionDep, article_id: Id) -> ArticleDetail:
    """One article: clean text, classification, its event and its duplicates."""
    a = session.get(Article, article_id)
    if a is None:
        raise HTTPException(404, f"no article {article_id}")
    event = session.get(Event, a.event_id) if a.event_id else None
    return ArticleDetail(
        **article_ref(a).model_dump(), lead=a.lead, text=a.text, author=a.author, word_count=a.word_count or 0,
        event_type=a.event_type, topics=list(a.topics or []), classification=a.classification or {},
        fields=a.fields or {}, event=event_ref(event) if event else None,
        duplicates=[article_ref(d) for d in queries.duplicates_of(session, a)],
        corrections=[CorrectionInfo(**c) for c in corrections.history(session, [a.canonical_url])],
    )  # fmt: skip


@router.get("/events", response_model=EventList, responses=ERRORS)
def api_events(
    session: SessionDep,
    since: Day = None,
    until: Day = None,
    province: Text = None,
    type: Annotated[EventType | None, Query()] = None,
    topic: Text = None,
    source: Text = None,
    language: Text = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EventList:
    """Events, newest date held first, with their number of reports. ``since``/``until`` are
    on the date held; ``source``/``language``: one of its reports."""
    filters = filters_or_422(since=since, until=until, province=province, event_type=type, topic=topic,
                             source=source, language=language)  # fmt: skip
    events, total = queries.list_events(session, filters, limit, offset)
    counts = queries.report_counts(session, [e.id for e in events])
    return EventList(total=total, limit=limit, offset=offset,
                     events=[event_summary(e, counts.get(e.id, 0)) for e in events])  # fmt: skip


@router.get("/events/{event_id}", response_model=EventDetail, responses=NOT_FOUND)
def api_event(session: SessionDep, event_id: Id) -> EventDetail:
    """One event: merged fields with where each came from, and every report."""
    e = session.get(Event, event_id)
    if e is None:
        raise HTTPException(404, f"no event {event_id}")
    reports = list(repo.event_articles(session, e.id))
    return EventDetail(
        **event_summary(e, len(reports)).model_dump(), legal_refs=list(e.legal_refs or []),
        speakers=list(e.speakers or []), provenance=field_sources(e, reports),
        articles=[article_ref(r) for r in reports],
        corrections=[CorrectionInfo(**c) for c in corrections.history(session, [r.canonical_url for r in reports])],
    )  # fmt: skip


def source_info(session: Session, s: Source, now: datetime) -> SourceInfo:
    health = repo.source_health(session, s.id, now)
    runs = [RunSummary(id=r.id, status=r.status, started_at=r.started_at, finished_at=r.finished_at,
                       articles_new=r.articles_new or 0, fetch_errors=r.fetch_errors or 0)
            for r in repo.recent_runs(session, s.id, limit=5)]  # fmt: skip
    return SourceInfo(id=s.id, name=s.name, kind=s.kind, province=s.province, province_2025=s.province_2025,
                      homepage=s.homepage, enabled=bool(s.enabled), articles=repo.count_articles(session, s.id),
                      health=SourceHealth(**health), recent_runs=runs)  # fmt: skip


@router.get("/sources", response_model=list[SourceInfo])
def api_sources(session: SessionDep) -> list[SourceInfo]:
    """Every source the database knows, with its health over the last 28 days and its last runs."""
    now = datetime.now(UTC)
    sources = session.query(Source).order_by(Source.id).all()
    return [source_info(session, s, now) for s in sources]


@router.get("/stats", response_model=Stats)
def api_stats(session: SessionDep) -> Stats:
    """Counts of articles, events and sources; per month and per 2025 province."""

    def counts(rows: list[tuple[str, int]]) -> list[Count]:
        return [Count(key=k, count=n) for k, n in rows]

    return Stats(
        **queries.totals(session),
        articles_per_month=counts(queries.articles_per_month(session)),
        events_per_month=counts(queries.events_per_month(session)),
        events_per_province=counts(queries.events_per_province(session)),
        articles_per_province=counts(queries.articles_per_province(session)),
    )
