"""Response models of the JSON API: they make ``/api/openapi.json`` say exactly what each
endpoint returns, which is what the schema-based tests check responses against."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipeline.classify.classifier import TYPES

EventType = Literal[TYPES]  # type: ignore[valid-type]


class Problem(BaseModel):
    """An error: ``detail`` says what was wrong and how to fix it."""

    detail: str | list[dict[str, Any]]


class SearchHit(BaseModel):
    id: int
    url: str
    title: str | None
    published: datetime | None
    source: str | None
    language: str | None
    event_id: int | None
    duplicate_of: int | None
    snippet: str = Field(description="text around the matches; each match between « and »")


class SearchResult(BaseModel):
    total: int = Field(description="matches counted, at most 1000 (see total_at_least)")
    total_at_least: bool = Field(False, description="more matched than counted: show total as '1000+'")
    ranked_window: int | None = Field(
        None, description="with many matches, the most recently collected this many are ranked first"
    )
    limit: int
    offset: int
    hits: list[SearchHit]


class ArticleRef(BaseModel):
    id: int
    url: str
    title: str | None
    published: datetime | None
    source: str | None
    language: str | None
    duplicate_of: int | None


class EventRef(BaseModel):
    id: int
    type: str
    status: str = Field(
        "held", description="held: reported as held; planned: only announced by a plan so far"
    )
    title: str | None
    date_held: date | None
    province: str | None
    province_2025: str | None


class ArticleDetail(ArticleRef):
    lead: str | None
    text: str
    author: str | None
    word_count: int
    event_type: str | None
    topics: list[str]
    classification: dict[str, Any]
    fields: dict[str, Any]
    event: EventRef | None
    corrections: list[CorrectionInfo] = Field(
        default_factory=list, description="analysts' corrections, oldest first"
    )
    duplicates: list[ArticleRef] = Field(description="its copies, or its original and the other copies")


class EventSummary(EventRef):
    topics: list[str]
    date_end: date | None
    venue: str | None
    organizers: list[str]
    participants: int | None
    provinces_covered: int | None
    score: float
    first_seen_at: datetime
    reports: int


class EventList(BaseModel):
    total: int
    limit: int
    offset: int
    events: list[EventSummary]


class FieldSource(BaseModel):
    """Where a merged field of an event came from."""

    field: str
    value: Any
    article_id: int | None = Field(description="the report the value was taken from, if recorded")
    mentioned_by: list[int] = Field(description="reports that give this field a value")
    corrected_by: str | None = Field(None, description="the analyst whose correction set the value")
    rules_value: Any = Field(None, description="what the rules had, when an analyst corrected it")


class CorrectionInfo(BaseModel):
    """One analyst's correction: what, by whom, when, the old and the new value."""

    id: int
    kind: str = Field(description="verdict | field | merge | split")
    field: str | None
    old: Any
    new: Any
    by: str
    at: datetime
    note: str | None
    event_id: int | None = Field(description="the event it was made on (ids at the time)")
    article_id: int | None


class CorrectionResult(BaseModel):
    """What a correction did: the corrections recorded and where the article or event is now."""

    corrections: list[CorrectionInfo]
    event_id: int | None = Field(description="the event the article or the merged reports are in now")


class EventDetail(EventSummary):
    legal_refs: list[str]
    speakers: list[dict[str, Any]]
    provenance: list[FieldSource]
    articles: list[ArticleRef]
    corrections: list[CorrectionInfo] = Field(
        default_factory=list, description="analysts' corrections of the event and its reports, oldest first"
    )


class SourceHealth(BaseModel):
    last_success: datetime | None
    first_run: datetime | None
    last_new_article: datetime | None
    runs: int
    failed_runs: int
    requests: int
    fetch_errors: int
    articles_per_week: list[int] = Field(
        description="new articles in each of the last 4 weeks, this week first"
    )


class RunSummary(BaseModel):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    articles_new: int
    fetch_errors: int


class SourceInfo(BaseModel):
    id: str
    name: str
    kind: str
    province: str | None
    province_2025: str | None
    homepage: str
    enabled: bool
    articles: int
    health: SourceHealth
    recent_runs: list[RunSummary]


class Count(BaseModel):
    key: str
    count: int


class Stats(BaseModel):
    articles: int
    events: int
    sources: int
    articles_per_month: list[Count]
    events_per_month: list[Count]
    events_per_province: list[Count]
    articles_per_province: list[Count]
