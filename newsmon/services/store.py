"""Persisting pages and articles: the raw page first, then what the pipeline makes of it.

The raw page is committed in its own transaction before any processing, so a crash or a
bug in extraction loses nothing: ``newsmon reprocess`` runs the stored pages again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from newsmon.services.enrich import enrich_article
from newsmon.services.page_pool import PagePool
from pipeline.extract.attachments import AttachmentText, extract_attachment
from pipeline.prepare import Prepared, prepare
from pipeline.text import search_document
from pipeline.types import Article, AttachmentFile, Page, Selectors
from pipeline.urls import canonical_url
from storage import repository as repo
from storage.db import database_error_kind, session_scope
from storage.models import Article as ArticleRow
from storage.models import Subscription

if TYPE_CHECKING:
    from newsmon.services.alerts import AlertsConfig
from storage.models import Page as PageRow

logger = logging.getLogger(__name__)


def queue_new_event(session: Session, event_id: int, config: AlertsConfig | None) -> None:
    """The global alerts of a new held event (with a config) and its users' subscriptions'
    (always: a subscription needs no alerts config)."""
    # Imported here: the alerts module (pydantic, apprise's config) is not needed by a crawl
    # or an analyze that has no alerts configured and no subscription.
    if config is not None:
        from newsmon.services.alerts import queue_event_alerts

        queue_event_alerts(session, event_id, config)
    if session.scalar(select(Subscription.id).limit(1)) is not None:
        from newsmon.services.subscriptions import DEFAULT_WINDOW_DAYS, queue_subscription_alerts

        queue_subscription_alerts(session, event_id, config.window_days if config else DEFAULT_WINDOW_DAYS)


@dataclass
class Outcome:
    """What happened to one page: stored, and the article new/updated/unchanged, or why not."""

    page_id: int
    page_new: bool
    status: str  # new | updated | unchanged | failed
    article_id: int | None = None
    article: Article | None = None
    error: str | None = None
    event_type: str | None = None
    duplicate_of: int | None = None
    event_id: int | None = None
    event_created: bool = False


def _stated_offset(published: datetime | None) -> int | None:
    """Minutes east of UTC when the page stated its zone (a fixed offset); None when it did not
    (the extraction then took Vietnam's zone, a named one)."""
    if published is None or not isinstance(published.tzinfo, timezone):
        return None
    offset = published.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else None


def _article_fields(article: Article, page_id: int) -> dict[str, object]:
    return {
        "url": article.url,
        "page_id": page_id,
        "source_id": article.source_id,
        "title": article.title,
        "lead": article.lead,
        "text": article.text,
        "author": article.author,
        "published_at": article.published,
        "published_offset": _stated_offset(article.published),
        "published_from": article.published_from,
        "language": article.language,
        "content_hash": article.content_hash,
        "word_count": len(article.text.split()),
        # What search indexes: the SQLite triggers of migration 0004 copy it into articles_fts.
        "search_text": search_document(article.title, article.lead, article.text),
    }


def page_from_row(row: PageRow) -> Page:
    return Page(
        url=row.url,
        body=repo.page_body(row),
        status=row.status_code,
        headers=dict(row.headers or {}),
        fetched_at=row.fetched_at,
        source_id=row.source_id,
    )


class KeyedLocks:
    """One lock per key, dropped when nobody holds it.

    The crawl stores an article and the documents it links in worker threads, each in its own
    transaction: without a lock per article URL, each could commit before seeing the other and
    the article's search text would miss its documents' words.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str | None) -> Iterator[None]:
        if key is None:
            yield
            return
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class ArticleStore:
    """Stores pages and their articles through a session factory.

    ``selectors_for(source_id)`` gives the per-source extraction overrides; with
    ``alerts``, a new event that alerts gets its pending alert rows in the same transaction;
    with ``pool``, a page's CPU work (``pipeline.prepare``) runs in the pool's processes and
    only the writes in the calling thread.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        selectors_for: Callable[[str | None], Selectors | None] | None = None,
        alerts: AlertsConfig | None = None,
        pool: PagePool | None = None,
    ) -> None:
        self.sessions = sessions
        self.selectors_for = selectors_for or (lambda _sid: None)
        self.alerts = alerts
        self.pool = pool
        self._article_locks = KeyedLocks()
        # SQLite takes one writer at a time; threads that queue for its lock in its busy handler
        # sleep in growing steps (up to 100 ms) while the lock sits free. Queued here instead,
        # the next writer starts the moment the last one commits. PostgreSQL writes in parallel.
        bind = sessions.kw.get("bind")
        sqlite = bind is not None and bind.dialect.name == "sqlite"
        self._writer: threading.Lock | nullcontext[None] = threading.Lock() if sqlite else nullcontext()

    def save_raw(self, page: Page, run_id: int | None = None, replace: bool = False) -> tuple[int, bool]:
        requested = canonical_url(page.requested_url) if page.requested_url else None
        canonical = canonical_url(page.url)
        with self._writer, session_scope(self.sessions) as session:
            return repo.save_page(
                session,
                canonical_url=canonical,
                url=page.url,
                body=page.body,
                requested_canonical=requested if requested != canonical else None,
                source_id=page.source_id,
                crawl_run_id=run_id,
                status_code=page.status,
                headers=page.headers,
                fetched_at=page.fetched_at or datetime.now(UTC),
                replace=replace,
            )

    def process_stored(
        self,
        page_id: int,
        page: Page | None = None,
        published: datetime | None = None,
        prepared: Prepared | None = None,
    ) -> Outcome:
        """Run the pipeline over a stored page and upsert its article (``prepared``: its CPU
        work, when already done)."""
        if prepared is None and self.pool is not None and page is not None:  # outside any lock
            prepared = self.pool.prepare(page, self.selectors_for(page.source_id), published)
        with self._article_locks.hold(canonical_url(page.url) if page is not None else None):
            if prepared is None and page is not None:  # in this thread, but outside the writer lock
                prepared = prepare(page, self.selectors_for(page.source_id), published)
            with self._writer:
                return self._process_stored(page_id, page, published, prepared)

    def _process_stored(
        self, page_id: int, page: Page | None, published: datetime | None, prepared: Prepared | None
    ) -> Outcome:
        with session_scope(self.sessions) as session:
            if page is None:
                row = session.get(PageRow, page_id)
                if row is None:
                    raise KeyError(f"no stored page with id {page_id}")
                page = page_from_row(row)
            if prepared is None:
                prepared = prepare(page, self.selectors_for(page.source_id), published)
            if prepared.article is None:
                repo.mark_page(session, page_id, "error" if prepared.bug else "failed", prepared.error)
                return Outcome(page_id, False, "failed", error=prepared.error)
            article = prepared.article
            fields = _article_fields(article, page_id)
            if prepared.classification is not None:
                # Written with the row, so that the search index (SQLite's triggers index the event
                # type among the filter tags) is written once, not again when enrichment sets it.
                fields["event_type"] = prepared.classification.type
            documents = repo.attachment_texts(session, article.canonical_url)
            if documents:  # a reprocessed article keeps its documents' words in its search text
                fields["search_text"] = search_document(article.title, article.lead, article.text, *documents)
            article_id, status = repo.upsert_article(session, article.canonical_url, **fields)
            repo.serialize_enrichment(session)
            try:
                with session.begin_nested():  # a savepoint: a bug here must not lose the article
                    enriched = enrich_article(session, session.get(ArticleRow, article_id), prepared)
                    if enriched.event_created and enriched.event_id:
                        # The outbox: the event and its alerts commit together or not at all.
                        queue_new_event(session, enriched.event_id, self.alerts)
            except Exception as exc:
                if database_error_kind(exc):  # locked, full, disconnected: not a bug, the caller decides
                    raise
                logger.exception("classification/dedup/events failed for %s", article.url)
                repo.mark_page(session, page_id, "error", f"enrichment: {type(exc).__name__}: {exc}")
                return Outcome(page_id, False, status, article_id, article, f"enrichment: {exc}")
            repo.mark_page(session, page_id, "ok")
            return Outcome(
                page_id,
                False,
                status,
                article_id,
                article,
                None,
                enriched.event_type,
                enriched.duplicate_of,
                enriched.event_id,
                enriched.event_created,
            )

    def save_attachment(self, item: AttachmentFile) -> AttachmentText:
        """Extract a document's text, store it with its bytes, and add its words to the
        linking article's search text (so a search finds the article by its plan's words)."""
        extracted = extract_attachment(item.body, url=item.url, content_type=item.content_type)
        with (
            self._article_locks.hold(item.article_url),
            self._writer,
            session_scope(self.sessions) as session,
        ):
            repo.upsert_attachment(
                session,
                canonical_url=canonical_url(item.url),
                url=item.url,
                body=item.body,
                kind=extracted.kind,
                status=extracted.status,
                article_url=item.article_url,
                source_id=item.source_id,
                content_type=item.content_type,
                title=extracted.title,
                text=extracted.text or None,
                pages=extracted.pages,
                message=extracted.message,
                fetched_at=item.fetched_at or datetime.now(UTC),
            )
            if item.article_url and extracted.status == "text":
                row = session.scalar(select(ArticleRow).where(ArticleRow.canonical_url == item.article_url))
                if row is not None:
                    documents = repo.attachment_texts(session, item.article_url)
                    row.search_text = search_document(row.title, row.lead, row.text, *documents)
                    self._reclassify(session, row)
        return extracted

    def _reclassify(self, session: Session, row: ArticleRow) -> None:
        """Classify an article again now that a document of it can be read (a notice whose
        attached plan announces a training becomes a planned event). A failure here keeps the
        document and the article as they were classified."""
        repo.serialize_enrichment(session)
        try:
            with session.begin_nested():
                enriched = enrich_article(session, row)
                if enriched.event_created and enriched.event_id:
                    queue_new_event(session, enriched.event_id, self.alerts)
        except Exception as exc:
            if database_error_kind(exc):
                raise
            logger.exception("classification with the documents of %s failed", row.url)

    def ingest_all(
        self, items: Iterable[tuple[Page, datetime | None]], run_id: int | None = None, replace: bool = False
    ) -> Iterator[tuple[Page, Outcome]]:
        """``ingest`` over a stream of (page, publication date), outcomes in order. With a pool,
        the CPU work of the next pages runs in its processes while this thread writes (at most
        four pages per worker ahead, so memory stays bounded)."""
        if self.pool is None:
            for page, published in items:
                yield page, self.ingest(page, run_id, replace, published)
            return
        pool = self.pool
        ahead: deque[tuple[Page, datetime | None, int, bool, Future[Prepared] | None, bool]] = deque()

        def finish() -> tuple[Page, Outcome]:
            page, published, page_id, new, future, process = ahead.popleft()
            if not process:
                return page, Outcome(page_id, False, "known")
            prepared = pool.result(future, page, self.selectors_for(page.source_id), published)
            outcome = self.process_stored(page_id, page, published, prepared)
            outcome.page_new = new
            return page, outcome

        for page, published in items:
            page_id, new = self.save_raw(page, run_id, replace)
            process = new or replace
            future = pool.submit(page, self.selectors_for(page.source_id), published) if process else None
            ahead.append((page, published, page_id, new, future, process))
            if len(ahead) >= 4 * pool.workers:
                yield finish()
        while ahead:
            yield finish()

    def ingest(
        self, page: Page, run_id: int | None = None, replace: bool = False, published: datetime | None = None
    ) -> Outcome:
        """Store the raw page, then process it. An already stored page is not processed again
        unless ``replace``."""
        page_id, new = self.save_raw(page, run_id, replace)
        if not new and not replace:
            return Outcome(page_id, False, "known")
        outcome = self.process_stored(page_id, page, published)
        outcome.page_new = new
        return outcome
