"""The pool of extraction processes (newsmon/services/page_pool.py), with real processes and
the sample sites' pages fetched over 127.0.0.1."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from newsmon.services.page_pool import PagePool, worker_count
from pipeline.prepare import Prepared, prepare
from pipeline.types import Page


@pytest.fixture(scope="module")
def pages() -> Iterator[list[Page]]:
    """Twelve sample article pages (training reports among them) and one that is no article."""
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites:
        fetched = []
        for item in catalog()[:12]:
            url = sites.urls[item["site"]] + item["path"]
            with urllib.request.urlopen(url, timeout=30) as response:
                fetched.append(Page(url=url, body=response.read(), headers=dict(response.headers)))
        yield [*fetched, Page(url="http://127.0.0.1:1/empty", body=b"<html><body></body></html>")]


@pytest.fixture
def pool() -> Iterator[PagePool]:
    pool = PagePool(2)
    yield pool
    pool.shutdown()


def same(a: Prepared, b: Prepared) -> bool:
    if a.article is None or b.article is None:
        return (a.article, a.error, a.bug) == (b.article, b.error, b.bug)
    assert a.classification is not None and b.classification is not None
    return (
        a.article == b.article
        and a.classification.as_dict() == b.classification.as_dict()
        and a.shingles == b.shingles
        and np.array_equal(a.signature, b.signature)
    )


def workers_of(pool: PagePool) -> list[int]:
    executor = pool._executor
    assert executor is not None
    return [p.pid for p in executor._processes.values()]  # type: ignore[union-attr]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not reaped yet
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_worker_count() -> None:
    cores = os.cpu_count() or 1
    assert worker_count("auto") == worker_count(None) == worker_count("") == (cores if cores > 1 else 0)
    assert worker_count("0") == 0 and worker_count(3) == 3
    for bad in ("two", "-1", "1.5"):
        with pytest.raises(ValueError, match="NEWSMON_EXTRACT_WORKERS"):
            worker_count(bad)


def test_the_pool_prepares_exactly_what_the_thread_would(pages: list[Page], pool: PagePool) -> None:
    results = [pool.prepare(page) for page in pages]
    assert all(same(r, prepare(page)) for r, page in zip(results, pages, strict=True))
    assert sum(r.article is not None for r in results) == 12
    assert results[-1].article is None and results[-1].error and not results[-1].bug
    assert {r.classification.type for r in results if r.classification} >= {"training_conference"}


def test_a_dead_worker_is_replaced_and_the_page_still_prepared(pages: list[Page], pool: PagePool) -> None:
    pool.prepare(pages[0])
    for pid in workers_of(pool):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    result = pool.prepare(pages[1])
    assert same(result, prepare(pages[1]))
    assert result.article is not None


def test_shutdown_stops_every_worker(pages: list[Page]) -> None:
    pool = PagePool(2)
    pool.prepare(pages[0])
    pids = workers_of(pool)
    pool.shutdown()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="shut down"):
        pool.prepare(pages[0])


def test_start_spawns_every_worker_before_the_first_page(pages: list[Page]) -> None:
    pool = PagePool(2)
    try:
        pool.start()
        deadline = time.monotonic() + 30
        while len(workers_of(pool)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = workers_of(pool)
        assert len(pids) == 2
        assert same(pool.prepare(pages[0]), prepare(pages[0]))
        assert set(workers_of(pool)) == set(pids)  # the page went to a started worker
    finally:
        pool.shutdown()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        PagePool(0)


def _store(tmp_path, name: str, pool: PagePool | None):
    from newsmon.services.store import ArticleStore
    from storage.db import make_engine, session_factory, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    return ArticleStore(session_factory(engine), pool=pool)


def _made(store, outcomes) -> list[tuple]:
    from storage.db import session_scope
    from storage.models import Article

    rows = []
    with session_scope(store.sessions) as session:
        for page, outcome in outcomes:
            row = session.get(Article, outcome.article_id) if outcome.article_id else None
            rows.append(
                (page.url, outcome.status, outcome.error)
                + ((row.title, row.content_hash, row.event_type, row.fields, row.duplicate_of) if row else ())
            )
    return rows


def test_ingest_all_with_the_pool_stores_what_ingest_stores(
    pages: list[Page], pool: PagePool, tmp_path
) -> None:
    items = [(page, None) for page in pages] + [(pages[0], None)]  # the last one is already stored
    threaded = _store(tmp_path, "threads.db", None)
    pooled = _store(tmp_path, "pool.db", pool)
    expected = _made(threaded, threaded.ingest_all(items))
    got = _made(pooled, pooled.ingest_all(items))
    assert got == expected
    assert [row[1] for row in got][-2:] == ["failed", "known"]


def test_ingest_all_survives_a_worker_dying_midway(pages: list[Page], pool: PagePool, tmp_path) -> None:
    store = _store(tmp_path, "pool.db", pool)
    outcomes = []
    for i, (page, outcome) in enumerate(store.ingest_all((page, None) for page in pages)):
        outcomes.append((page, outcome))
        if i == 2:
            for pid in workers_of(pool):
                os.kill(pid, signal.SIGKILL)
    assert [o.status for _p, o in outcomes].count("new") == 12
