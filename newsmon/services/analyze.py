"""``newsmon analyze``: what the whole pipeline makes of saved pages, as JSON-ready dicts."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.types import Page
from storage import sqlite_schema
from storage.db import make_engine, session_factory, session_scope

__all__ = ["analyze_pages", "article_dict"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
POOL_PAGES_PER_WORKER = 8  # pages per extraction process below which analyze stays in-process


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN).isoformat() if value else None


def article_dict(session: Any, article: Any) -> dict[str, Any]:
    """The output contract of `analyze --format json` for one stored article."""
    from storage.models import Article, Event

    original = session.get(Article, article.duplicate_of) if article.duplicate_of else None
    event = session.get(Event, article.event_id) if article.event_id else None
    classification = article.classification or {}
    result: dict[str, Any] = {
        "url": article.url,
        "title": article.title,
        "published": article.published_local.isoformat() if article.published_at else None,
        "published_from": article.published_from,
        "language": article.language,
        "author": article.author,
        "lead": article.lead,
        "text": article.text,
        "duplicate_of": original.url if original else None,
        "classification": {k: classification.get(k) for k in ("type", "topics", "score")},
        "event": None,
    }
    if event is not None:
        result["event"] = {
            "id": event.id,
            "type": event.type,
            "topics": event.topics,
            "score": classification.get("score"),
            "evidence": classification.get("evidence", []),
            "date": event.date_held.isoformat() if event.date_held else None,
            "date_end": event.date_end.isoformat() if event.date_end else None,
            "province": event.province,
            "province_2025": event.province_2025,
            "venue": event.venue,
            "organizers": event.organizers,
            "participants": event.participants,
            "provinces_covered": event.provinces_covered,
            "legal_refs": event.legal_refs,
            "speakers": event.speakers,
        }
    return result


def analyze_pages(pages: list[Page], published: datetime | None) -> list[dict[str, Any]]:
    """Run the whole pipeline (extraction to events) over ``pages`` in a throw-away database,
    so duplicates and events among the files given show up exactly as `ingest` would make them."""
    import newsmon.settings as config
    from newsmon.services.page_pool import PagePool, worker_count

    # Starting the worker processes costs about a second: worth it from a handful of pages on.
    workers = min(worker_count(config.NEWSMON_EXTRACT_WORKERS), len(pages) // POOL_PAGES_PER_WORKER)
    pool = PagePool(workers) if workers > 0 else None
    if pool is not None:
        pool.start()  # before the imports below, which the workers' start-up then overlaps

    from newsmon.services.store import ArticleStore
    from storage.models import Article

    results = []
    with tempfile.TemporaryDirectory(prefix="newsmon-analyze-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'analyze.db'}")
        sqlite_schema.create(engine)  # a throw-away database: no need to replay the migrations
        sessions = session_factory(engine)
        store = ArticleStore(sessions, pool=pool)
        try:
            outcomes = [o for _p, o in store.ingest_all(((p, published) for p in pages), replace=True)]
        finally:
            if pool is not None:
                pool.shutdown()
        with session_scope(sessions) as session:
            for page, outcome in zip(pages, outcomes, strict=True):
                if outcome.article_id is None:
                    results.append({"url": page.url, "error": outcome.error})
                else:
                    results.append(article_dict(session, session.get(Article, outcome.article_id)))
        engine.dispose()
    return results
