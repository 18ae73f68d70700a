"""PostgreSQL restarted in the middle of a crawl: nothing lost, nothing stored twice.

The test runs its OWN throwaway cluster (initdb + pg_ctl on a free 127.0.0.1 port, data in a
temporary directory; as root the server runs as the ``postgres`` system user), never the
shared test server of tests/services.sh, because it restarts it. The sample sites answer
article pages slowly, so the crawl is still storing when ``pg_ctl restart -m fast`` cuts
every connection. Then ``newsmon reprocess --failed`` and a second crawl run, as an operator
would; every sample article must be stored exactly once and no page left pending.

Needs the PostgreSQL server binaries (Debian: apt-get install postgresql); without them the
test is skipped locally and fails under CI.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from storage.db import make_engine, session_factory, session_scope
from storage.models import Article, CrawlRun
from storage.models import Page as PageRow
from tests.conftest import PROJECT
from tests.e2e_helpers import FAST, SAMPLE_SOURCES, newsmon

pytestmark = pytest.mark.slow


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(f"{candidate}/initdb", os.X_OK) and os.access(f"{candidate}/pg_ctl", os.X_OK):
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster this test may stop and restart at will."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.data, self.port = bindir, root / "data", _free_port()
        self.as_root = os.geteuid() == 0

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{args[0]} failed: {result.stderr[-2000:]}"
        return result

    def start(self) -> None:
        self.data.mkdir(mode=0o700)
        if self.as_root:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.data, "postgres")
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        settings = (
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.data}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        )
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(settings)
        self.pg_ctl("start")
        self.run("psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                 "-c", "CREATE DATABASE newsmon")  # fmt: skip

    def pg_ctl(self, action: str, *extra: str) -> None:
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-w",
            "-t",
            "60",
            action,
            *extra,
        )

    def stop(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--"] * self.as_root
            + [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/newsmon"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="newsmon-pg-restart-"))
    server = Cluster(bindir, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def article_count(db_url: str) -> int:
    try:
        with session_scope(session_factory(make_engine(db_url))) as session:
            return session.scalar(select(func.count()).select_from(Article)) or 0
    except Exception:  # schema not there yet, or the server restarting
        return 0


def test_postgres_restart_mid_crawl_loses_nothing(cluster: Cluster, sites: SampleSites) -> None:
    db_url = cluster.url
    for a in catalog():  # slow article pages: the crawl is mid-way when the server restarts
        sites.set_fault(a["site"], a["path"], "slow", delay=1.0)
    args = [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(SAMPLE_SOURCES)]
    args += ["crawl", "--all", "--format", "json"] + [x for s in FAST for x in ("--set", s)]
    proc = subprocess.Popen(
        args,
        cwd=PROJECT,
        env={**os.environ, **sites.env(), "NEWSMON_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while article_count(db_url) < 5:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the crawl stored nothing in 180 s"
            time.sleep(0.3)
        before = article_count(db_url)
        cluster.pg_ctl("restart", "-m", "fast")
        stdout, stderr = proc.communicate(timeout=400)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert before < len(catalog()), "the restart came mid-crawl"
    assert "Traceback" not in stderr, stderr[-3000:]
    # Lost connections are retried: the crawl itself should survive the restart.
    assert proc.returncode == 0, stderr[-3000:]
    assert all(r["status"] == "finished" for r in json.loads(stdout)), stdout

    sites.clear_faults()
    reprocess = newsmon(["reprocess", "--failed"], db_url, sites.env())
    assert reprocess.returncode == 0, reprocess.stderr[-3000:]
    again = newsmon(
        ["crawl", "--all", "--format", "json", *[x for s in FAST for x in ("--set", s)]], db_url, sites.env()
    )
    assert again.returncode == 0, again.stderr[-3000:]

    expected = {canonical_url(sites.urls[a["site"]] + a["path"]) for a in catalog()}
    with session_scope(session_factory(make_engine(db_url))) as session:
        stored = list(session.scalars(select(Article.canonical_url)))
        pages = list(session.scalars(select(PageRow.canonical_url)))
        pending = session.scalar(select(func.count()).where(PageRow.process_status == "pending"))
        running = session.scalar(select(func.count()).where(CrawlRun.status == "running"))
    assert [u for u, n in Counter(stored).items() if n > 1] == []
    assert set(stored) == expected
    assert len(pages) == len(set(pages))
    assert pending == 0 and running == 0
