"""`newsmon doctor` in a subprocess, as `make run` calls it: it passes in the test environment
and turns each broken part (database, a missing library, the registry, Redis, the data
directory, Chromium) into a FAIL line with its fix and exit status 1."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from storage.db import make_engine, upgrade
from tests.conftest import PROJECT
from tests.e2e_helpers import newsmon

SOURCES = PROJECT / "sources.yaml"
NAMES = [
    "trafilatura",
    "lxml_html_clean",
    "langdetect",
    "scrapy",
    "language profiles",
    "database",
    "redis",
    "sources",
    "alerts",
    "data directory",
    "chromium",
]
GOOD_SOURCE = """sources:
  - id: portal
    name: Portal
    kind: national
    homepage: https://portal.example.vn/
"""


def doctor(
    db_url: str, tmp_path: Path, *args: str, sources: Path = SOURCES, **env: str
) -> subprocess.CompletedProcess[str]:
    """Doctor with a data directory of its own and no Redis unless ``env`` gives one."""
    env = {"NEWSMON_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": "", **env}
    return newsmon(["doctor", *args], db_url, env, sources=sources, timeout=120)


def checks(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    report = json.loads(result.stdout)
    assert report["ok"] is (result.returncode == 0)
    return {c["name"]: c for c in report["checks"]}


def failed(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [name for name, c in checks(result).items() if c["status"] == "FAIL"]


def table_line(stdout: str, name: str) -> str:
    """The table row of one check (its first line when the row wraps)."""
    return next(line for line in stdout.splitlines() if re.match(rf"^│ {re.escape(name)}\s+│", line))


def test_doctor_passes_in_the_test_environment(database_url: str, tmp_path: Path) -> None:
    upgrade(make_engine(database_url))
    redis = os.environ.get("NEWSMON_TEST_REDIS_URL", "")
    result = doctor(database_url, tmp_path, "--format", "json", REDIS_URL=redis)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    found = checks(result)
    assert list(found) == NAMES
    assert {c["status"] for c in found.values()} <= {"ok", "warn"}
    assert found["database"]["status"] == "ok" and "newest revision" in found["database"]["detail"]
    assert found["language profiles"]["detail"] == "a Vietnamese sentence is detected as 'vi'"
    assert found["sources"]["status"] == "ok" and "sources.yaml" in found["sources"]["detail"]
    if redis:
        assert found["redis"]["status"] == "ok" and "answers" in found["redis"]["detail"]
    table = doctor(database_url, tmp_path, REDIS_URL=redis)
    assert table.returncode == 0
    assert "ok" in table_line(table.stdout, "trafilatura")
    assert re.search(r"^0 failed, \d+ warning\(s\), \d+ ok$", table.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://newsmon@127.0.0.1:1/x",  # nothing listens on port 1
        "postgresql://127.0.0.1:1/x",
        "sqlite:///{tmp}/a-file/newsmon.db",  # its "directory" is a file: cannot be created
        "not a url",
    ],
)
def test_broken_database_url_fails_with_the_fix(url: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    result = doctor(url.format(tmp=tmp_path), tmp_path, "--format", "json")
    assert result.returncode == 1
    assert failed(result) == ["database"]
    assert checks(result)["database"]["fix"].startswith("check DATABASE_URL / --database")


def test_broken_database_table_line_says_fail_and_the_fix(tmp_path: Path) -> None:
    table = doctor("postgresql+psycopg://newsmon@127.0.0.1:1/x", tmp_path)
    assert table.returncode == 1
    line = table_line(table.stdout, "database")
    assert "FAIL" in line and "check DATABASE_URL / --database" in line
    assert re.search(r"^1 failed, ", table.stdout, re.MULTILINE)


def test_missing_extra_names_the_pip_install(sqlite_url: str, tmp_path: Path) -> None:
    """lxml_html_clean gone (as with an older pip that skipped lxml's extra): both it and
    trafilatura, which imports it, FAIL; the line says what to install."""
    fake = tmp_path / "site"
    fake.mkdir()
    (fake / "lxml_html_clean.py").write_text('raise ImportError("No module named lxml_html_clean")\n')
    pythonpath = os.pathsep.join(p for p in (str(fake), os.environ.get("PYTHONPATH")) if p)
    result = doctor(sqlite_url, tmp_path, "--format", "json", PYTHONPATH=pythonpath)
    assert result.returncode == 1
    assert failed(result) == ["trafilatura", "lxml_html_clean"]
    missing = checks(result)["lxml_html_clean"]
    assert "cannot import lxml_html_clean" in missing["detail"]
    assert missing["fix"].startswith("pip install lxml_html_clean")
    table = doctor(sqlite_url, tmp_path, PYTHONPATH=pythonpath)
    assert table.returncode == 1
    line = table_line(table.stdout, "lxml_html_clean")
    assert "FAIL" in line and "pip install lxml_html_clean" in line


def test_bad_registry_fails_and_names_source_and_field(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_SOURCE.replace("https://portal.example.vn/", "ftp://portal.example.vn/"))
    result = doctor(sqlite_url, tmp_path, "--format", "json", sources=bad)
    assert result.returncode == 1
    assert failed(result) == ["sources"]
    found = checks(result)
    assert (
        "bad.yaml:5: source 'portal': homepage: invalid URL 'ftp://portal.example.vn/'"
        in found["sources"]["detail"]
    )
    assert "newsmon sources validate" in found["sources"]["fix"]
    assert found["chromium"]["status"] == "warn"  # cannot tell which sources need it
    table = doctor(sqlite_url, tmp_path, sources=bad)
    assert "FAIL" in table_line(table.stdout, "sources")


def test_unreachable_redis_unwritable_data_dir_and_missing_chromium(sqlite_url: str, tmp_path: Path) -> None:
    browser = tmp_path / "browser.yaml"
    browser.write_text(GOOD_SOURCE + "    request: {render: browser}\n")
    not_a_dir = tmp_path / "data-file"
    not_a_dir.write_text("")
    with socket.socket() as holder:  # bound, never listening: connections are refused
        holder.bind(("127.0.0.1", 0))
        redis = f"redis://:secret@127.0.0.1:{holder.getsockname()[1]}/0"
        result = doctor(sqlite_url, tmp_path, "--format", "json", sources=browser, REDIS_URL=redis,
                        NEWSMON_DATA_DIR=str(not_a_dir), NEWSMON_BROWSER=str(tmp_path / "no-chromium"))  # fmt: skip
    assert result.returncode == 1
    assert failed(result) == ["redis", "data directory", "chromium"]
    found = checks(result)
    assert "cannot reach Redis" in found["redis"]["detail"] and "secret" not in result.stdout
    assert "REDIS_URL" in found["redis"]["fix"]
    assert "NEWSMON_DATA_DIR" in found["data directory"]["fix"]
    assert found["chromium"]["detail"].startswith("portal: NEWSMON_BROWSER=")
    assert "apt-get install chromium" in found["chromium"]["fix"]
