"""SQLAlchemy 2 models. The schema itself is owned by the Alembic migrations in
``storage/migrations``; these classes must match them (a test compares the two).

Every write path is idempotent: rows are unique by canonical URL (pages, articles) so
that running the same crawl twice, or two crawlers at once, never adds a second row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as naive UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_models(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's comparisons: the search indexes are not described by a model: SQLite's FTS5
    table (``articles_fts`` and its shadow tables, migrations 0004-0005) and PostgreSQL's
    ``articles.search_tsv`` column and its GIN index (migration 0006)."""
    if (type_, name) in (("index", "ix_articles_search_tsv"), ("column", "search_tsv")):
        return False
    return not (type_ == "table" and name is not None and name.startswith("articles_fts"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A row per source in sources.yaml, refreshed from the registry at each crawl."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(64))
    province_2025: Mapped[str | None] = mapped_column(String(64))
    homepage: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CrawlRun(Base):
    """One crawl of one source: when, how it ended, and what it counted."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="cli")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    hostname: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    pages_stored: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    fetch_errors: Mapped[int] = mapped_column(Integer, default=0)
    process_errors: Mapped[int] = mapped_column(Integer, default=0)
    error_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(Text)

    errors: Mapped[list[FetchError]] = relationship(back_populates="crawl_run", cascade="all, delete-orphan")


class FetchError(Base):
    """A URL that could not be fetched or processed during a crawl, with the reason."""

    __tablename__ = "fetch_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    crawl_run: Mapped[CrawlRun] = relationship(back_populates="errors")


class Page(Base):
    """The raw page as fetched, zlib-compressed, stored before any processing."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    requested_canonical: Mapped[str | None] = mapped_column(String(2048), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[int] = mapped_column(Integer, default=200)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int] = mapped_column(Integer, default=0)
    body_sha1: Mapped[str] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    process_status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    process_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A document (PDF, DOCX) linked from an article: its raw bytes (compressed) and its text.

    ``article_url`` is the canonical URL of the linking article (NULL when a listing linked
    the file itself); the article's ``search_text`` includes the text of its attachments.
    ``status``: text | no_text_layer | unreadable | unsupported (pipeline.extract.attachments).
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    article_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    content_type: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha1: Mapped[str] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
    """A clean article, unique by canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Minutes east of UTC the page stated its time in (None: no zone given, Vietnam's assumed).
    published_offset: Mapped[int | None] = mapped_column(Integer)
    published_from: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Near-duplicate detection: the MinHash signature (uint32 values, little-endian).
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Classification: the event type and topics with their score and evidence.
    event_type: Mapped[str | None] = mapped_column(String(32), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    classification: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # event fields found in this article
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    # Search: the folded words of title, lead and text (``pipeline.text.search_document``), indexed
    # by the SQLite FTS5 table ``articles_fts`` (kept in sync by triggers) or scanned with LIKE.
    search_text: Mapped[str | None] = mapped_column(Text)

    @property
    def published_local(self) -> datetime | None:
        """The publication time on the page's own clock: the day the page states."""
        if self.published_at is None:
            return None
        zone = timezone(timedelta(minutes=self.published_offset)) if self.published_offset is not None else VN
        return self.published_at.astimezone(zone)


Index("ix_articles_source_published", Article.source_id, Article.published_at)


class ArticleBand(Base):
    """One LSH band hash of an article's MinHash: articles sharing a band are candidates.

    Indexed by (band, hash), so finding candidates costs one index probe per band whatever
    the size of the corpus.
    """

    __tablename__ = "article_bands"

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Event(Base):
    """A real-world event (a conference, a training) reported by one or more articles."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    # held: a report says it took place; planned: only a plan or announcement so far (its
    # date_held is the date planned). Migration 0009.
    status: Mapped[str] = mapped_column(String(16), default="held", server_default="held", index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(Text)
    date_held: Mapped[date | None] = mapped_column(Date, index=True)
    date_end: Mapped[date | None] = mapped_column(Date)
    province: Mapped[str | None] = mapped_column(String(64), index=True)
    province_2025: Mapped[str | None] = mapped_column(String(64), index=True)
    venue: Mapped[str | None] = mapped_column(Text)
    organizers: Mapped[list[str]] = mapped_column(JSON, default=list)
    participants: Mapped[int | None] = mapped_column(Integer)
    provinces_covered: Mapped[int | None] = mapped_column(Integer)
    legal_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    speakers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    provenance: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict
    )  # field -> where the value came from
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Alert(Base):
    """A notification to send, one row per (key, channel): the outbox for exactly-once alerts.

    ``key`` names what is announced (``event:<id>``, ``health:<source>:<problem>:<since>``,
    ``test:<time>``), so the unique key stops a second alert for the same thing on the same
    channel. ``channel`` is a hash of the channel URL with its secrets masked, never the URL.
    Rows are written in the transaction that creates the event, and sent afterwards.
    """

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("key", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(64), index=True)
    channel_display: Mapped[str] = mapped_column(Text)  # the URL with passwords and tokens masked
    kind: Mapped[str] = mapped_column(String(16), index=True)  # new_event | digest | health | test
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict
    )  # title/body of health and test alerts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # health: the problem went away


class User(Base):
    """Someone who logs in: ``analyst`` reads and corrects, ``admin`` also manages users.

    ``password_hash`` is argon2 (newsmon/services/users.py); ``token_hash`` the SHA-256 of
    the user's API token. Neither secret is stored.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSecret(Base):
    """Keys the web app signs with (session cookies, CSRF tokens), made once per installation."""

    __tablename__ = "web_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Correction(Base):
    """One analyst's correction, applied after the rules (newsmon/services/corrections.py).

    ``kind``: ``verdict`` (an article is a training report or not: ``new_value`` true/false),
    ``field`` (an event's ``field`` set to ``new_value``), ``merge`` (two events are one) or
    ``split`` (a report is not part of the event it was in). ``event_id``/``article_id`` are
    the ids at the time, for the history; what the correction applies to is its articles
    (``correction_articles``, by canonical URL), which survive reprocessing.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    field: Mapped[str | None] = mapped_column(String(32))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    event_id: Mapped[int | None] = mapped_column(Integer)
    article_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CorrectionArticle(Base):
    """The articles a correction applies to, and each one's part in it: ``article`` (verdict,
    split: the report split out), ``event`` (field: the event's reports), ``from`` (split: the
    reports it was split from), ``a``/``b`` (merge: the reports of the two events)."""

    __tablename__ = "correction_articles"

    correction_id: Mapped[int] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), primary_key=True
    )
    article_url: Mapped[str] = mapped_column(String(2048), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))


class SavedSearch(Base):
    """A user's named search: the words and the filters of the search page."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Subscription(Base):
    """What a user is told about: ``kind`` search (``saved_search_id``), province
    (``province``, a 2025 unit) or trainings (every new training event); ``url`` is the
    user's apprise URL (a secret: shown masked); ``mode`` immediate | digest."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    saved_search_id: Mapped[int | None] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    province: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
