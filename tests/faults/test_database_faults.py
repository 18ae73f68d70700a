"""The database refusing writes mid-crawl: SQLite locked by another process, or the disk full.

Real `newsmon crawl` subprocesses against the sample sites on 127.0.0.1 and a SQLite file.
The lock is a second connection holding ``BEGIN EXCLUSIVE`` (NEWSMON_DB_BUSY_TIMEOUT=1 keeps
the wait short); the full disk is SQLite's own ``max_page_count`` limit (the
NEWSMON_SQLITE_MAX_PAGE_COUNT test hook), which fails writes with "database or disk is full"
exactly as a full file system does. Expected: exit 1, one clear line naming the database and
what to do, no traceback, the run recorded as failed if it can be written, and a later crawl
storing every article exactly once.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from storage.db import describe_database_error, make_engine, session_factory, session_scope, upgrade
from storage.models import Article, CrawlRun
from storage.models import Page as PageRow
from tests.conftest import PROJECT
from tests.e2e_helpers import FAST, SAMPLE_SOURCES, newsmon

SOURCE, SITE = "sample-hoabinh", "hoabinh"


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def crawl_args(db_url: str) -> list[str]:
    args = [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(SAMPLE_SOURCES)]
    return args + ["crawl", SOURCE, "--format", "json"] + [x for s in FAST for x in ("--set", s)]


def env_for(sites: SampleSites, **extra: str) -> dict[str, str]:
    return {**os.environ, **sites.env(), "NEWSMON_LOG_LEVEL": "WARNING", **extra}


def count(db_url: str, model: type) -> int:
    with session_scope(session_factory(make_engine(db_url))) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def assert_failed_clearly(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith("error: " + expected), lines


def assert_recovers(db_url: str, sites: SampleSites) -> None:
    """A normal crawl afterwards stores every article of the source exactly once."""
    result = newsmon(
        ["crawl", SOURCE, "--format", "json", *[x for s in FAST for x in ("--set", s)]], db_url, sites.env()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    expected = {canonical_url(sites.urls[SITE] + a["path"]) for a in catalog() if a["site"] == SITE}
    with session_scope(session_factory(make_engine(db_url))) as session:
        stored = list(session.scalars(select(Article.canonical_url)))
        pages = list(session.scalars(select(PageRow.canonical_url)))
        pending = session.scalar(select(func.count()).where(PageRow.process_status == "pending"))
    assert [u for u, n in Counter(stored).items() if n > 1] == []
    assert set(stored) == expected
    assert len(pages) == len(set(pages)) and pending == 0


def test_database_locked_mid_crawl_exits_1_with_one_line_then_recovers(
    sites: SampleSites, tmp_path: Path
) -> None:
    db_path = tmp_path / "locked.db"
    db_url = f"sqlite:///{db_path}"
    upgrade(make_engine(db_url))
    # slow article pages, staggered so they arrive over two seconds (under the 3 s download
    # timeout): the lock is taken after the second page is stored, while later pages are
    # still on their way (all arriving at once let a fast machine store them all first)
    articles = [a for a in catalog() if a["site"] == SITE]
    for i, a in enumerate(articles):
        sites.set_fault(SITE, a["path"], "slow", delay=0.6 + 0.3 * i)
    proc = subprocess.Popen(
        crawl_args(db_url),
        cwd=PROJECT,
        env=env_for(sites, NEWSMON_DB_BUSY_TIMEOUT="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    holder = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        deadline = time.monotonic() + 120
        while count(db_url, PageRow) < 2:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the crawl stored no page in 120 s"
            time.sleep(0.2)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock from now on
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        holder.execute("ROLLBACK") if holder.in_transaction else None
        holder.close()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert_failed_clearly(result, "database is locked by another process (waited 1 s)")
    assert "stop the other writer or raise NEWSMON_DB_BUSY_TIMEOUT" in stderr
    assert str(db_path) in stderr
    kept = count(db_url, PageRow)
    assert kept >= 2, "raw pages committed before the lock stay"
    assert count(db_url, Article) < len(articles), "the lock struck mid-crawl"

    sites.clear_faults()
    assert_recovers(db_url, sites)


def test_disk_full_mid_crawl_exits_1_with_one_line_then_recovers(sites: SampleSites, tmp_path: Path) -> None:
    db_path = tmp_path / "full.db"
    db_url = f"sqlite:///{db_path}"
    upgrade(make_engine(db_url))
    with sqlite3.connect(db_path) as conn:
        pages_now = conn.execute("PRAGMA page_count").fetchone()[0]
    # room for a few raw pages and articles (4 KB pages), not for the whole source
    env = env_for(sites, NEWSMON_SQLITE_MAX_PAGE_COUNT=str(pages_now + 16))
    result = subprocess.run(
        crawl_args(db_url), cwd=PROJECT, env=env, capture_output=True, text=True, timeout=240
    )
    assert_failed_clearly(result, "disk full")
    assert f"free space on {db_path.parent}" in result.stderr
    with session_scope(session_factory(make_engine(db_url))) as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        stored = session.scalar(select(func.count()).select_from(Article))
    if run is not None and run.status != "running":  # written if the disk still had room for it
        assert (run.status, run.finish_reason) == ("failed", "database_error")
        assert run.message and run.message.startswith("disk full")
    total = len([a for a in catalog() if a["site"] == SITE])
    assert stored < total, "the disk filled up mid-crawl"

    assert_recovers(db_url, sites)


def test_database_errors_are_described_in_one_line() -> None:
    url = "postgresql+psycopg://newsmon:secret@db.internal/newsmon"
    locked = sqlite3.OperationalError("database is locked")
    assert describe_database_error(locked, "sqlite:///x.db").startswith(
        "database is locked by another process"
    )
    full = sqlite3.OperationalError("database or disk is full")
    assert "free space on the database server" in describe_database_error(full, url)
    try:  # a savepoint rollback failing after SQLite rolled back the whole transaction
        try:
            raise full
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("no such savepoint: sa_savepoint_1")  # noqa: B904
    except sqlite3.OperationalError as exc:
        assert describe_database_error(exc, url).startswith("disk full")
    lost = describe_database_error(sqlite3.OperationalError("server closed the connection unexpectedly"), url)
    assert lost.startswith("lost the connection to the database") and "secret" not in lost
    assert describe_database_error(ValueError("no such column: x"), url) is None
