"""Item pipeline: hand each fetched page to the newsmon pipeline, in a thread.

Extraction and database writes block, so they run in Twisted's thread pool; the reactor
keeps downloading meanwhile. A database that cannot take writes (locked by another process
for longer than the busy timeout, disk full) stops the crawl with reason ``database_error``
instead of failing page after page; a lost connection (a PostgreSQL restart) is retried.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.threads import deferToThread

from newsmon.crawl.context import CrawlContext, get_context
from newsmon.crawl.extensions import database_failure, with_reconnect
from newsmon.services.store import Outcome
from pipeline.types import AttachmentFile, Page

logger = logging.getLogger(__name__)


class EmptyExtraction(DropItem):
    """The page was stored but holds no usable article (see pages.process_error)."""


class AlreadyStored(DropItem):
    """Another crawler stored this page first."""


class DatabaseUnavailable(DropItem):
    """The database refused the write; the crawl is closing (reason ``database_error``)."""


class StoragePipeline:
    """Stores the raw page, then the article. Settings: ``DATABASE_URL``, ``NEWSMON_SOURCES``."""

    def __init__(self, crawler: Crawler, context: CrawlContext) -> None:
        self.crawler = crawler
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler, get_context(crawler))

    def _ingest(self, item: Page, run_id: int | None) -> Outcome:
        """Save the raw page, then process it, each step retried on a lost connection: a page
        saved before the connection dropped is processed, not taken for another crawl's."""
        store = self.context.store
        page_id, new = with_reconnect(lambda: store.save_raw(item, run_id))
        if not new:
            return Outcome(page_id, False, "known")
        outcome = with_reconnect(lambda: store.process_stored(page_id, item))
        outcome.page_new = True
        return outcome

    async def _in_thread(self, item: Page | AttachmentFile, work: object, *args: object) -> object:
        """``work(*args)`` in a thread; a database that refuses writes stops the crawl."""
        try:
            return await maybe_deferred_to_future(deferToThread(work, *args))
        except SQLAlchemyError as exc:
            message = database_failure(self.crawler, exc)
            if message is None:
                raise
            raise DatabaseUnavailable(f"{item.url}: {message}", log_level="DEBUG") from None

    async def _attachment(self, item: AttachmentFile) -> AttachmentFile:
        """Store a document and its text; one that cannot be read is recorded as an error too."""
        store = self.context.store
        saved = await self._in_thread(item, lambda: with_reconnect(lambda: store.save_attachment(item)))
        stats = self.crawler.stats
        stats.inc_value(f"newsmon/attachments/{saved.status}")
        if saved.status in ("unreadable", "unsupported"):
            self.crawler.spider.report_error(
                item.url, "attachment", item.status, saved.message or saved.status
            )
        return item

    async def process_item(self, item: Page | AttachmentFile) -> Page | AttachmentFile:
        if isinstance(item, AttachmentFile):
            if self.crawler.stats.get_value("newsmon/database_error") is not None:
                raise DatabaseUnavailable(
                    f"{item.url}: not stored, the database refused writes", log_level="DEBUG"
                )
            return await self._attachment(item)
        if not isinstance(item, Page):
            return item
        spider = self.crawler.spider
        if self.crawler.stats.get_value("newsmon/database_error") is not None:
            raise DatabaseUnavailable(
                f"{item.url}: not stored, the database refused writes", log_level="DEBUG"
            )
        run_id = getattr(spider, "crawl_run_id", None)
        outcome: Outcome = await self._in_thread(item, self._ingest, item, run_id)  # type: ignore[assignment]
        stats = self.crawler.stats
        stats.inc_value("newsmon/pages_stored" if outcome.page_new else "newsmon/pages_known")
        if outcome.status == "known":
            raise AlreadyStored(f"{item.url} was stored by another crawl")
        if outcome.status == "failed":
            error = outcome.error or ""
            kind = "extract_timeout" if error.startswith("extract_timeout:") else "extraction"
            spider.report_error(item.url, kind, item.status, error)
            raise EmptyExtraction(f"{item.url}: {outcome.error}")
        stats.inc_value(f"newsmon/articles_{outcome.status}")
        for warning in outcome.article.warnings if outcome.article else []:
            kind, _, detail = warning.partition(": ")
            spider.report_error(item.url, kind, item.status, detail)
        return item
