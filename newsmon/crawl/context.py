"""The per-process database and registry a crawl writes through.

One :class:`CrawlContext` per (database, registry) pair is shared by every crawler in the
process, so ``newsmon crawl --all`` opens one engine, not one per source.
"""

from __future__ import annotations

import threading
from functools import cached_property

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from newsmon.services.alerts import AlertsConfig, load_alerts_config
from newsmon.services.page_pool import PagePool, worker_count
from newsmon.services.store import ArticleStore
from pipeline.sources import Registry, load_registry
from pipeline.types import Selectors
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope, upgrade

_CONTEXTS: dict[tuple[str, str], CrawlContext] = {}
_LOCK = threading.Lock()


class CrawlContext:
    """Engine, sessions, registry and article store for the crawls of this process.

    Settings: ``DATABASE_URL``, ``NEWSMON_SOURCES``, the alerts config (``NEWSMON_ALERTS``,
    ``NEWSMON_ALERT_URLS``, ``NEWSMON_OPERATOR_URLS``) and ``NEWSMON_EXTRACT_WORKERS``
    (processes for the pages' CPU work, ``newsmon.services.page_pool``; 0: in the crawl's threads).
    """

    def __init__(
        self, database_url: str, sources_path: str, alerts: AlertsConfig | None = None, workers: int = 0
    ) -> None:
        self.database_url = database_url
        self.sources_path = sources_path
        self.alerts = alerts
        self.pool = PagePool(workers) if workers > 0 else None
        self.engine: Engine = make_engine(database_url)
        upgrade(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)

    @cached_property
    def registry(self) -> Registry:
        return load_registry(self.sources_path)

    @cached_property
    def store(self) -> ArticleStore:
        return ArticleStore(
            self.sessions, selectors_for=self.selectors_for, alerts=self.alerts, pool=self.pool
        )

    def selectors_for(self, source_id: str | None) -> Selectors | None:
        if not source_id:
            return None
        return self.registry.get(source_id).selectors()

    def known(self, canonical_urls: list[str]) -> set[str]:
        with session_scope(self.sessions) as session:
            return repo.known_urls(session, canonical_urls)


def get_context(crawler: Crawler) -> CrawlContext:
    settings = crawler.settings
    database_url = settings.get("DATABASE_URL")
    sources = settings.get("NEWSMON_SOURCES")
    if not database_url or not sources:
        raise NotConfigured("DATABASE_URL and NEWSMON_SOURCES must be set")
    key = (database_url, sources)
    with _LOCK:
        if key not in _CONTEXTS:
            alerts = load_alerts_config(
                settings.get("NEWSMON_ALERTS"),
                settings.get("NEWSMON_ALERT_URLS", ""),
                settings.get("NEWSMON_OPERATOR_URLS", ""),
            )
            workers = worker_count(settings.get("NEWSMON_EXTRACT_WORKERS"))  # checked by scrapy_settings
            _CONTEXTS[key] = CrawlContext(database_url, sources, alerts, workers)
        return _CONTEXTS[key]


def close_contexts() -> None:
    """Stop every context's worker processes (at the end of a crawl process)."""
    with _LOCK:
        contexts = list(_CONTEXTS.values())
    for context in contexts:
        if context.pool is not None:
            context.pool.shutdown()
