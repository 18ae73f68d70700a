"""Distributed crawling through Redis (scrapy-redis): a shared request queue and a shared
duplicate filter per source, so that ``newsmon worker`` processes on several machines share
one crawl and store into the same database.

- ``newsmon crawl --distributed ID...`` pushes each source's discovery requests (feeds,
  sitemaps, first listing pages) into ``newsmon:<source>:requests`` and returns.
- ``newsmon worker`` runs one crawler per source; each pops requests from its source's
  queue, and every request its callbacks yield (articles, next listing pages, sub-sitemaps,
  retries, redirects) goes back to the shared queue, where any worker may take it.
- A request is fetched once per crawl: the duplicate filter (a Redis set of fingerprints,
  article requests by canonical URL) is shared, and the queue is a sorted set popped
  atomically. Incremental crawling still asks the database which links are stored.

Requests travel as JSON (``request.to_dict``: callbacks by spider method name), never
pickle, so a Redis server that others can write to cannot run code in the workers.

Settings (scrapy-redis names): ``REDIS_URL``, ``SCHEDULER_QUEUE_KEY``,
``SCHEDULER_DUPEFILTER_KEY`` (``%(source)s`` is the source id); ``NEWSMON_WORKER_TICK``.
The queue always persists (scrapy-redis's ``SCHEDULER_PERSIST=False`` would let the first
worker to stop delete everyone's work). robots.txt is read once per worker and site.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import BaseSettings, Settings
from scrapy.spiders import Spider
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newsmon.crawl.extensions import CrawlRunRecorder
from pipeline.urls import canonical_url

logger = logging.getLogger(__name__)

QUEUE_KEY = "newsmon:%(source)s:requests"
DUPEFILTER_KEY = "newsmon:%(source)s:dupefilter"
TICK_SECONDS = 1.0  # how often a worker looks at Redis when it has nothing to do


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached; the message names REDIS_URL and what to fix."""


