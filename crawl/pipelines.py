"""Item pipeline: hand each fetched page to the newsmon pipeline, in a thread.

Extraction and database writes block, so they run in Twisted's thread pool; the reactor
keeps downloading meanwhile.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawl.context import CrawlContext, get_context
from pipeline.store import Outcome
from pipeline.types import Page

logger = logging.getLogger(__name__)


class EmptyExtraction(DropItem):
    """The page was stored but holds no usable article (see pages.process_error)."""


class AlreadyStored(DropItem):
    """Another crawler stored this page first."""


class StoragePipeline:
    """Stores the raw page, then the article. Settings: ``DATABASE_URL``, ``NEWSMON_SOURCES``."""

    def __init__(self, crawler: Crawler, context: CrawlContext) -> None:
        self.crawler = crawler
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler, get_context(crawler))

    async def process_item(self, item: Page) -> Page:
        if not isinstance(item, Page):
            return item
        spider = self.crawler.spider
        run_id = getattr(spider, "crawl_run_id", None)
        outcome: Outcome = await maybe_deferred_to_future(
            deferToThread(self.context.store.ingest, item, run_id)
        )
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
