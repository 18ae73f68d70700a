"""Distributed crawling end to end: a real redis-server, real `newsmon worker` processes and
the sample sites on 127.0.0.1, compared with a single-process crawl of the same sites."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from storage.db import make_engine, session_factory, session_scope
from storage.models import Article
from tests.conftest import PROJECT
from tests.distributed.conftest import free_port
from tests.e2e_helpers import FAST, SAMPLE_SOURCES, articles, crawl, newsmon, runs

# Each worker takes few requests at a time and waits a little between them, so that the
# crawl lasts long enough for both workers to share it (a loopback crawl is otherwise over
# before the second worker has looked at the queue).
WORKER_SETTINGS = [
    *FAST,
    "CONCURRENT_REQUESTS=2",
    "DOWNLOAD_DELAY=0.05",
    "DOWNLOAD_DELAY_JITTER=0",
    "RANDOMIZE_DOWNLOAD_DELAY=False",
]


@pytest.fixture(scope="module")
def sites() -> Any:
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def start_worker(db_url: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(SAMPLE_SOURCES), "worker"]
    for setting in WORKER_SETTINGS:
        cmd += ["--set", setting]
    return subprocess.Popen(
        [*cmd, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env={**os.environ, **env, "NEWSMON_LOG_LEVEL": "INFO"},
    )


def finish(proc: subprocess.Popen[str], timeout: float = 150) -> tuple[str, str]:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"worker still running after {timeout}s: {stderr[-3000:]}")
    assert proc.returncode == 0, stderr[-3000:]
    return stdout, stderr


def cli(args: list[str], db_url: str, env: dict[str, str]) -> Any:
    """`newsmon ARGS` in this process (a short command: no reactor, no subprocess start-up).
    newsmon/settings.py read the environment at import, so REDIS_URL goes in as a setting."""
    from click.testing import CliRunner

    from newsmon.cli import main

    return CliRunner().invoke(
        main,
        [
            "--database",
            db_url,
            "--sources",
            str(SAMPLE_SOURCES),
            *args,
            "--set",
            f"REDIS_URL={env['REDIS_URL']}",
        ],
        env=env,
        catch_exceptions=False,
    )


def enqueue_all(db_url: str, env: dict[str, str]) -> list[dict[str, Any]]:
    result = cli(["crawl", "--all", "--distributed", "--format", "json"], db_url, env)
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads(result.stdout)


def fetched(sites: SampleSites) -> Counter[tuple[str, str, str]]:
    """What the sample server served, robots.txt aside (each worker reads it once per site)."""
    return Counter((r.site, r.method, r.path) for r in sites.requests if r.path != "/robots.txt")


def enrichment(db_url: str) -> dict[str, Any]:
    """Per article (by canonical URL): its original if it is a near-duplicate, its event type,
    and the set of articles sharing its event; ids differ between databases, URLs do not."""
    with session_scope(session_factory(make_engine(db_url))) as session:
        rows = list(session.scalars(select(Article)))
    by_id = {a.id: a.canonical_url for a in rows}
    members: dict[int, set[str]] = {}
    for a in rows:
        if a.event_id is not None:
            members.setdefault(a.event_id, set()).add(a.canonical_url)
    return {
        a.canonical_url: (
            by_id.get(a.duplicate_of) if a.duplicate_of else None,
            a.event_type,
            frozenset(members.get(a.event_id, ())) if a.event_id else None,
        )
        for a in rows
    }


def test_two_workers_share_one_crawl(sites, redis_url, redis_client, database_factory, tmp_path):
    expected = {canonical_url(sites.urls[a["site"]] + a["path"]) for a in catalog()}

    # The reference: one process crawls everything.
    single_db = database_factory("single")
    sites.clear_faults()
    sites.reset_log()
    crawl(single_db, sites.env())
    single_requests = fetched(sites)

    dist_db = database_factory("distributed")
    env = {**sites.env(), "REDIS_URL": redis_url}
    sites.reset_log()
    queued = enqueue_all(dist_db, env)
    assert {q["source"] for q in queued} == {
        "sample-nhandan",
        "sample-thanhhoa",
        "sample-hoabinh",
        "sample-travinh",
    }
    assert all(q["requests"] > 0 and q["skipped"] is None for q in queued), queued
    assert sites.requests == [], "crawl --distributed only queues; it fetches nothing"
    assert redis_client.zcard("newsmon:sample-nhandan:requests") == 4  # 3 feeds, 1 sitemap

    started = time.monotonic()
    workers = [start_worker(dist_db, env, "--idle-exit", "3", "--format", "json") for _ in range(2)]
    outputs = [finish(w) for w in workers]
    elapsed = time.monotonic() - started
    worker_runs = [json.loads(stdout) for stdout, _ in outputs]

    # Every sample article stored exactly once.
    stored = [a.canonical_url for a in articles(dist_db)]
    assert len(stored) == len(set(stored)) == len(catalog())
    assert set(stored) == expected

    # No URL fetched twice, and the same work as the single-process crawl (listing pages,
    # ASP.NET postbacks, sitemaps and feeds included).
    dist_requests = fetched(sites)
    twice = {key: n for key, n in dist_requests.items() if n > 1 and key[1] == "GET"}
    assert twice == {}, f"fetched more than once: {twice}"
    assert dist_requests == single_requests

    # Both workers did some of the work, and between them all of it.
    for runs_of_worker in worker_runs:
        assert sum(r["articles_new"] for r in runs_of_worker) > 0, worker_runs
        assert all(r["status"] == "finished" for r in runs_of_worker), runs_of_worker
    assert sum(r["articles_new"] for rs in worker_runs for r in rs) == len(catalog())
    recorded = runs(dist_db)
    assert {r.trigger for r in recorded} == {"worker"}
    assert len({r.pid for r in recorded}) == 2
    assert {r.source_id for r in recorded} == {q["source"] for q in queued}

    # Near-duplicate flags and events as in the single-process crawl.
    assert enrichment(dist_db) == enrichment(single_db)
    assert any(dup for dup, _, _ in enrichment(dist_db).values()), "the sample sites hold near-duplicates"

    # Nothing left in the shared queues.
    assert [k for k in redis_client.keys("newsmon:*:requests") if redis_client.zcard(k)] == []
    assert elapsed < 60


def test_sigterm_finishes_in_flight_work_and_another_worker_resumes(
    sites, redis_url, redis_client, database_factory, tmp_path
):
    db_url = database_factory("sigterm")
    env = {**sites.env(), "REDIS_URL": redis_url}
    sites.clear_faults()
    sites.reset_log()
    enqueue_all(db_url, env)
    # Slow articles: the worker is mid-crawl, with requests in flight, when it is stopped.
    slow = [a for a in catalog() if a["site"] == "nhandan"][:6]
    for article in slow:
        sites.set_fault("nhandan", article["path"], "slow", delay=1.5)
    worker = start_worker(db_url, env, "sample-nhandan", "--format", "json")
    try:
        deadline = time.monotonic() + 40
        while not any(r.path in {a["path"] for a in slow} for r in sites.requests):
            assert worker.poll() is None, worker.stderr.read()[-3000:] if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never reached the slow articles"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        stdout, stderr = finish(worker, timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    sites.clear_faults()
    assert "Traceback" not in stderr
    first = json.loads(stdout)
    assert first and all(r["status"] == "finished" for r in first)
    # What was in flight was stored, not dropped: every slow article fetched was stored.
    served_slow = {r.path for r in sites.requests if r.path in {a["path"] for a in slow} and r.status == 200}
    stored = {a.canonical_url for a in articles(db_url)}
    assert {canonical_url(sites.urls["nhandan"] + p) for p in served_slow} <= stored

    # Another worker takes what was left in the queue: the source ends complete, once each.
    rest = start_worker(db_url, env, "--idle-exit", "3", "--format", "json")
    finish(rest)
    stored_all = [a.canonical_url for a in articles(db_url)]
    assert len(stored_all) == len(set(stored_all)) == len(catalog())
    twice = {k: n for k, n in fetched(sites).items() if n > 1 and k[1] == "GET"}
    assert twice == {}, f"fetched more than once: {twice}"


def test_enqueue_skips_a_source_still_being_crawled(
    sites, redis_url, redis_client, database_factory, tmp_path
):
    db_url = database_factory("twice")
    env = {**sites.env(), "REDIS_URL": redis_url}
    first = enqueue_all(db_url, env)
    second = enqueue_all(db_url, env)
    assert all(q["requests"] > 0 for q in first)
    assert all(q["requests"] == 0 and "still crawling" in q["skipped"] for q in second), second


def test_dead_redis_is_one_line_naming_redis_url(sites, tmp_path):
    """REDIS_URL from the environment, a worker (subprocess): no traceback, exit 2."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = {**sites.env(), "REDIS_URL": dead}
    result = newsmon(["worker", "--idle-exit", "1"], f"sqlite:///{tmp_path / 'dead.db'}", env, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "REDIS_URL" in lines[0] and dead in lines[0], result.stderr


@pytest.mark.parametrize(
    ("redis_setting", "message"),
    [("redis://127.0.0.1:{port}/0", "cannot reach Redis at REDIS_URL=redis://127.0.0.1:{port}/0"),
     ("", "REDIS_URL is not set"),
     ("http://127.0.0.1:{port}/", "is not a Redis URL")],
)  # fmt: skip
def test_enqueue_without_redis_says_what_to_fix(sites, tmp_path, redis_setting, message):
    port = free_port()
    result = cli(
        ["crawl", "--all", "--distributed"],
        f"sqlite:///{tmp_path / 'dead.db'}",
        {**sites.env(), "REDIS_URL": redis_setting.format(port=port)},
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message.format(port=port) in lines[0], result.stderr


def test_requests_survive_the_json_round_trip(redis_client):
    """Every kind of request the spider makes (feeds, sitemaps, listings with cb_kwargs,
    ASP.NET postback forms, articles) goes through the queue and back unchanged."""
    from scrapy.http import FormRequest, HtmlResponse

    from newsmon.crawl.distributed import SERIALIZER, source_queue
    from pipeline.sources import load_registry
    from spiders.discovery import NextPage
    from spiders.news import NewsSpider

    spider = NewsSpider(source="sample-thanhhoa")
    spider.source = load_registry(str(SAMPLE_SOURCES)).get("sample-thanhhoa")
    page = HtmlResponse(
        "http://127.0.0.1:1/TinTuc.aspx?CatId=5",
        body=b'<form method="post" action="TinTuc.aspx?CatId=5"><input type="hidden" name="__VIEWSTATE" '
        b'value="abc\xc3\xa9"></form>',
        encoding="utf-8",
    )
    postback = spider._next_request(page, NextPage(postback=("pager", "2")), listing=0, page=2)
    assert isinstance(postback, FormRequest) and postback.method == "POST"
    requests = [*spider.start_requests_list(), postback]
    queue = source_queue(redis_client, spider, "newsmon:test:requests")
    for r in requests:
        queue.push(r)
    back = [queue.pop() for _ in requests]
    assert queue.pop() is None
    by_priority = sorted(requests, key=lambda r: -r.priority)
    for original, copy in zip(by_priority, back, strict=True):
        assert type(copy) is type(original)
        assert (copy.url, copy.method, copy.body, copy.cb_kwargs, copy.meta, copy.priority) == (
            original.url, original.method, original.body, original.cb_kwargs, original.meta, original.priority
        )  # fmt: skip
        assert copy.callback.__name__ == original.callback.__name__
    assert b"__VIEWSTATE=abc%C3%A9" in back[-1].body
    with pytest.raises(TypeError, match="plain data"):
        SERIALIZER.dumps({"meta": {"when": object()}})


def test_article_requests_are_deduplicated_by_canonical_url(redis_client):
    from scrapy.http import Request

    from newsmon.crawl.distributed import CanonicalDupeFilter

    dupes = CanonicalDupeFilter(redis_client, key="newsmon:test:dupefilter")
    article = {"newsmon_kind": "article"}
    assert not dupes.request_seen(Request("http://www.example.vn/a-post1.html?utm_source=x", meta=article))
    assert dupes.request_seen(Request("http://example.vn/a-post1.html#top", meta=article))
    assert not dupes.request_seen(Request("http://example.vn/a-post2.html", meta=article))
    # other requests keep scrapy-redis's fingerprint (method, URL, body): a postback is not a GET
    assert not dupes.request_seen(Request("http://example.vn/list", meta={"newsmon_kind": "listing"}))
    assert not dupes.request_seen(Request("http://example.vn/list", method="POST", body=b"page=2"))


def test_scheduler_queues_instead_of_crawling_when_redis_url_is_set(
    sites, redis_url, redis_client, database_factory, tmp_path, monkeypatch
):
    import newsmon.settings as config
    import scheduler

    db_url = database_factory("scheduled")
    monkeypatch.setattr(config, "REDIS_URL", redis_url)
    for key, value in {**sites.env(), "REDIS_URL": redis_url}.items():
        monkeypatch.setenv(key, value)
    sites.reset_log()
    code = scheduler.crawl_job("sample-travinh", db_url, str(SAMPLE_SOURCES), timeout=120)
    assert code == 0
    assert redis_client.zcard("newsmon:sample-travinh:requests") == 1  # its homepage (learned)
    assert sites.requests == [] and runs(db_url) == [], "queued for the workers, not crawled here"