def masked(url: str) -> str:
    """The Redis URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    return url


def connect(url: str | None, timeout: float = 5.0) -> redis.Redis:
    """A client for ``url`` that answered a PING, or :class:`RedisUnavailable`."""
    if not url:
        raise RedisUnavailable(
            "REDIS_URL is not set: set it to the shared Redis server, e.g. REDIS_URL=redis://127.0.0.1:6379/0"
        )
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        # The first PING without retries: a dead server is reported now, not after backoffs.
        probe = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        probe.ping()
        probe.close()
    except ValueError as exc:
        raise RedisUnavailable(f"REDIS_URL={masked(url)} is not a Redis URL ({exc})") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(
            f"cannot reach Redis at REDIS_URL={masked(url)}: {exc} (start redis-server or fix REDIS_URL)"
        ) from None
    return client


def keys_for(settings: BaseSettings, source_id: str) -> tuple[str, str]:
    """The Redis keys of one source: (request queue, duplicate filter)."""
    queue = settings.get("SCHEDULER_QUEUE_KEY") or QUEUE_KEY
    dupes = settings.get("SCHEDULER_DUPEFILTER_KEY") or DUPEFILTER_KEY
    names = {"source": source_id, "spider": source_id}
    return queue % names, dupes % names


def queue_depths(url: str, source_ids: Iterable[str], timeout: float = 2.0) -> dict[str, int]:
    """Requests waiting in each source's shared queue (for ``/metrics``); raises
    :class:`RedisUnavailable` when Redis cannot be reached."""
    from scrapy.settings import Settings

    server = connect(url, timeout=timeout)
    try:
        pipe = server.pipeline(transaction=False)
        ids = list(source_ids)
        for sid in ids:
            pipe.zcard(keys_for(Settings(), sid)[0])  # scrapy-redis's PriorityQueue is a sorted set
        return dict(zip(ids, (int(n) for n in pipe.execute()), strict=True))
    finally:
        server.close()


# --- serialisation -------------------------------------------------------------------


class JsonSerializer:
    """JSON with bytes as ``{"$b": base64}``: what ``Request.to_dict`` produces, nothing
    else. A request whose meta holds something else fails loudly when it is queued."""

    @staticmethod
    def _encode(value: Any) -> Any:
        if isinstance(value, bytes):
            return {"$b": base64.b64encode(value).decode("ascii")}
        if isinstance(value, dict):
            return {
                (
                    "$b:" + base64.b64encode(k).decode("ascii") if isinstance(k, bytes) else k
                ): JsonSerializer._encode(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [JsonSerializer._encode(v) for v in value]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        raise TypeError(
            f"cannot queue a request holding {type(value).__name__} {value!r}: keep request meta and "
            "cb_kwargs to plain data (str, numbers, lists, dicts)"
        )

    @staticmethod
    def _decode(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and "$b" in value:
                return base64.b64decode(value["$b"])
            return {
                (base64.b64decode(k[3:]) if k.startswith("$b:") else k): JsonSerializer._decode(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [JsonSerializer._decode(v) for v in value]
        return value

    def dumps(self, obj: dict[str, Any]) -> bytes:
        return json.dumps(self._encode(obj), separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes | str) -> dict[str, Any]:
        return self._decode(json.loads(data))


SERIALIZER = JsonSerializer()


def source_queue(server: redis.Redis, spider: Spider, key: str) -> PriorityQueue:
    """The shared queue of one source: a sorted set by request priority."""
    return PriorityQueue(server=server, spider=spider, key=key, serializer=SERIALIZER)


# --- scheduler and duplicate filter ---------------------------------------------------


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, with article requests keyed by canonical URL (no
    tracking parameters, fragment, ``www.``/``m.``), the key under which they are stored."""

    def request_fingerprint(self, request: Request) -> str:
        if request.meta.get("newsmon_kind") == "article":
            return hashlib.sha1(b"article " + canonical_url(request.url).encode("utf-8")).hexdigest()
        return super().request_fingerprint(request)


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler with one queue and one filter per newsmon source.

    Requests marked ``meta["newsmon_local"]`` (a worker priming its own cookies) stay in
    this process. The queue persists when a worker stops: what it did not take, another
    worker does.
    """

    def __init__(self, server: redis.Redis, crawler: Crawler, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.crawler = crawler
        self.local: deque[Request] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        settings = crawler.settings
        server = connect(settings.get("REDIS_URL"))
        instance = cls(
            server,
            crawler,
            persist=True,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY") or QUEUE_KEY,
            dupefilter_key=settings.get("SCHEDULER_DUPEFILTER_KEY") or DUPEFILTER_KEY,
            serializer=SERIALIZER,
        )
        instance.stats = crawler.stats
        return instance

    def open(self, spider: Spider) -> None:
        self.spider = spider
        source_id = getattr(spider, "source_id", spider.name)
        queue_key, dupefilter_key = keys_for(self.crawler.settings, source_id)
        self.queue = source_queue(self.server, spider, queue_key)
        self.df = CanonicalDupeFilter(self.server, key=dupefilter_key)
        if len(self.queue):
            logger.info("%s: %d request(s) waiting in Redis", source_id, len(self.queue))

    def close(self, reason: str) -> None:
        """Nothing to flush: the queue and filter belong to the crawl, not to this worker."""

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("newsmon_local"):
            self.local.append(request)
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.stats.inc_value("newsmon/redis/duplicates")
            return False
        self.queue.push(request)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self) > 0


# --- enqueueing a crawl -------------------------------------------------------------


@dataclass
class Enqueued:
    """What ``crawl --distributed`` did for one source."""

    source: str
    requests: int
    skipped: str | None = None  # why nothing was queued


def enqueue(
    server: redis.Redis, settings: BaseSettings, spider: Spider, requests: Iterable[Request]
) -> Enqueued:
    """Start a distributed crawl of ``spider``'s source: a fresh duplicate filter, then its
    discovery requests in the shared queue. A source whose queue still holds requests is
    being crawled: it is left alone (no second crawl on top of the first)."""
    source_id = getattr(spider, "source_id", spider.name)
    queue_key, dupefilter_key = keys_for(settings, source_id)
    queue = source_queue(server, spider, queue_key)
    waiting = len(queue)
    if waiting:
        return Enqueued(source_id, 0, f"still crawling: {waiting} request(s) queued")
    server.delete(dupefilter_key)  # each crawl may fetch again what the last one failed to
    count = 0
    for request in requests:
        request_from_dict(SERIALIZER.loads(SERIALIZER.dumps(request.to_dict(spider=spider))), spider=spider)
        queue.push(request)
        count += 1
    return Enqueued(source_id, count)


# --- crawl runs of a worker ----------------------------------------------------------


class WorkerRunRecorder(CrawlRunRecorder):
    """crawl_runs for a long-running worker: a run opens when the worker fetches its first
    request for the source and closes when that source has nothing left to do here (its
    queue is empty and nothing is in flight), with this worker's share of the counts.
    Trigger ``worker``; hostname and pid say which worker.

    Also keeps the crawler open while idle (workers wait for work) and wakes it every
    second when requests are waiting, instead of Scrapy's five-second heartbeat.
    """

    def __init__(self, crawler: Crawler, context: Any) -> None:
        super().__init__(crawler, context)
        self.trigger = "worker"
        self.spider: Spider | None = None
        self.idle_since: float | None = time.monotonic()
        self.loop: LoopingCall | None = None
        self.run_ids: list[int] = []
        self.base: dict[str, Any] = {}
        crawler.newsmon_worker_recorder = self  # type: ignore[attr-defined]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerRunRecorder:
        from newsmon.crawl.context import get_context

        ext = cls(crawler, get_context(crawler))
        crawler.signals.connect(ext.worker_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.worker_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def worker_opened(self, spider: Spider) -> None:
        self.spider = spider
        spider.known_filter = self.context.known
        spider.error_sink = self.record_error
        self.loop = LoopingCall(self.tick)
        self.loop.start(self.crawler.settings.getfloat("NEWSMON_WORKER_TICK", TICK_SECONDS), now=False)

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        self.idle_since = None
        if self.run_id is None:
            self.base = dict(self.crawler.stats.get_stats())  # the run counts from here
            new_crawl = getattr(spider, "new_crawl", None)
            if new_crawl:
                new_crawl()
            self.spider_opened(spider)  # the parent's: the source row, the run row, the hooks
            if self.run_id is not None:
                self.run_ids.append(self.run_id)

    def spider_idle(self, spider: Spider) -> None:
        raise DontCloseSpider  # a worker waits for work; it stops on SIGTERM or --idle-exit

    def tick(self) -> None:
        engine = self.crawler.engine
        if engine is None or getattr(engine, "_slot", None) is None:
            return
        try:
            if engine.spider_is_idle():
                if self.run_id is not None:
                    self.finish("finished")
                if self.idle_since is None:
                    self.idle_since = time.monotonic()
            elif not engine.needs_backout():
                engine._slot.nextcall.schedule()  # what engine.crawl() does: pull from the queue now
        except redis.RedisError as exc:
            logger.error("Redis at REDIS_URL is unreachable: %s", exc)

    def worker_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.run_id is not None:
            # A worker told to stop (SIGTERM, --idle-exit) has finished what it had taken.
            self.finish("finished" if reason in ("finished", "shutdown") else reason)

    def finish(self, reason: str, status: str | None = None, deliver: bool = True) -> None:
        """Close the open run with the counts since it opened (``status`` overrides the one the
        counts give; ``deliver=False`` leaves the alerts pending, for a process on its way out)."""
        stats = {
            key: value - self.base.get(key, 0)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
            for key, value in self.crawler.stats.get_stats().items()
        }
        error_counts = {
            key.removeprefix("newsmon/errors/"): value
            for key, value in stats.items()
            if key.startswith("newsmon/errors/") and value
        }
        fetch_errors = sum(v for k, v in error_counts.items() if k not in ("extraction", "charset_mismatch"))
        responses = stats.get("downloader/response_count", 0)
        # failed: stopped abnormally, or nothing this worker asked for was answered
        status = status or (
            "failed" if reason != "finished" or (fetch_errors and not responses) else "finished"
        )
        message = None
        if status == "failed" and error_counts:
            message = "errors: " + ", ".join(f"{k}={v}" for k, v in sorted(error_counts.items()))
        run_id = self.run_id
        self._finish(reason, status, stats, error_counts, fetch_errors, responses, message)
        self.run_id = None
        if self.spider is not None:
            self.spider.crawl_run_id = None
        logger.info("worker run %s for %s: %s", run_id, getattr(self.spider, "source_id", "?"), status)
        if deliver:
            self.deliver_alerts()


def worker_settings(settings: Settings) -> Settings:
    """The crawl settings with the Redis scheduler and the worker's run recorder."""
    settings = settings.copy()
    settings.set("SCHEDULER", "newsmon.crawl.distributed.RedisScheduler", priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions.pop("newsmon.crawl.extensions.CrawlRunRecorder", None)
    extensions["newsmon.crawl.extensions.CrawlRunRecorder"] = None
    extensions["newsmon.crawl.distributed.WorkerRunRecorder"] = 500
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    settings.set("NEWSMON_TRIGGER", "worker", priority="cmdline")
    return settings


def requeue(crawler: Crawler, request: Request) -> bool:
    """Put a request this worker took but will not send (or will not see answered) back in its
    source's shared queue, for another worker. It bypasses the duplicate filter, which holds
    the request already: without this it would be lost for the crawl."""
    scheduler = getattr(getattr(crawler.engine, "_slot", None), "scheduler", None)
    if not isinstance(scheduler, RedisScheduler) or request.meta.get("newsmon_local"):
        return False
    try:
        scheduler.queue.push(request)
    except (redis.RedisError, TypeError, ValueError) as exc:
        logger.warning("could not put %s back in the queue: %s", request.url, exc)
        return False
    return True


def abandon(crawler: Crawler) -> None:
    """A worker forced out (a second signal, or its stop grace run out): the requests still in
    flight go back to the shared queue (one answered meanwhile may be fetched again: storing is
    idempotent) and the open run closes as interrupted."""
    slot = getattr(crawler.engine, "_slot", None)
    back = sum(requeue(crawler, request) for request in list(getattr(slot, "inprogress", ())))
    if back:
        logger.info("%d request(s) in flight put back in the shared queue", back)
    recorder = getattr(crawler, "newsmon_worker_recorder", None)
    if recorder is not None and recorder.run_id is not None:
        recorder.finish("shutdown", status="interrupted", deliver=False)


def run_worker(
    process: CrawlerProcess,
    spidercls: type[Spider],
    source_ids: list[str],
    idle_exit: float | None,
    start: Callable[[list[Crawler]], None] | None = None,
) -> list[int]:
    """Run one crawler per source in ``process`` until SIGTERM/SIGINT or, with
    ``idle_exit``, until every source has had nothing to do for that many seconds. Returns
    the crawl_runs ids this worker recorded. ``start`` runs the process (the runner's, with
    its signal handling); by default ``process.start()``."""
    run_ids: list[int] = []
    crawlers = []
    for sid in source_ids:
        crawler = process.create_crawler(spidercls)
        process.crawl(crawler, source=sid)
        crawlers.append(crawler)

    def check_idle() -> None:
        recorders = [getattr(c, "newsmon_worker_recorder", None) for c in crawlers]
        if not recorders or any(r is None or r.idle_since is None for r in recorders):
            return
        idle = time.monotonic() - max(r.idle_since for r in recorders)  # type: ignore[union-attr]
        if idle >= idle_exit:  # type: ignore[operator]
            logger.info("idle for %.0fs: the worker stops", idle)
            watcher.stop()
            process.stop()

    watcher = LoopingCall(check_idle)
    if idle_exit is not None:
        from twisted.internet import reactor

        reactor.callWhenRunning(watcher.start, TICK_SECONDS, now=False)  # type: ignore[attr-defined]
    if start is None:
        process.start()
    else:
        start(crawlers)
    for crawler in crawlers:
        recorder = getattr(crawler, "newsmon_worker_recorder", None)
        run_ids.extend(recorder.run_ids if recorder else [])
    return sorted(run_ids)
