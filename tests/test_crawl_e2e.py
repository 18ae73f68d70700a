"""Real Scrapy crawls of the bundled sample sites on 127.0.0.1, asserting on the database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from tests.e2e_helpers import articles, crawl, newsmon, runs


@pytest.fixture(scope="module")
def sites():
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def expected_urls(sites: SampleSites) -> set[str]:
    return {canonical_url(sites.urls[a["site"]] + a["path"]) for a in catalog()}


def article_requests(sites: SampleSites) -> list[str]:
    paths = {(a["site"], a["path"]) for a in catalog()}
    return [r for r in sites.requests if (r[0], r[2]) in paths]


@pytest.fixture(scope="module")
def first_crawl(sites, tmp_path_factory, database_server):
    db_url = database_server.new("crawl", tmp_path_factory.mktemp("db"))
    sites.clear_faults()
    sites.reset_log()
    # The extraction pool as a two-core machine's default runs it (the suite's other crawls
    # run extraction in the crawl's threads: tests/conftest.py).
    summary = crawl(db_url, {**sites.env(), "NEWSMON_EXTRACT_WORKERS": "2"})
    yield db_url, summary, len(article_requests(sites))
    database_server.drop(db_url)


def test_first_crawl_stores_every_sample_article_exactly_once(sites, first_crawl):
    db_url, summary, requested = first_crawl
    stored = articles(db_url)
    urls = [a.canonical_url for a in stored]
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(sites)
    assert requested == len(catalog()), "each article page downloaded once"
    assert all(r["status"] == "finished" for r in summary), summary
    assert sum(r["articles_new"] for r in summary) == len(catalog())
    assert all(a.title and len(a.text) > 200 for a in stored)
    assert all(a.published_at is not None for a in stored)
    languages = Counter(a.language for a in stored)
    assert languages["vi"] >= 30 and languages["en"] >= 3


def test_second_crawl_downloads_no_article_again(sites, first_crawl):
    db_url, _, _ = first_crawl
    sites.reset_log()
    summary = crawl(db_url, sites.env())
    assert article_requests(sites) == []
    assert sum(r["articles_new"] for r in summary) == 0
    assert all(r["status"] == "finished" for r in summary)
    assert len(articles(db_url)) == len(catalog())
    # a listing that brought nothing new stops paging: only first listing pages were read
    assert sum(r["requests"] for r in summary) < len(catalog())


def test_faults_are_counted_and_nothing_is_lost(database_url, sites):
    db_url = database_url
    targets = [a for a in catalog() if a["site"] in ("nhandan", "thanhhoa") and a["language"] == "vi"][:6]
    faults = [
        ("status", {"code": 404}),
        ("status", {"code": 500}),
        ("timeout", {"seconds": 8}),
        ("truncate", {}),
        ("redirect_loop", {}),
        ("wrong_charset", {"declared": "iso-8859-1"}),
    ]
    for article, (fault, params) in zip(targets, faults, strict=True):
        sites.set_fault(article["site"], article["path"], fault, **params)
    try:
        summary = crawl(db_url, sites.env())
    finally:
        sites.clear_faults()
    counts: Counter[str] = Counter()
    for run in summary:
        counts.update(run["error_counts"])
        assert run["status"] == "finished", run
    for kind in ("http_404", "http_500", "timeout", "truncated", "redirect_loop", "charset_mismatch"):
        assert counts[kind] >= 1, (kind, counts)
    stored = {a.canonical_url: a for a in articles(db_url)}
    assert len(stored) == len(catalog()) - 5  # the wrong-charset page is stored, decoded right
    charset_article = targets[5]
    decoded = stored[canonical_url(sites.urls[charset_article["site"]] + charset_article["path"])]
    assert decoded.title == charset_article["title"]
    before = {url: (a.id, a.content_hash) for url, a in stored.items()}
    # the next crawl, with the sites healthy, picks up exactly what was missing
    summary = crawl(db_url, sites.env())
    after = {a.canonical_url: (a.id, a.content_hash) for a in articles(db_url)}
    assert set(after) == expected_urls(sites)
    assert {url: after[url] for url in before} == before
    assert sum(r["articles_new"] for r in summary) == 5


def test_dead_sources_record_one_failure_each_and_exit_cleanly(database_url, tmp_path: Path):
    import socket

    # Bound but never listening: connections are refused, and no other server
    # started meanwhile (a parallel bench, another test) can take the port.
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        registry = tmp_path / "dead.yaml"
        registry.write_text(
            "sources:\n"
            + "".join(
                f"  - id: dead-{i}\n    name: Dead {i}\n    kind: national\n    homepage: http://127.0.0.1:{port}/\n"
                f"    discovery:\n      feeds: [http://127.0.0.1:{port}/rss/{i}.rss]\n"
                for i in range(3)
            ),
            encoding="utf-8",
        )
        db_url = database_url
        summary = crawl(db_url, {}, sources=registry)
        assert [r["source"] for r in summary] == ["dead-0", "dead-1", "dead-2"]
        for run in summary:
            assert run["status"] == "failed"
            assert run["error_counts"] == {"connection_refused": 1}
        assert len(runs(db_url)) == 3
    finally:
        holder.close()


@pytest.mark.one_backend  # the first crawl fixture covers the same path
def test_demo_stores_every_sample_article(database_url):
    db_url = database_url
    result = newsmon(["demo", "--port-base", "0"], db_url, {})  # any free ports: 8471 may be taken
    assert result.returncode == 0, result.stderr[-3000:]
    n = len(catalog())
    assert f"{n} of {n} sample articles stored" in result.stdout
    assert len(articles(db_url)) == n


def test_crawl_forms_the_sample_events(sites, first_crawl):
    """Reports of one conference on several sample sites (and in English) make one event."""
    from collections import defaultdict

    from sqlalchemy import select

    from storage.db import make_engine, session_factory, session_scope
    from storage.models import Article, Event

    db_url, _, _ = first_crawl
    expected: dict[str, set[str]] = defaultdict(set)
    for a in catalog():
        if a["label"] == "training_conference":
            expected[a["event_key"]].add(canonical_url(sites.urls[a["site"]] + a["path"]))
    with session_scope(session_factory(make_engine(db_url))) as session:
        found: dict[int, set[str]] = defaultdict(set)
        for article in session.scalars(select(Article).where(Article.event_type == "training_conference")):
            found[article.event_id].add(article.canonical_url)
        events = {e.id: e for e in session.scalars(select(Event))}
        assert sorted(map(sorted, found.values())) == sorted(map(sorted, expected.values()))
        by_title = {e.title: e for e in events.values()}
        muonglat = next(e for t, e in by_title.items() if t and "Mường Lát" in t)
        assert muonglat.province == "Thanh Hóa"  # named by no report: the department's own province
        hoabinh = [
            e for e in events.values() if e.province == "Hòa Bình" and str(e.date_held) == "2023-12-07"
        ]
        assert len(hoabinh) == 1 and hoabinh[0].province_2025 == "Phú Thọ" and hoabinh[0].participants == 280


def _what_was_made(db_url: str) -> dict[str, tuple]:
    """Per article URL: what extraction, classification, dedup and event grouping made of it."""
    stored = articles(db_url)
    by_id = {a.id: a.canonical_url for a in stored}
    events: dict[int, set[str]] = {}
    for a in stored:
        if a.event_id is not None:
            events.setdefault(a.event_id, set()).add(a.canonical_url)
    return {
        a.canonical_url: (
            a.title,
            a.content_hash,
            a.language,
            a.published_at,
            a.event_type,
            a.topics,
            by_id.get(a.duplicate_of),
            frozenset(events.get(a.event_id, ())),
            a.fields,
        )
        for a in stored
    }


def test_the_extraction_pool_makes_what_the_threads_make(sites, first_crawl, database_server, tmp_path):
    """The same sites crawled with extraction in the crawl's threads (NEWSMON_EXTRACT_WORKERS=0)
    store the same articles, classifications, copies and events as with the pool of processes."""
    db_url, _, _ = first_crawl
    other = database_server.new("threads", tmp_path)
    try:
        crawl(other, {**sites.env(), "NEWSMON_EXTRACT_WORKERS": "0"})
        pooled, threaded = _what_was_made(db_url), _what_was_made(other)
        assert set(pooled) == set(threaded) == expected_urls(sites)
        assert {u: pooled[u] for u in pooled if pooled[u] != threaded[u]} == {}
    finally:
        database_server.drop(other)


def test_a_bad_worker_count_is_a_clear_error(tmp_path: Path):
    result = newsmon(
        ["crawl", "--all", "--set", "NEWSMON_EXTRACT_WORKERS=many"], f"sqlite:///{tmp_path / 'x.db'}", {}
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "NEWSMON_EXTRACT_WORKERS must be a number or 'auto', not 'many'" in result.stderr
