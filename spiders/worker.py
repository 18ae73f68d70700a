"""The news spider as run by ``newsmon worker``: it takes its requests from the shared Redis
queue (filled by ``newsmon crawl --distributed`` and by every worker's callbacks) instead of
starting a crawl itself, and lives across many crawls of its source.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.news import NewsSpider

logger = logging.getLogger(__name__)


class WorkerSpider(NewsSpider):
    name = "news-worker"

    async def start(self) -> AsyncIterator[Request]:
        """No start requests: discovery arrives through the queue. A source that needs a
        cookie primes this worker's own cookie jar first (the request stays local)."""
        assert self.source is not None
        if self.source.request.cookies_from and not self.source.request.unsupported:
            request = self.priming_request()
            request.meta["newsmon_local"] = True
            yield request

    def after_priming(self, response: Response) -> list[Request]:
        logger.debug("%s: cookies primed from %s", self.source_id, response.url)
        return []

    def after_priming_failed(self, failure: Failure) -> list[Request]:
        self.on_error(failure)
        return []

    def new_crawl(self) -> None:
        """Forget what the last crawl scheduled: a link that failed then may be fetched now.
        (Within a crawl, the shared duplicate filter keeps workers from fetching twice.)"""
        self._scheduled.clear()
        self._listing_pages_seen.clear()
        self.articles_requested = 0
