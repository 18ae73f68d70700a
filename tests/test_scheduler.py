"""The scheduler with second-scale intervals against the sample sites: several crawls,
never two of one source at once, every run recorded; kill -9 and restart catch up once."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites
from pipeline.sources import load_registry
from scheduler import JobSpec, build_scheduler, reconcile
from tests.conftest import PROJECT
from tests.e2e_helpers import SAMPLE_SOURCES, runs


@pytest.fixture(scope="module")
def sites():
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as server:
        yield server


def fast_registry(
    tmp_path: Path, every: str = "4s", ids: tuple[str, ...] = ("sample-thanhhoa", "sample-hoabinh")
) -> Path:
    data = yaml.safe_load(SAMPLE_SOURCES.read_text(encoding="utf-8"))
    data["sources"] = [s for s in data["sources"] if s["id"] in ids]
    for source in data["sources"]:
        source["schedule"] = {"every": every, "jitter": "0s"}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start_scheduler(db_url: str, registry: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {**os.environ, **env, "NEWSMON_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(registry), "schedule",
         "--max-concurrent", "2", "--timeout", "60"],
        cwd=PROJECT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def wait_for_runs(db_url: str, count: int, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [r for r in runs(db_url) if r.status != "running"]
        if len(done) >= count:
            return done
        time.sleep(0.5)
    raise AssertionError(
        f"fewer than {count} finished runs after {timeout}s: {[(r.source_id, r.status) for r in runs(db_url)]}"
    )


def assert_no_overlap(all_runs: list) -> None:
    by_source: dict[str, list] = {}
    for run in all_runs:
        by_source.setdefault(run.source_id, []).append(run)
    for source_runs in by_source.values():
        ordered = sorted(source_runs, key=lambda r: r.started_at)
        for before, after in itertools.pairwise(ordered):
            assert before.finished_at is not None and before.finished_at <= after.started_at, (
                f"two runs of {before.source_id} at once: {before.id} and {after.id}"
            )


def test_jobs_are_reconciled_with_the_registry(database_url, tmp_path: Path):
    db_url = database_url
    from storage.db import make_engine, upgrade

    upgrade(make_engine(db_url))
    registry = load_registry(fast_registry(tmp_path), env={})
    scheduler = build_scheduler(db_url)
    scheduler.start(paused=True)
    try:
        first = reconcile(scheduler, registry, db_url, "s.yaml", 60)
        assert sorted(first["added"]) == ["crawl:sample-hoabinh", "crawl:sample-thanhhoa"]
        maintenance = {"maintenance:alerts", "maintenance:health", "maintenance:digest"}
        assert maintenance <= {j.id for j in scheduler.get_jobs()}
        again = reconcile(scheduler, registry, db_url, "s.yaml", 60)
        assert (
            sorted(again["kept"]) == ["crawl:sample-hoabinh", "crawl:sample-thanhhoa"] and not again["added"]
        )
        changed = load_registry(fast_registry(tmp_path, every="9s", ids=("sample-thanhhoa",)), env={})
        result = reconcile(scheduler, changed, db_url, "s.yaml", 60)
        assert result["changed"] == ["crawl:sample-thanhhoa"] and result["removed"] == [
            "crawl:sample-hoabinh"
        ]
        [job] = [j for j in scheduler.get_jobs() if j.id.startswith("crawl:")]
        assert job.name == JobSpec.for_source(changed.sources[0]).name
        assert job.max_instances == 1 and job.coalesce
    finally:
        scheduler.shutdown(wait=False)


def test_scheduled_crawls_never_overlap_and_survive_kill_9(database_url, sites, tmp_path: Path):
    from storage.db import make_engine, upgrade

    db_url = database_url
    upgrade(make_engine(db_url))
    registry = fast_registry(tmp_path)
    proc = start_scheduler(db_url, registry, sites.env())
    try:
        first = wait_for_runs(db_url, 4, timeout=90)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the scheduler and any crawl it started
        proc.wait(timeout=10)
    assert {r.source_id for r in first} == {"sample-thanhhoa", "sample-hoabinh"}
    before = len(runs(db_url))
    proc = start_scheduler(db_url, registry, sites.env())
    try:
        wait_for_runs(db_url, before + 2, timeout=90)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    final = runs(db_url)
    assert all(r.status in ("finished", "interrupted") for r in final), [(r.id, r.status) for r in final]
    assert all(r.trigger == "scheduler" for r in final)
    # the run killed with the scheduler is marked interrupted by the next crawl of that host
    assert_no_overlap([r for r in final if r.status == "finished"])
    assert sum(r.articles_new for r in final) >= 19  # both sites fully crawled once


def test_a_live_crawl_of_the_source_is_not_started_twice(database_url):
    import socket

    from scheduler import crawl_job
    from storage import repository as repo
    from storage.db import make_engine, session_factory, session_scope, upgrade

    db_url = database_url
    engine = make_engine(db_url)
    upgrade(engine)
    with session_scope(session_factory(engine)) as session:  # a crawl by a live process: this one
        repo.start_crawl_run(session, "sample-thanhhoa", hostname=socket.gethostname(), pid=os.getpid())
    started = time.monotonic()
    assert crawl_job("sample-thanhhoa", db_url, str(SAMPLE_SOURCES), timeout=60) == -1
    assert time.monotonic() - started < 10
    assert len(runs(db_url)) == 1
