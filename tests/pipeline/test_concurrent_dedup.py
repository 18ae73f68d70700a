"""Two near-copies stored at the same moment by two threads (two crawl threads, or two workers)
still find each other: exactly one of each pair is marked the copy. On PostgreSQL neither
would see the other's uncommitted rows without the enrichment lock (storage.repository.
serialize_enrichment); SQLite serialises writers by itself."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from newsmon.services.store import ArticleStore
from pipeline.types import Page
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article
from tests.test_seed_events import SEEDS


def _page(n: int, copy: int, body: str) -> Page:
    lines = [line for line in body.splitlines() if line.strip()]
    title, text = lines[0], "\n".join(f"<p>{line}</p>" for line in lines[1:])
    html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{text}</article></body></html>"
    return Page(
        url=f"https://site{copy}.vn/bai-{n}.html", body=html.encode(), headers={"Content-Type": "text/html"}
    )


def test_near_copies_stored_at_once_are_linked(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    store = ArticleStore(session_factory(engine))
    bodies = [seed.read_text(encoding="utf-8") for seed in SEEDS[:4]]
    for n, body in enumerate(bodies):
        pair = [_page(n, 0, body), _page(n, 1, body.replace("\n", "\nTin tổng hợp.\n", 1))]
        barrier = threading.Barrier(2)

        def store_one(page: Page, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            store.ingest(page)

        threads = [threading.Thread(target=store_one, args=(page,)) for page in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(Article.url, Article.duplicate_of)).all()
    copies = {url.rsplit("-", 1)[-1] for url, duplicate_of in rows if duplicate_of is not None}
    assert len(rows) == 8
    assert copies == {f"{n}.html" for n in range(4)}  # one copy in every pair, whichever came second
