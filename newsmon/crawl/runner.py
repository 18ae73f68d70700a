"""Running crawls in this process: the Scrapy settings of a run, and the crawl itself.

Twisted's reactor cannot restart, so :func:`run_crawls` runs once per process; the scheduler
starts each crawl as a ``newsmon crawl`` subprocess for that reason.

SIGINT/SIGTERM follow the contract of :mod:`newsmon.processes` (:func:`run_process`), not
Scrapy's own handlers: Scrapy waits for every request already handed to the downloader,
including those still queued behind the politeness delay and those sleeping in a retry
backoff, which made a polite crawl take 40 s and more to stop, and its forced exit left the
runs 'running'.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import newsmon.settings as config
from newsmon.processes import STOP_GRACE, StopSignals, pid_alive
from newsmon.services.alerts import AlertsConfig
from pipeline.sources import Registry
from spiders.browser import BrowserMissing, browser_executable
from storage import repository as repo
from storage.db import session_scope

logger = logging.getLogger(__name__)

__all__ = [
    "CrawlSetup",
    "CrawlSetupError",
    "enqueue_sources",
    "run_crawls",
    "run_process",
    "run_workers",
    "scrapy_settings",
]


class CrawlSetupError(ValueError):
    """A crawl that cannot start for a reason the operator can fix: a ``--set`` override that
    is not KEY=VALUE, a Redis server that does not answer."""


class CrawlSetup(Protocol):
    """What a crawl needs from its caller (the CLI's context has these)."""

    database_url: str
    sources_path: str

    @property
    def registry(self) -> Registry: ...

    @property
    def alerts(self) -> AlertsConfig: ...

    @property
    def sessions(self) -> Any: ...


def scrapy_settings(database_url: str, sources_path: str, overrides: Iterable[str] = (), **extra: Any) -> Any:
    """The project's Scrapy settings for one run: the database and registry of this run, then
    ``extra``, then the operator's ``KEY=VALUE`` overrides (CrawlSetupError if one is not)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(config, priority="project")
    settings.set("DATABASE_URL", database_url, priority="cmdline")
    settings.set("NEWSMON_SOURCES", sources_path, priority="cmdline")
    for key, value in extra.items():
        settings.set(key, value, priority="cmdline")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise CrawlSetupError(f"--set {item!r}: use KEY=VALUE, e.g. --set DOWNLOAD_DELAY=0")
        settings.set(key.strip(), value.strip(), priority="cmdline")
    from newsmon.services.page_pool import worker_count

    try:
        worker_count(settings.get("NEWSMON_EXTRACT_WORKERS"))
    except ValueError as exc:
        raise CrawlSetupError(str(exc)) from None
    return settings


class OneLineRobotsErrors(logging.Filter):
    """robots.txt that cannot be fetched (a dead or unknown host) is a crawl error already
    counted by its discovery request: log it as one warning line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def run_crawls(
    setup: CrawlSetup,
    source_ids: list[str],
    *,
    since: str | None = None,
    max_pages: int | None = None,
    max_articles: int | None = None,
    overrides: Iterable[str] = (),
    notify: Callable[[str], Any] = logger.warning,
    on_forced: Callable[[list[int]], Any] | None = None,
    **extra: Any,
) -> list[int]:
    """Crawl the given sources concurrently in this process; return their crawl_run ids.

    Unknown source ids and a bad alerts file fail before anything starts; ``notify`` hears of
    runs left behind by a dead process (marked interrupted here). A signal stops the crawls
    (:func:`run_process`); when that stop has to be forced, ``on_forced`` gets the run ids
    just before the process exits (the CLI prints its summary there).
    """
    from scrapy.crawler import CrawlerProcess

    registry = setup.registry
    for sid in source_ids:
        registry.get(sid)  # unknown ids fail before anything starts
    setup.alerts  # noqa: B018 - a bad alerts config fails before anything starts
    with session_scope(setup.sessions) as session:
        stale = repo.mark_stale_runs(session, socket.gethostname(), pid_alive)
    if stale:
        notify(f"marked {stale} crawl run(s) left by a dead process as interrupted")
    settings = scrapy_settings(
        setup.database_url, setup.sources_path, overrides, **{"STATS_DUMP": False, **extra}
    )
    for sid in source_ids:  # a browser source without a browser fails before anything starts
        if registry.get(sid).request.render == "browser":
            try:
                browser_executable(settings)
            except BrowserMissing as exc:
                raise CrawlSetupError(f"{sid}: {exc}") from None
    logging.root.handlers.clear()  # Scrapy installs its own handler; avoid every line twice
    process = CrawlerProcess(settings)  # installs the root log handler (the default)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(OneLineRobotsErrors())
    for sid in source_ids:
        kwargs: dict[str, Any] = {"source": sid}
        if since:
            kwargs["since"] = since
        if max_pages:
            kwargs["max_pages"] = max_pages
        if max_articles:
            kwargs["max_articles"] = max_articles
        process.crawl("news", **kwargs)
    crawlers = list(process.crawlers)

    def ids() -> list[int]:
        return sorted(
            c.spider.crawl_run_id for c in crawlers if c.spider is not None and c.spider.crawl_run_id
        )

    run_process(process, crawlers, after_force=(lambda _code: on_forced(ids())) if on_forced else None)
    return ids()


# --- stopping on SIGINT/SIGTERM -----------------------------------------------------


def _recorder(crawler: Any) -> Any:
    """The crawler's CrawlRunRecorder (or WorkerRunRecorder), if it has one."""
    from newsmon.crawl.extensions import CrawlRunRecorder

    for ext in getattr(getattr(crawler, "extensions", None), "middlewares", ()):
        if isinstance(ext, CrawlRunRecorder):
            return ext
    return None


def drop_unsent(crawler: Any, requeue: Callable[[Any, Any], Any] | None = None) -> int:
    """Take back the requests waiting in the downloader's per-site queues (behind the
    politeness delay or the per-site concurrency cap): nothing of them is sent yet, so nothing
    is lost, and the next crawl (or, through ``requeue``, another worker) fetches them.

    Each is failed with IgnoreRequest and no errback, which Scrapy drops silently: a stop is
    not a fetch error of the site. Scrapy internals (``Downloader.slots``, ``Slot.queue``),
    read defensively."""
    from scrapy.exceptions import IgnoreRequest

    downloader = getattr(getattr(crawler, "engine", None), "downloader", None)
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        queue = getattr(slot, "queue", None)
        while queue:
            request, deferred = queue.popleft()
            if requeue is not None:
                requeue(crawler, request)
            request.errback = None
            deferred.errback(IgnoreRequest("the crawl is stopping"))
            dropped += 1
    return dropped


def mark_interrupted(crawler: Any) -> None:
    """Close the crawler's open run as interrupted (reason ``shutdown``) with the counts so
    far, without waiting for its requests in flight. Alerts the crawl queued stay pending:
    the next crawl, ``newsmon alerts send`` or the scheduler sends them."""
    recorder = _recorder(crawler)
    spider = crawler.spider
    if recorder is None or spider is None or recorder.run_id is None:
        return
    recorder.deliver_alerts = lambda: None  # no network calls on the way out
    recorder.spider_closed(spider, "shutdown")


def run_process(
    process: Any,
    crawlers: list[Any],
    *,
    requeue: Callable[[Any, Any], Any] | None = None,
    abandon: Callable[[Any], Any] = mark_interrupted,
    after_force: Callable[[int], Any] | None = None,
) -> None:
    """``process.start()`` under the stop contract of :mod:`newsmon.processes`.

    First SIGINT/SIGTERM: Scrapy's graceful stop (the spiders close with reason
    ``shutdown``, which the run recorder turns into 'interrupted'; a worker's into
    'finished'), with the requests not yet sent taken back (:func:`drop_unsent`) so that only
    those in flight are waited for; they get ``NEWSMON_STOP_GRACE`` seconds (default
    :data:`~newsmon.processes.STOP_GRACE`). When that runs out, or on a second signal,
    ``abandon`` closes each run that is still open and the process exits (0, or 128 + the
    signal). Every page stored so far is committed: a page is stored in one transaction, and a
    page whose article was not processed yet is processed by the next crawl.
    """
    from scrapy import signals
    from twisted.internet import reactor

    closed: set[Any] = set()
    for crawler in crawlers:
        crawler.signals.connect(
            lambda c=crawler, **_kw: closed.add(c), signal=signals.spider_closed, weak=False
        )

    def stop(_signum: int) -> None:
        process.stop()  # the engines stop taking requests from their schedulers...
        dropped = sum(drop_unsent(c, requeue) for c in crawlers)  # ...and from the downloaders
        if dropped:
            logger.info("%d request(s) not sent yet were taken back", dropped)

    def force(_signum: int, code: int) -> None:
        for crawler in crawlers:
            if crawler not in closed:
                abandon(crawler)
        if after_force is not None:
            after_force(code)

    grace = process.settings.getfloat("NEWSMON_STOP_GRACE", STOP_GRACE)
    stops = StopSignals(stop, force, grace, call=reactor.callFromThread).install()  # type: ignore[attr-defined]
    try:
        process.start(install_signal_handlers=False)
    finally:
        stops.restore()
        context = sys.modules.get("newsmon.crawl.context")  # not loaded: no crawl started, no pool
        if context is not None:
            context.close_contexts()


def _redis(settings: Any) -> Any:
    from newsmon.crawl.distributed import RedisUnavailable, connect

    try:
        return connect(settings.get("REDIS_URL"))
    except RedisUnavailable as exc:
        raise CrawlSetupError(str(exc)) from None


def enqueue_sources(setup: CrawlSetup, source_ids: list[str], overrides: Iterable[str] = ()) -> list[Any]:
    """``crawl --distributed``: queue each source's discovery requests in Redis for the workers;
    one ``newsmon.crawl.distributed.Enqueued`` result per source."""
    from newsmon.crawl.distributed import enqueue
    from spiders.news import NewsSpider

    settings = scrapy_settings(setup.database_url, setup.sources_path, overrides)
    server = _redis(settings)
    setup.sessions  # noqa: B018 - the database must be usable (and migrated) before workers get work
    results = []
    for sid in source_ids:
        source = setup.registry.get(sid)
        spider = NewsSpider(source=sid)
        spider.source = source
        spider.allowed_domains = list(source.allowed_domains)
        requests = [] if source.request.unsupported else spider.start_requests_list()
        results.append(enqueue(server, settings, spider, requests))
    return results


def run_workers(
    setup: CrawlSetup, source_ids: list[str], idle_exit: float | None, overrides: Iterable[str] = ()
) -> list[int]:
    """Fetch queued requests of ``source_ids`` from Redis until SIGTERM (or ``idle_exit``
    seconds with nothing to do) and store what comes back; returns the crawl_run ids."""
    from scrapy.crawler import CrawlerProcess

    from newsmon.crawl.distributed import abandon, requeue, run_worker, worker_settings
    from spiders.worker import WorkerSpider

    setup.alerts  # noqa: B018 - a bad alerts config fails before anything starts
    settings = worker_settings(
        scrapy_settings(setup.database_url, setup.sources_path, overrides, STATS_DUMP=False)
    )
    _redis(settings)
    with session_scope(setup.sessions) as session:
        repo.mark_stale_runs(session, socket.gethostname(), pid_alive)
    logging.root.handlers.clear()  # Scrapy installs its own handler; avoid every line twice
    process = CrawlerProcess(settings)  # installs the root log handler (the default)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(OneLineRobotsErrors())
    return run_worker(
        process,
        WorkerSpider,
        source_ids,
        idle_exit,
        start=lambda crawlers: run_process(process, crawlers, requeue=requeue, abandon=abandon),
    )
