"""``/metrics`` in the Prometheus text format (prometheus_client).

The crawls run in other processes (``newsmon crawl``, workers, the scheduler's subprocesses),
so what they did is read from the database at each scrape, not counted in this process: a
restart of the web server loses nothing and every crawler is counted wherever it ran. Only
the latency of the web requests is measured here. The queries are aggregates over indexed
columns; a scrape of a database with a year of crawls stays well under a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import Match

from storage.models import Alert, Article, CrawlRun, Event, FetchError

logger = logging.getLogger(__name__)

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "QueueDepth"]

QueueDepth = Callable[[], dict[str, int]]  # source id -> requests waiting in the shared queue

# Seconds: the web pages answer in milliseconds; a slow search takes a second or more.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCollector(Collector):
    """Counts from the database, read at each scrape."""

    def __init__(self, sessions: Callable[[], Session], queue_depth: QueueDepth | None = None) -> None:
        self.sessions = sessions
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "newsmon_database_up", "Whether the last scrape could read the database (1) or not (0)."
        )
        started = time.perf_counter()
        try:
            with self.sessions() as session:
                metrics = list(self._from_database(session))
        except Exception as exc:  # a scrape must answer: say the database is down, not 500
            logger.warning("metrics: cannot read the database: %s", exc)
            metrics = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from metrics
        scrape = GaugeMetricFamily(
            "newsmon_metrics_scrape_seconds", "Seconds the database queries of this scrape took."
        )
        scrape.add_metric([], time.perf_counter() - started)
        yield scrape
        if self.queue_depth is not None:
            yield from self._queues()

    def _from_database(self, session: Session) -> Iterator[Metric]:
        runs = session.execute(
            select(
                CrawlRun.source_id,
                func.coalesce(func.sum(CrawlRun.requests), 0),
                func.coalesce(func.sum(CrawlRun.responses), 0),
                func.coalesce(func.sum(CrawlRun.pages_stored), 0),
                func.coalesce(func.sum(CrawlRun.articles_new), 0),
            ).group_by(CrawlRun.source_id)
        ).all()
        families = {
            "requests": CounterMetricFamily(
                "newsmon_requests", "Requests the crawls sent.", labels=["source"]
            ),
            "fetched": CounterMetricFamily(
                "newsmon_pages_fetched", "Responses the crawls received.", labels=["source"]
            ),
            "stored": CounterMetricFamily(
                "newsmon_pages_stored", "Pages the crawls stored.", labels=["source"]
            ),
            "new": CounterMetricFamily(
                "newsmon_articles_new", "New articles the crawls found.", labels=["source"]
            ),
        }
        for source, requests, responses, stored, new in runs:
            families["requests"].add_metric([source], requests)
            families["fetched"].add_metric([source], responses)
            families["stored"].add_metric([source], stored)
            families["new"].add_metric([source], new)
        yield from families.values()

        errors = CounterMetricFamily(
            "newsmon_fetch_errors", "URLs that failed in a crawl, by kind.", labels=["source", "kind"]
        )
        rows = session.execute(
            select(CrawlRun.source_id, FetchError.kind, func.count())
            .join(CrawlRun, FetchError.crawl_run_id == CrawlRun.id)
            .group_by(CrawlRun.source_id, FetchError.kind)
        )
        for source, kind, count in rows:
            errors.add_metric([source, kind], count)
        yield errors

        status = GaugeMetricFamily("newsmon_crawl_runs", "Crawl runs by status.", labels=["source", "status"])
        for source, state, count in session.execute(
            select(CrawlRun.source_id, CrawlRun.status, func.count()).group_by(
                CrawlRun.source_id, CrawlRun.status
            )
        ):
            status.add_metric([source, state], count)
        yield status

        last = GaugeMetricFamily(
            "newsmon_last_success_timestamp_seconds",
            "When the source's last finished crawl ended (Unix time).",
            labels=["source"],
        )
        for source, finished in session.execute(
            select(CrawlRun.source_id, func.max(CrawlRun.finished_at))
            .where(CrawlRun.status == "finished")
            .group_by(CrawlRun.source_id)
        ):
            if finished is not None:
                last.add_metric([source], finished.timestamp())
        yield last

        articles = GaugeMetricFamily("newsmon_articles", "Articles stored, by source.", labels=["source"])
        for source, count in session.execute(
            select(Article.source_id, func.count()).group_by(Article.source_id)
        ):
            articles.add_metric([source or ""], count)
        yield articles

        events = GaugeMetricFamily("newsmon_events", "Events, by type and status.", labels=["type", "status"])
        for kind, state, count in session.execute(
            select(Event.type, Event.status, func.count()).group_by(Event.type, Event.status)
        ):
            events.add_metric([kind or "", state or ""], count)
        yield events

        alerts = GaugeMetricFamily(
            "newsmon_alerts",
            "Alerts by kind and status (sent, pending, failed, ...).",
            labels=["kind", "status"],
        )
        for kind, state, count in session.execute(
            select(Alert.kind, Alert.status, func.count()).group_by(Alert.kind, Alert.status)
        ):
            alerts.add_metric([kind, state], count)
        yield alerts

    def _queues(self) -> Iterator[Metric]:
        assert self.queue_depth is not None
        up = GaugeMetricFamily("newsmon_queue_up", "Whether the shared request queue (Redis) could be read.")
        depth = GaugeMetricFamily(
            "newsmon_queue_depth", "Requests waiting in the shared queue, by source.", labels=["source"]
        )
        try:
            depths = self.queue_depth()
        except Exception as exc:
            logger.warning("metrics: cannot read the request queue: %s", exc)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for source, count in sorted(depths.items()):
                depth.add_metric([source], count)
        yield up
        yield depth


class Metrics:
    """One registry per app (several apps in one process, as in the tests, do not clash)."""

    def __init__(self, sessions: Callable[[], Session], queue_depth: QueueDepth | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DatabaseCollector(sessions, queue_depth))
        self.latency = Histogram(
            "newsmon_http_request_duration_seconds",
            "Seconds the web server took to answer, by route and status class.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request (``route``: the route's template, never the raw path,
        so an id or a query does not make a series of its own)."""
        self.latency.labels(method, route, f"{status // 100}xx").observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_of(routes: Iterable[Any], scope: dict[str, Any]) -> str:
    """The template of the route that matches the request (``/api/events/{event_id}``), or
    ``other`` (an unknown path must not make a series of its own). Matched again here: the
    router's match does not reach the middlewares' copy of the scope."""
    for route in routes:
        match, _ = route.matches(scope)
        if match != Match.FULL:
            continue
        inner = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        if inner is not None:
            return route_of(inner.routes, scope)
        return getattr(route, "path", None) or "other"
    return "other"
