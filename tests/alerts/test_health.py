"""Source health: a failing sample source shows in `sources status` and the operator hears
about it once, through a real webhook server; thresholds and recovery in-process."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites
from newsmon.services.alerts import deliver_pending, load_alerts_config
from newsmon.services.health import check_health, find_problems
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import utcnow
from tests.alerts.servers import WebhookSink
from tests.e2e_helpers import FAST, newsmon


def test_a_failing_sample_source_shows_in_status_and_alerts_the_operator_once(database_url, tmp_path):
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites, WebhookSink() as hook:
        config = tmp_path / "alerts.yaml"
        config.write_text("health: {failed_runs: 2}\n", encoding="utf-8")
        env = {**sites.env(), "NEWSMON_ALERTS": str(config), "NEWSMON_OPERATOR_URLS": hook.url("ops")}
        db = database_url
        args = ["crawl", "sample-thanhhoa"] + [a for s in FAST for a in ("--set", s)]
        assert newsmon(args, db, env).returncode == 0  # a working first crawl confirms the source
        sites.set_fault("thanhhoa", "*", "status", code=500)
        for _ in range(2):
            result = newsmon(args, db, env)
            assert result.returncode == 0, result.stderr[-2000:]
        status = json.loads(newsmon(["sources", "status", "--format", "json"], db, env).stdout)
        row = next(r for r in status if r["source"] == "sample-thanhhoa")
        assert row["last_runs"] == ["failed", "failed", "finished"]
        assert (row["failed_runs"], row["runs"]) == (2, 3) and row["run_error_rate"] == pytest.approx(0.667)
        assert row["last_success"] is not None and row["fetch_errors"] > 0 and row["fetch_error_rate"] > 0
        assert row["discovery"] == "failing" and row["confirmed_at"] is not None
        table = newsmon(["sources", "status"], db, env)
        assert "sample-thanhhoa" in table.stdout and "2/3 (67%)" in table.stdout
        for _ in range(2):
            checked = newsmon(["sources", "check-health"], db, env)
            assert checked.returncode == 0, checked.stderr
            assert "sample-thanhhoa: failing" in checked.stdout
        assert len(hook.requests) == 1
        message = hook.requests[0]["json"]
        assert "sample-thanhhoa" in message["title"] and "failed" in message["message"]
        listed = json.loads(newsmon(["alerts", "list", "--format", "json"], db, env).stdout)
        assert [(a["kind"], a["source_id"], a["status"]) for a in listed] == [
            ("health", "sample-thanhhoa", "sent")
        ]


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return session_factory(engine)


def _page(session, n: int, status: str, fetched) -> None:
    page_id, _ = repo.save_page(session, canonical_url=f"http://127.0.0.1/p{n}", url=f"http://127.0.0.1/p{n}",
                                body=b"<html></html>", source_id="s", fetched_at=fetched)  # fmt: skip
    repo.mark_page(session, page_id, status)


def test_extraction_drop_alerts_once_and_a_recovered_source_can_alert_again(tmp_path, sessions):
    with WebhookSink() as hook:
        config = load_alerts_config(None, operator_urls=hook.url("ops"), env={})
        now = utcnow()
        with session_scope(sessions) as session:
            run = repo.start_crawl_run(session, "s")
            repo.finish_crawl_run(session, run, status="finished")
            for n in range(10):  # a month of good pages, then a week of failures
                _page(session, n, "ok", now - timedelta(days=20, hours=n))
            for n in range(10, 16):
                _page(session, n, "failed", now - timedelta(days=1, hours=n))
            repo.upsert_article(session, "http://127.0.0.1/a", url="http://127.0.0.1/a", source_id="s",
                                text="x", content_hash="h")  # fmt: skip
            kinds = [p.kind for p in find_problems(session, "s", config, now)]
        assert kinds == ["extraction"]
        for _ in range(2):
            check_health(sessions, ["s"], config, now)
            deliver_pending(sessions, config, now)
        assert len(hook.requests) == 1
        assert "template" in hook.requests[0]["json"]["message"]
        # The template is fixed: pages extract again, the problem closes...
        with session_scope(sessions) as session:
            for n in range(16, 40):
                _page(session, n, "ok", now - timedelta(hours=n - 15))
        assert check_health(sessions, ["s"], config, now) == []
        # ... and a later breakage is a new problem, reported again.
        later = now + timedelta(days=2)
        with session_scope(sessions) as session:
            for n in range(40, 100):
                _page(session, n, "error", now + timedelta(minutes=n))
        assert [p.kind for p in check_health(sessions, ["s"], config, later)] == ["extraction"]
        deliver_pending(sessions, config, later)
        assert len(hook.requests) == 2


def test_a_new_source_that_fails_alerts_once_and_is_confirmed_when_it_works(database_url, tmp_path):
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites, WebhookSink() as hook:
        env = {**sites.env(), "NEWSMON_OPERATOR_URLS": hook.url("ops")}
        db = database_url
        args = ["crawl", "sample-hoabinh"] + [a for s in FAST for a in ("--set", s)]

        def state() -> dict:
            rows = json.loads(newsmon(["sources", "status", "--format", "json"], db, env).stdout)
            return next(r for r in rows if r["source"] == "sample-hoabinh")

        assert state()["discovery"] == "unconfirmed"
        sites.set_fault("hoabinh", "*", "status", code=503)
        assert newsmon(args, db, env).returncode == 0
        assert state()["discovery"] == "failing"
        for _ in range(2):  # the default config waits for 3 failed crawls; a new source does not
            checked = newsmon(["sources", "check-health"], db, env)
            assert checked.returncode == 0, checked.stderr
            assert "sample-hoabinh: discovery" in checked.stdout
        assert len(hook.requests) == 1
        assert "sample-hoabinh" in hook.requests[0]["json"]["title"]
        sites.clear_faults()
        assert newsmon(args, db, env).returncode == 0
        row = state()
        assert row["discovery"] == "confirmed" and row["confirmed_at"] is not None
        checked = newsmon(["sources", "check-health"], db, env)
        assert "sample-hoabinh" not in checked.stdout
        assert len(hook.requests) == 1


def test_a_source_with_nothing_new_for_days_is_silent(sessions):
    config = load_alerts_config(None, env={})
    now = utcnow()
    with session_scope(sessions) as session:
        run = repo.start_crawl_run(session, "s")
        repo.finish_crawl_run(session, run, status="finished", pages_stored=3)
        assert find_problems(session, "s", config, now) == []
        problems = find_problems(session, "s", config, now + timedelta(days=8))
    assert [p.kind for p in problems] == ["silent"]
