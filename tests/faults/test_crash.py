"""Crashes: a crawl killed with SIGKILL mid-run, two crawls of the same sources at once.

Real `newsmon crawl` subprocesses against the sample sites on 127.0.0.1 and a SQLite file;
the assertions are on the database: every sample article stored exactly once afterwards,
and the dead run recorded as interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from newsmon.services.store import ArticleStore
from pipeline.types import Page
from pipeline.urls import canonical_url
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import Article, CrawlRun
from storage.models import Page as PageRow
from tests.conftest import PROJECT
from tests.e2e_helpers import FAST, SAMPLE_SOURCES, articles, crawl, runs


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def expected(sites: SampleSites) -> set[str]:
    return {canonical_url(sites.urls[a["site"]] + a["path"]) for a in catalog()}


def start_crawl(db_url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(SAMPLE_SOURCES)]
    args += ["crawl", "--all", "--format", "json"] + [x for s in FAST for x in ("--set", s)]
    return subprocess.Popen(
        args,
        cwd=PROJECT,
        env={**os.environ, **env, "NEWSMON_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def article_count(db_url: str) -> int:
    try:
        with session_scope(session_factory(make_engine(db_url))) as session:
            return session.scalar(select(func.count()).select_from(Article)) or 0
    except Exception:  # the schema is not there yet
        return 0


def assert_each_article_once(db_url: str, sites: SampleSites) -> None:
    stored = [a.canonical_url for a in articles(db_url)]
    assert [u for u, n in Counter(stored).items() if n > 1] == []
    assert set(stored) == expected(sites)
    with session_scope(session_factory(make_engine(db_url))) as session:
        pages = list(session.scalars(select(PageRow.canonical_url)))
        assert len(pages) == len(set(pages))
        assert session.scalar(select(func.count()).where(PageRow.process_status == "pending")) == 0


def test_kill_9_mid_crawl_then_rerun_stores_everything_once(sites: SampleSites, database_url: str) -> None:
    db_url = database_url
    for site in DEFAULT_PORTS:  # slow article pages: the kill lands mid-crawl
        for a in catalog():
            if a["site"] == site:
                sites.set_fault(site, a["path"], "slow", delay=1.0)
    proc = start_crawl(db_url, sites.env())
    try:
        deadline = time.monotonic() + 120
        while article_count(db_url) < 5:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the crawl stored nothing in 120 s"
            time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    stored_before = article_count(db_url)
    assert 5 <= stored_before < len(catalog()), "killed mid-run: some but not all stored"
    killed = [r for r in runs(db_url) if r.status == "running"]
    assert killed and all(r.pid == proc.pid for r in killed)

    sites.clear_faults()
    summary = crawl(db_url, sites.env())
    assert all(r["status"] == "finished" for r in summary), summary
    assert_each_article_once(db_url, sites)
    by_id = {r.id: r for r in runs(db_url)}
    for run in killed:
        assert by_id[run.id].status == "interrupted"
        assert by_id[run.id].finish_reason == "process died"


def test_page_left_pending_by_a_dead_crawl_is_processed_by_the_next(
    sites: SampleSites, database_url: str
) -> None:
    """The window between committing a raw page and storing its article: a crawl killed there
    leaves a stored page (never fetched again) without its article."""
    import urllib.request

    db_url = database_url
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    article = next(a for a in catalog() if a["site"] == "hoabinh")
    url = sites.urls["hoabinh"] + article["path"]
    with urllib.request.urlopen(url, timeout=10) as resp:
        body, headers = resp.read(), {k.lower(): v for k, v in resp.headers.items()}
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with session_scope(sessions) as session:
        run_id = repo.start_crawl_run(
            session, "sample-hoabinh", hostname=socket.gethostname(), pid=dead.pid, trigger="cli"
        )
    page = Page(url=url, body=body, status=200, headers=headers, source_id="sample-hoabinh")
    ArticleStore(sessions).save_raw(page, run_id)  # ...and the process died before processing it

    summary = crawl(db_url, sites.env())
    assert all(r["status"] == "finished" for r in summary), summary
    assert_each_article_once(db_url, sites)
    with session_scope(sessions) as session:
        assert session.get(CrawlRun, run_id).status == "interrupted"


def test_two_crawls_of_the_same_sources_at_once_store_each_article_once(
    sites: SampleSites, database_url: str
) -> None:
    db_url = database_url
    upgrade(make_engine(db_url))  # both crawls would otherwise race to create the schema
    first, second = start_crawl(db_url, sites.env()), start_crawl(db_url, sites.env())
    outputs = [p.communicate(timeout=240) for p in (first, second)]
    for proc, (stdout, stderr) in zip((first, second), outputs, strict=True):
        assert proc.returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr, stderr[-3000:]
        assert all(r["status"] == "finished" for r in json.loads(stdout))
    assert_each_article_once(db_url, sites)
    new = sum(r["articles_new"] for out in outputs for r in json.loads(out[0]))
    assert new == len(catalog()), "each article counted new by exactly one of the crawls"
