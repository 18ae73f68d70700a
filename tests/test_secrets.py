"""Secrets never reach logs or listings: a source's request headers (an API token), a password in
DATABASE_URL, in the alert channels (tested in tests/alerts) and the web token (tests/web).

A real crawl of a sample site at DEBUG log level, with the secret in the registry (through an
environment variable, as an operator would put it) and, on PostgreSQL, in the database URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from newsmon.sample_sites.server import SampleSites
from tests.conftest import PROJECT
from tests.e2e_helpers import FAST, SAMPLE_SOURCES

TOKEN = "tok-5ecr3t-9f27c1"
PASSWORD = "pw-5ecr3t-41d0"


def _registry(tmp_path: Path) -> Path:
    data = yaml.safe_load(SAMPLE_SOURCES.read_text(encoding="utf-8"))
    source = next(s for s in data["sources"] if s["id"] == "sample-hoabinh")
    source["request"] = {"headers": {"Authorization": "Bearer ${NEWSMON_TEST_TOKEN}"}}
    data["sources"] = [source]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _with_password(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsmon", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=240,
    )


def test_crawl_at_debug_level_logs_no_secret(tmp_path, database_url):
    registry = _registry(tmp_path)
    with SampleSites(ports={"hoabinh": 0}) as sites:
        env = {**os.environ, **sites.env(), "NEWSMON_TEST_TOKEN": TOKEN, "NEWSMON_LOG_LEVEL": "DEBUG"}
        db = _with_password(database_url)
        args = ["--database", db, "--sources", str(registry)]
        crawl = _run([*args, "crawl", "--all", *(a for s in FAST for a in ("--set", s))], env)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        # The token was really sent: the server saw it on every request of the source.
        seen = [r for r in sites.requests if r.site == "hoabinh"]
        assert seen and all(
            r.authorization == f"Bearer {TOKEN}" for r in seen if not r.path.startswith("/robots")
        )
        outputs = [crawl.stdout, crawl.stderr]
        for command in (["sources", "list", "--format", "json"], ["sources", "list"], ["runs"]):
            result = _run([*args, *command], env)
            assert result.returncode == 0, result.stderr[-2000:]
            outputs += [result.stdout, result.stderr]
    logs = "\n".join(outputs)
    assert "DEBUG" in logs or "Crawled" in logs  # the crawl did log at debug level
    assert TOKEN not in logs
    assert PASSWORD not in logs
