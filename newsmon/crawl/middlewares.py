"""Downloader middlewares: retries with exponential backoff and Retry-After."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting between attempts instead of retrying at once.

    The wait doubles with each attempt (``NEWSMON_RETRY_BACKOFF_BASE`` seconds, capped at
    ``NEWSMON_RETRY_BACKOFF_MAX``, with jitter). A 429 or 503 with ``Retry-After`` waits what
    the server asked, unless that exceeds ``NEWSMON_RETRY_AFTER_MAX``: then the request
    fails now and the next scheduled crawl tries again, instead of holding the crawl open.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("NEWSMON_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("NEWSMON_RETRY_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("NEWSMON_RETRY_AFTER_MAX", 600.0)

    def backoff(self, attempt: int) -> float:
        delay = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return delay * random.uniform(0.75, 1.25)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = None
        if response.status in (429, 503):
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
            if retry_after is not None and retry_after > self.retry_after_max:
                self.crawler.stats.inc_value("newsmon/retry_after_too_long")
                logger.warning(
                    "%s asks to wait %.0fs (> %.0fs): giving up for this crawl",
                    request.url,
                    retry_after,
                    self.retry_after_max,
                )
                return response
        new_request = self._retry(request, response_status_message(response.status))
        if new_request is None:
            return response
        delay = retry_after if retry_after is not None else self.backoff(new_request.meta["retry_times"])
        if retry_after is not None:
            self.crawler.stats.inc_value("newsmon/retry_after_honoured")
        await _sleep(delay)
        return new_request

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        new_request = super().process_exception(request, exception)
        if isinstance(new_request, Request):
            await _sleep(self.backoff(new_request.meta["retry_times"]))
        return new_request
