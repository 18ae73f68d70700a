"""Running real crawls of the sample sites in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from newsmon.sample_sites import FAST_SETTINGS, SOURCES
from storage.db import make_engine, session_factory, session_scope
from storage.models import Article, CrawlRun
from tests.conftest import PROJECT

SAMPLE_SOURCES = SOURCES
FAST = FAST_SETTINGS


def newsmon(
    args: list[str], db_url: str, env: dict[str, str], sources: Path = SAMPLE_SOURCES, timeout: int = 240
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env, "NEWSMON_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(sources), *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=full_env,
        timeout=timeout,
    )


def free_port_base(count: int = 4) -> int:
    """A port N with N to N+count-1 all free on 127.0.0.1, below Linux's ephemeral range (so no
    outgoing connection takes one meanwhile): a test must not need 8471-8474 to be free."""
    import random
    import socket

    for _ in range(200):
        base = random.randrange(20000, 30000)
        held: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                held.append(socket.socket())
                held[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports found on 127.0.0.1")


def crawl(
    db_url: str, env: dict[str, str], *extra: str, sources: Path = SAMPLE_SOURCES
) -> list[dict[str, Any]]:
    args = ["crawl", "--all", "--format", "json"]
    for setting in FAST:
        args += ["--set", setting]
    result = newsmon([*args, *extra], db_url, env, sources)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def articles(db_url: str) -> list[Article]:
    with session_scope(session_factory(make_engine(db_url))) as session:
        return list(session.scalars(select(Article).order_by(Article.id)))


def runs(db_url: str) -> list[CrawlRun]:
    with session_scope(session_factory(make_engine(db_url))) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
