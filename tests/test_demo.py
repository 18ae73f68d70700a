"""`newsmon demo` as a user runs it (a subprocess): fixed ports make a second run on the same
database incremental, a busy port is a clear error, and a broken installation that stores
fewer articles than the sample sites hold exits 1 with the reason."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsmon.sample_sites.server import catalog
from tests.e2e_helpers import articles, free_port_base, newsmon, runs

pytestmark = pytest.mark.one_backend  # tests/test_crawl_e2e.py crawls the sample sites on every backend


def downloaded(stdout: str) -> int:
    """The article pages the demo says it downloaded."""
    found = re.search(r"^(\d+) article page\(s\) downloaded this run", stdout, re.MULTILINE)
    assert found, stdout[-2000:]
    return int(found.group(1))


def test_second_demo_on_the_same_database_downloads_no_article_again(database_url: str) -> None:
    base = free_port_base()
    n = len(catalog())
    first = newsmon(["demo", "--port-base", str(base)], database_url, {})
    assert first.returncode == 0, first.stderr[-3000:]
    assert downloaded(first.stdout) == n
    assert f"{n} of {n} sample articles stored" in first.stdout
    before = {(a.id, a.canonical_url, a.content_hash) for a in articles(database_url)}
    assert len(before) == n
    assert {urlsplit(url).port for _, url, _ in before} == {base + i for i in range(4)}

    second = newsmon(["demo", "--port-base", str(base)], database_url, {})
    assert second.returncode == 0, second.stderr[-3000:]
    assert downloaded(second.stdout) == 0  # only robots.txt, feeds, sitemaps and listings
    assert f"{n} of {n} sample articles stored" in second.stdout
    assert {(a.id, a.canonical_url, a.content_hash) for a in articles(database_url)} == before
    again = runs(database_url)[4:]
    assert [r.status for r in again] == ["finished"] * 4
    assert sum(r.articles_new for r in again) == 0 and sum(r.pages_stored for r in again) == 0


def test_a_busy_port_names_the_port_and_port_base(database_url: str) -> None:
    base = free_port_base()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", base + 2))
        holder.listen()
        result = newsmon(["demo", "--port-base", str(base)], database_url, {}, timeout=60)
    assert result.returncode == 2
    assert f"port {base + 2} for the sample site hoabinh is busy" in result.stderr
    assert "--port-base" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_port_busy_says_use_port_base(database_url: str) -> None:
    """8471 is held here, or by someone else already: either way the demo must refuse it."""
    holder = socket.socket()
    try:
        try:
            holder.bind(("127.0.0.1", 8471))
            holder.listen()
        except OSError:
            pass  # already taken by another program
        result = newsmon(["demo"], database_url, {}, timeout=60)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "port 8471 for the sample site nhandan is busy" in result.stderr
    assert "pass --port-base N to use ports N to N+3" in result.stderr


def test_demo_with_trafilatura_broken_exits_1_and_says_why(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "site" / "trafilatura"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        'raise ImportError("trafilatura is broken (test)")\n', encoding="utf-8"
    )
    pythonpath = os.pathsep.join(p for p in (str(broken.parent), os.environ.get("PYTHONPATH")) if p)
    result = newsmon(["demo", "--port-base", str(free_port_base())], database_url, {"PYTHONPATH": pythonpath})
    assert result.returncode == 1, result.stderr[-3000:]
    n = len(catalog())
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"newsmon: error: 0 of {n} sample articles stored: "), message
    assert "cannot import trafilatura: ImportError: trafilatura is broken (test)" in message
    assert "fix: pip install trafilatura" in message
    assert "run `newsmon doctor`" in message
    assert articles(database_url) == []
