"""One database for the web tests, filled by the real pipeline: `newsmon demo` (the sample
sites crawled over 127.0.0.1: sources, runs, dated articles, events), then `newsmon ingest` of
the seed pages and a republished copy (training events, a duplicate pair), then hostile
content for the XSS tests (through the pipeline where it can go, else the repository)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsmon.web.app import create_app
from pipeline.text import search_document
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope
from storage.models import Alert
from tests.conftest import PROJECT, DatabaseServer
from tests.test_seed_events import SEEDS, republished_copy_of_001

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
HOSTILE_TITLE = f"Tập huấn nhân quyền {SCRIPT} {IMG} {SVG}"


def newsmon(db: str, *args: str, timeout: int = 240) -> str:
    result = subprocess.run([sys.executable, "-m", "newsmon", "--database", db, *args], capture_output=True,
                            text=True, cwd=PROJECT, timeout=timeout)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@contextmanager
def serve_process(db: str) -> Iterator[str]:
    """`newsmon serve --port 0` as a subprocess until /healthz answers; yields the URL it prints."""
    proc = subprocess.Popen([sys.executable, "-m", "newsmon", "--database", db, "serve", "--port", "0"],
                            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split(" on ", 1)[1].split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "newsmon serve did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def hostile_page(tmp: Path) -> Path:
    """Seed 003 (a training on human rights in Thanh Hóa) with hostile markup in its title and body."""
    lines = SEEDS[3].read_text(encoding="utf-8").splitlines()
    title_at = next(i for i, line in enumerate(lines) if line.startswith("Tập huấn công tác"))
    lines[title_at] = HOSTILE_TITLE
    lines.insert(title_at + 2, f"Đoạn thử {SCRIPT} và {IMG} cùng {SVG} và {JS_URL} hết.")
    path = tmp / "hostile.txt"
    path.write_text("\n".join(lines[title_at:]), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory, database_server: DatabaseServer) -> Iterator[str]:
    """SQLite, or a PostgreSQL database when the suite runs on PostgreSQL (marker ``db``)."""
    tmp = tmp_path_factory.mktemp("web")
    url = database_server.new("web", tmp)
    newsmon(url, "demo", "--port-base", "0")  # any free ports: 8471-8474 may be taken
    newsmon(url, "ingest", *map(str, SEEDS), str(republished_copy_of_001(tmp)), str(hostile_page(tmp)),
            "--no-deliver")  # fmt: skip
    sessions = session_factory(make_engine(url))
    with session_scope(sessions) as s:
        repo.upsert_source(s, id="xss-source", name=f"Nguồn {SCRIPT}", kind="portal", province="Hòa Bình",
                           province_2025="Phú Thọ", homepage=JS_URL)  # fmt: skip
        text = f"Bài có đường dẫn lạ. {SCRIPT} {IMG}"
        repo.upsert_article(
            s, "javascript-article", url=JS_URL, source_id="xss-source", title=f"Link {SVG}", text=text,
            content_hash="xss", language="vi", search_text=search_document(f"Link {SVG}", text),
            published_at=datetime(2025, 2, 3, 4, 5, tzinfo=UTC),
        )  # fmt: skip
        s.add(Alert(key="health:xss-source:silent:1", channel="c1", channel_display=f"json://{SVG}", kind="health",
                    source_id="xss-source", status="failed", attempts=5, last_error=f"boom {SCRIPT}",
                    payload={"title": f"Silent {IMG}"}))  # fmt: skip
        s.add(Alert(key="event:1", channel="c1", channel_display="json://hooks.example.org/x", kind="new_event",
                    event_id=1, status="sent", attempts=1, sent_at=datetime.now(UTC)))  # fmt: skip
    yield url
    database_server.drop(url)


@pytest.fixture(scope="session")
def client(web_db: str) -> TestClient:
    return TestClient(create_app(web_db))
