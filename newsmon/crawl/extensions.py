"""Recording each crawl in crawl_runs: start, end, counts, and every error by kind."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsmon.crawl.context import CrawlContext, get_context
from newsmon.services.alerts import deliver_pending
from storage import repository as repo
from storage.db import database_error_kind, describe_database_error, session_scope

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Scrapy finish reasons that mean the crawl did not run to its natural end.
_INTERRUPTED = {"shutdown", "cancelled"}
# Error kinds that may clear by the next crawl; a 404, an extraction failure or a robots
# rule will not, so they never make the next crawl page deeper.
_TRANSIENT = {"timeout", "truncated", "connection_lost", "connection", "connection_refused", "dns"}
_TRANSIENT |= {"redirect_loop", "error", "http_408", "http_429"}
# A page over DOWNLOAD_MAXSIZE was not stored, so it is fetched again when reached; it may be
# back to normal size (a page padded or with an embedded video for a while).
_TRANSIENT |= {"too_large"}
# An exception in a spider callback (a page the parser has not seen the like of, or a bug
# fixed by the next release) ends that page's work: a listing's later pages are never
# requested. Counted as transient so that the next crawl pages its listings to their cap.
_TRANSIENT |= {"spider_error"}
# The close reason of a crawl stopped because the database cannot take writes (locked by
# another process, disk full, server gone): the run is recorded as failed, the CLI exits 1.
DATABASE_ERROR = "database_error"
_DATABASE_FAILURES: list[str] = []


T = TypeVar("T")
# A lost connection is retried after 1, 2, 4, 8 and 16 s: a PostgreSQL restart or failover
# takes seconds. The engine's pool_pre_ping then hands out a fresh connection.
RECONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)


def with_reconnect(work: Callable[[], T], delays: tuple[float, ...] = RECONNECT_DELAYS) -> T:
    """``work()``, run again after a lost database connection (it must be idempotent: each
    attempt is its own transaction, and the failed one was rolled back)."""
    for delay in (*delays, None):
        try:
            return work()
        except SQLAlchemyError as exc:
            if delay is None or database_error_kind(exc) != "disconnect":
                raise
            logger.warning("database connection lost (%s); retrying in %g s", type(exc).__name__, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def database_failures() -> list[str]:
    """The database errors (one line each) that stopped a crawl in this process."""
    return list(_DATABASE_FAILURES)


def database_failure(crawler: Crawler, exc: BaseException, *, close: bool = True) -> str | None:
    """If ``exc`` is the database refusing writes, log it in one line (once), remember it for
    the CLI and close the spider with reason ``database_error``; return the line. None: ``exc``
    is something else, for the caller to handle."""
    message = describe_database_error(exc, crawler.settings.get("DATABASE_URL"))
    if message is None:
        return None
    spider = crawler.spider
    name = getattr(spider, "source_id", None) or getattr(spider, "name", "crawl")
    first = crawler.stats.get_value("newsmon/database_error") is None
    if first:
        crawler.stats.set_value("newsmon/database_error", message)
        logger.error("%s: %s", name, message)
    if message not in _DATABASE_FAILURES:
        _DATABASE_FAILURES.append(message)
    engine = crawler.engine
    if close and first and engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=DATABASE_ERROR))
    return message


def orphaned_pending_pages(session: Session, source_id: str) -> list[int]:
    """Raw pages of the source stored by a crawl that ended (killed, typically) before it
    processed them: stored, so never fetched again, but without their article yet."""
    from storage.models import CrawlRun, Page

    live = select(CrawlRun.id).where(CrawlRun.status == "running")
    return list(
        session.scalars(
            select(Page.id).where(
                Page.source_id == source_id,
                Page.process_status == "pending",
                Page.crawl_run_id.is_not(None),
                Page.crawl_run_id.not_in(live),
            )
        )
    )


def previous_run_incomplete(session: Session, source_id: str) -> bool:
    """Whether the source's last ended crawl may have missed articles (died, failed, or hit
    a transient error). Then listings must page to their cap: an article whose fetch failed
    sits on a page that the "nothing new" stop would otherwise never reach again."""
    from storage.models import CrawlRun

    last = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id, CrawlRun.status != "running")
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return False
    if last.status != "finished":
        return True
    return any(
        kind in _TRANSIENT or kind.startswith("http_5") for kind, n in (last.error_counts or {}).items() if n
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


class CrawlRunRecorder:
    """Opens a crawl_runs row when the spider opens and closes it with the crawl's counts.

    It also gives the spider its database hooks: ``known_filter`` (links already stored)
    and ``error_sink`` (one fetch_errors row per failure). Settings: ``DATABASE_URL``,
    ``NEWSMON_SOURCES``, ``NEWSMON_TRIGGER`` (what started the crawl: cli, scheduler, demo).
    """

    def __init__(self, crawler: Crawler, context: CrawlContext) -> None:
        self.crawler = crawler
        self.context = context
        self.trigger = crawler.settings.get("NEWSMON_TRIGGER", "cli")
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        ext = cls(crawler, get_context(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        """A callback raised: Scrapy logs it; record it so the run shows it and the next crawl
        does not stop its listings early (``previous_run_incomplete``)."""
        if self.run_id is None:
            return
        exc = failure.value
        self.record_error(response.url, "spider_error", response.status, f"{type(exc).__name__}: {exc}")

    def spider_opened(self, spider: Spider) -> None:
        try:
            self._open(spider)
        except SQLAlchemyError as exc:
            if database_failure(self.crawler, exc, close=False) is None:
                raise
            raise CloseSpider(DATABASE_ERROR) from None

    def _open(self, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        source_id = getattr(spider, "source_id", spider.name)
        with session_scope(self.context.sessions) as session:
            resume = previous_run_incomplete(session, source_id)
            orphans = orphaned_pending_pages(session, source_id)
            if source is not None:
                repo.upsert_source(session, **source.row())
            self.run_id = repo.start_crawl_run(
                session,
                getattr(spider, "source_id", spider.name),
                trigger=self.trigger,
                hostname=socket.gethostname(),
                pid=os.getpid(),
            )
        spider.crawl_run_id = self.run_id
        spider.known_filter = self.known
        spider.error_sink = self.record_error
        spider.resume_listings = resume
        self.process_orphans(orphans)
        if resume:
            logger.info("%s: the last crawl was incomplete; listings page to their cap", spider.name)
        logger.info("crawl run %s started for %s", self.run_id, getattr(spider, "source_id", spider.name))

    def process_orphans(self, page_ids: list[int]) -> None:
        """Process the pages a dead crawl stored but never processed (a few: the ones in flight)."""
        for page_id in page_ids:
            outcome = self.context.store.process_stored(page_id)
            self.crawler.stats.inc_value("newsmon/pages_recovered")
            if outcome.status in ("new", "updated"):
                self.crawler.stats.inc_value(f"newsmon/articles_{outcome.status}")
        if page_ids:
            logger.info("processed %d page(s) left pending by an interrupted crawl", len(page_ids))

    def record_error(self, url: str, kind: str, status: int | None, message: str) -> None:
        self.crawler.stats.inc_value(f"newsmon/errors/{kind}")
        try:
            with_reconnect(lambda: self._record(url, kind, status, message), RECONNECT_DELAYS[:3])
        except Exception as exc:  # a bug in recording an error must never break the crawl
            # the database refusing writes (locked, full) is not a bug: it stops the crawl
            # exactly as a refused article write does, so the CLI exits 1 and says why
            message = database_failure(self.crawler, exc)
            if message:
                logger.warning("could not record %s error for %s: %s", kind, url, message)
            else:
                logger.exception("could not record %s error for %s", kind, url)

    def _record(self, url: str, kind: str, status: int | None, message: str) -> None:
        with session_scope(self.context.sessions) as session:
            repo.record_fetch_error(session, self.run_id, url, kind, status, message[:2000])

    def known(self, canonical_urls: list[str]) -> set[str]:
        """The spider's filter of stored links, through a database restart (short retries: the
        spider calls it in the reactor thread)."""
        return with_reconnect(lambda: self.context.known(canonical_urls), (0.5, 1.0, 2.0, 4.0, 8.0))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        error_counts = {
            key.removeprefix("newsmon/errors/"): value
            for key, value in stats.items()
            if key.startswith("newsmon/errors/")
        }
        fetch_errors = sum(v for k, v in error_counts.items() if k not in ("extraction", "charset_mismatch"))
        responses = stats.get("downloader/response_count", 0)
        if reason in _INTERRUPTED:
            status = "interrupted"
        elif reason != "finished":
            status = "failed"
        elif not stats.get("newsmon/index_pages_read") and fetch_errors:
            status = "failed"  # no discovery URL could be read: the source is down or moved
        else:
            status = "finished"
        message = None
        if status == "failed" and error_counts:
            message = "errors: " + ", ".join(f"{k}={v}" for k, v in sorted(error_counts.items()))
        if reason == DATABASE_ERROR:
            message = str(stats.get("newsmon/database_error") or "the database refused writes")
        try:
            with_reconnect(
                lambda: self._finish(reason, status, stats, error_counts, fetch_errors, responses, message)
            )
        except SQLAlchemyError as exc:
            text = describe_database_error(exc, self.crawler.settings.get("DATABASE_URL"))
            if text is None:
                raise
            # the row stays "running"; the next crawl marks it interrupted (its process is gone)
            logger.warning("crawl run %s could not be closed: %s", self.run_id, text)
            database_failure(self.crawler, exc, close=False)  # the CLI exits 1 and says why
            return
        logger.info(
            "crawl run %s for %s: %s (%s)", self.run_id, getattr(spider, "source_id", "?"), status, reason
        )
        self.deliver_alerts()

    def _finish(
        self,
        reason: str,
        status: str,
        stats: dict[str, Any],
        error_counts: dict[str, int],
        fetch_errors: int,
        responses: int,
        message: str | None,
    ) -> None:
        with session_scope(self.context.sessions) as session:
            repo.finish_crawl_run(
                session,
                self.run_id,
                status=status,
                finish_reason=reason,
                requests=stats.get("downloader/request_count", 0),
                responses=responses,
                pages_stored=stats.get("newsmon/pages_stored", 0),
                articles_new=stats.get("newsmon/articles_new", 0),
                articles_updated=stats.get("newsmon/articles_updated", 0),
                fetch_errors=fetch_errors,
                process_errors=error_counts.get("extraction", 0),
                error_counts=error_counts,
                stats={k: _jsonable(v) for k, v in stats.items()},
                message=message,
            )

    def deliver_alerts(self) -> None:
        """Send the alerts this crawl queued (and any left from before). Synchronous: a few
        messages; rows are claimed one by one, so crawls closing together never send twice."""
        alerts = self.context.alerts
        if not alerts or not self.crawler.settings.getbool("NEWSMON_ALERTS_DELIVER", True):
            return
        try:
            counts = deliver_pending(self.context.sessions, alerts)
        except Exception as exc:  # delivery must never fail the crawl; the rows stay pending
            message = describe_database_error(exc, self.crawler.settings.get("DATABASE_URL"))
            if message:
                logger.warning("alert delivery failed (%s); `newsmon alerts send` retries", message)
            else:
                logger.exception("alert delivery failed; `newsmon alerts send` retries")
            return
        if counts:
            logger.info("alerts: %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
