"""Recording each crawl in crawl_runs: start, end, counts, and every error by kind."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawl.context import CrawlContext, get_context
from pipeline.alerts import deliver_pending
from storage import repository as repo
from storage.db import session_scope

logger = logging.getLogger(__name__)

# Scrapy finish reasons that mean the crawl did not run to its natural end.
_INTERRUPTED = {"shutdown", "cancelled"}
# Error kinds that may clear by the next crawl; a 404, an extraction failure or a robots
# rule will not, so they never make the next crawl page deeper.
_TRANSIENT = {"timeout", "truncated", "connection_lost", "connection", "connection_refused", "dns"}
_TRANSIENT |= {"redirect_loop", "error", "http_408", "http_429"}


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
        return ext

    def spider_opened(self, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        source_id = getattr(spider, "source_id", spider.name)
        with session_scope(self.context.sessions) as session:
            resume = previous_run_incomplete(session, source_id)
            orphans = orphaned_pending_pages(session, source_id)
            if source is not None:
                repo.upsert_source(
                    session,
                    id=source.id,
                    name=source.name,
                    kind=source.kind.value,
                    province=source.province,
                    province_2025=source.province_2025,
                    homepage=source.homepage,
                    enabled=source.enabled,
                    config=source.model_dump(mode="json"),
                )
            self.run_id = repo.start_crawl_run(
                session,
                getattr(spider, "source_id", spider.name),
                trigger=self.trigger,
                hostname=socket.gethostname(),
                pid=os.getpid(),
            )
        spider.crawl_run_id = self.run_id
        spider.known_filter = self.context.known
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
            with session_scope(self.context.sessions) as session:
                repo.record_fetch_error(session, self.run_id, url, kind, status, message[:2000])
        except Exception:  # recording an error must never break the crawl
            logger.exception("could not record %s error for %s", kind, url)

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
        logger.info(
            "crawl run %s for %s: %s (%s)", self.run_id, getattr(spider, "source_id", "?"), status, reason
        )
        self.deliver_alerts()

    def deliver_alerts(self) -> None:
        """Send the alerts this crawl queued (and any left from before). Synchronous: a few
        messages; rows are claimed one by one, so crawls closing together never send twice."""
        alerts = self.context.alerts
        if not alerts or not self.crawler.settings.getbool("NEWSMON_ALERTS_DELIVER", True):
            return
        try:
            counts = deliver_pending(self.context.sessions, alerts)
        except Exception:  # delivery must never fail the crawl; the rows stay pending
            logger.exception("alert delivery failed; `newsmon alerts send` retries")
            return
        if counts:
            logger.info("alerts: %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
