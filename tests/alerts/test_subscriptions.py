"""Subscriptions end to end: users' own apprise URLs (real JSON webhook servers on 127.0.0.1)
hear about each new matching event exactly once, through repeated deliveries, new processes
and the scheduler's own jobs; digests come once a day; deleted subscriptions hear nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from newsmon.services import subscriptions as subs
from newsmon.services.alerts import deliver_pending, load_alerts_config
from newsmon.services.inputs import page_from_file
from newsmon.services.store import ArticleStore
from newsmon.services.users import add_user, set_disabled
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import Alert, Event
from tests.alerts.servers import WebhookSink
from tests.conftest import FIXTURES, PROJECT
from tests.e2e_helpers import newsmon

SEEDS = sorted((FIXTURES / "seeds").glob("0??_*.txt"))
PASSWORD = "correct horse 42"
SECRET = "hook-s3cr3t-9876"


def fresh_sessions(db: str):
    """A new engine and session factory: what a restarted process has."""
    engine = make_engine(db)
    upgrade(engine)
    return session_factory(engine)


def event_ids(sink: WebhookSink, path: str) -> list[int]:
    """The event ids of the immediate messages ``path`` received (one per message)."""
    return sorted(
        int(r["json"]["message"].rsplit("#", 1)[1])
        for r in sink.requests
        if r["path"] == "/" + path and "Daily digest" not in r["json"]["title"]
    )


def scheduler_jobs(db: str, env: dict[str, str]) -> None:
    """The scheduler's delivery and digest jobs, in a process of their own."""
    code = "import sys, scheduler; scheduler.alerts_job(sys.argv[1]); scheduler.digest_job(sys.argv[1])"
    result = subprocess.run([sys.executable, "-c", code, db], cwd=PROJECT, capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture
def hook():
    with WebhookSink() as sink:
        yield sink


def test_each_subscription_hears_of_each_matching_event_once_across_restarts(database_url, tmp_path, hook):
    db = database_url
    config = tmp_path / "alerts.yaml"
    config.write_text("window_days: 100000  # the seed articles are from 2023-2024\n", encoding="utf-8")
    env = {"NEWSMON_ALERTS": str(config)}  # no global channel: only the users' own URLs
    sessions = fresh_sessions(db)
    with session_scope(sessions) as s:
        lan = add_user(s, "lan", "analyst", PASSWORD).id
        minh = add_user(s, "minh", "analyst", PASSWORD).id
        bao = add_user(s, "bao", "analyst", PASSWORD).id
        trainings = subs.add_subscription(s, lan, "trainings", hook.url("lan", f"bot:{SECRET}")).id
        province = subs.add_subscription(s, minh, "province", hook.url("minh"), province="hoa binh").id
        saved = subs.add_saved_search(s, bao, "nhân quyền Phú Thọ", "nhan quyen", {"province": "Phu Tho"})
        searched = subs.add_subscription(s, bao, "search", hook.url("bao"), saved_search_id=saved.id).id
        subs.add_subscription(s, bao, "province", hook.url("none"), province="Cà Mau")  # nothing there
        digest = subs.add_subscription(s, minh, "trainings", hook.url("digest"), mode="digest").id
        deleted = subs.add_subscription(s, lan, "trainings", hook.url("deleted")).id

    # A new process ingests the seeds; the process ends before any delivery.
    result = newsmon(["ingest", "--no-deliver", *map(str, SEEDS)], db, env)
    assert result.returncode == 0, result.stderr
    assert hook.requests == []
    events = json.loads(newsmon(["events", "--format", "json", "--limit", "0"], db, env).stdout)
    held = [
        e
        for e in events
        if e["status"] == "held" and (e["date"] or any(a["published"] for a in e["articles"]))
    ]
    training_ids = sorted(e["id"] for e in held if e["type"] == "training_conference")
    phu_tho_ids = sorted(e["id"] for e in held if e["province_2025"] == "Phú Thọ")
    found = json.loads(newsmon(["search", "nhan quyen", "--province", "Phú Thọ", "--format", "json",
                                "--limit", "100"], db, env).stdout)  # fmt: skip
    searched_ids = sorted({h["event_id"] for h in found} & {e["id"] for e in held})
    assert len(training_ids) >= 2 and phu_tho_ids and searched_ids
    assert set(training_ids) & set(phu_tho_ids)  # one event that two users' subscriptions follow

    with session_scope(fresh_sessions(db)) as s:
        subs.delete_subscription(s, lan, deleted)  # its rows are left unsent
        with pytest.raises(subs.NotFound):
            subs.delete_subscription(s, minh, trainings)  # not minh's

    # Deliver, again, then in new processes: `newsmon alerts send` and the scheduler's jobs.
    alerts = load_alerts_config(config, env={})
    assert deliver_pending(fresh_sessions(db), alerts)["sent"] == len(training_ids) + len(phu_tho_ids) + len(
        searched_ids
    )
    assert deliver_pending(fresh_sessions(db), alerts) == {}
    assert newsmon(["alerts", "send"], db, env).returncode == 0
    scheduler_jobs(db, env)
    scheduler_jobs(db, env)

    assert event_ids(hook, "lan") == training_ids
    assert event_ids(hook, "minh") == phu_tho_ids
    assert event_ids(hook, "bao") == searched_ids
    assert event_ids(hook, "none") == [] and event_ids(hook, "deleted") == []
    digests = [r["json"] for r in hook.requests if r["path"] == "/digest"]
    assert len(digests) == 1 and f"Daily digest: {len(training_ids)}" in digests[0]["title"]
    assert digests[0]["message"].count("Sự kiện / Event:") == len(training_ids)
    assert all(f"newsmon event #{i}" in digests[0]["message"] for i in training_ids)
    lan_messages = [r for r in hook.requests if r["path"] == "/lan"]
    assert lan_messages[0]["auth"] == f"bot:{SECRET}"  # the real URL reached the receiver
    assert (
        "Following: mọi hội nghị tập huấn mới / every new training event"
        in lan_messages[0]["json"]["message"]
    )

    with session_scope(fresh_sessions(db)) as s:
        rows = list(s.scalars(select(Alert)))
        by_channel: dict[str, list[Alert]] = {}
        for r in rows:
            by_channel.setdefault(r.channel, []).append(r)
        assert {r.status for r in by_channel[f"sub:{deleted}"]} == {"skipped"}
        assert {r.last_error for r in by_channel[f"sub:{deleted}"]} == {"subscription deleted"}
        assert {r.status for r in by_channel[f"sub:{digest}"]} == {"digested", "sent"}
        for sub_id, expected in (
            (trainings, training_ids),
            (province, phu_tho_ids),
            (searched, searched_ids),
        ):
            assert sorted(r.event_id for r in by_channel[f"sub:{sub_id}"]) == expected
            assert {(r.status, r.attempts) for r in by_channel[f"sub:{sub_id}"]} == {("sent", 1)}
        assert all(SECRET not in (r.channel_display + (r.last_error or "")) for r in rows)
        assert "bot:****@127.0.0.1" in by_channel[f"sub:{trainings}"][0].channel_display
    listed = newsmon(["alerts", "list", "--format", "json", "--limit", "0"], db, env)
    assert SECRET not in listed.stdout + listed.stderr
    operator = newsmon(["subscriptions", "list", "--format", "json"], db, env)
    assert operator.returncode == 0, operator.stderr
    rows = {r["id"]: r for r in json.loads(operator.stdout)}
    assert deleted not in rows and len(rows) == 5 and SECRET not in operator.stdout
    assert (rows[trainings]["user"], rows[trainings]["url"]) == (
        "lan",
        f"json://bot:****@127.0.0.1:{hook.port}/lan",
    )
    assert rows[province]["province"] == "Phú Thọ" and rows[digest]["last_digest"]
    table = newsmon(["subscriptions", "list", "--user", "bao"], db, env)
    assert "2 subscription(s)" in table.stdout and SECRET not in table.stdout

    # A second ingest (the same reports again) adds nothing for anyone.
    before = len(hook.requests)
    assert newsmon(["ingest", "--replace", *map(str, SEEDS)], db, env).returncode == 0
    scheduler_jobs(db, env)
    assert len(hook.requests) == before


def test_subscriptions_alert_without_any_alerts_config_and_skip_disabled_users(database_url, hook):
    """A store with no alerts config at all (alerts.yaml absent) still queues the users'
    subscriptions; the default 7-day window applies (these seeds have no date: published now)."""
    sessions = fresh_sessions(database_url)
    with session_scope(sessions) as s:
        lan = add_user(s, "lan", "analyst", PASSWORD).id
        bao = add_user(s, "bao", "analyst", PASSWORD).id
        subs.add_subscription(s, lan, "province", hook.url("lan"), province="tra vinh")  # old name
        subs.add_subscription(s, bao, "province", hook.url("bao"), province="Vĩnh Long")  # its 2025 unit
        later = subs.add_subscription(s, bao, "trainings", hook.url("later"), mode="digest").id
    now = datetime.now(UTC)
    store = ArticleStore(sessions)  # no alerts config
    outcomes = [o for _p, o in store.ingest_all((page_from_file(p, None), now) for p in SEEDS)]
    with session_scope(sessions) as s:
        vinh_long = [e.id for e in s.scalars(select(Event).where(Event.province_2025 == "Vĩnh Long"))]
        set_disabled(s, "bao")
    assert len(vinh_long) == 1 and any(o.event_id == vinh_long[0] and o.event_created for o in outcomes)
    counts = deliver_pending(sessions, load_alerts_config(None, env={}))
    assert counts == {"sent": 1, "skipped": 1}
    assert event_ids(hook, "lan") == vinh_long and event_ids(hook, "bao") == []
    with session_scope(sessions) as s:
        skipped = s.scalar(select(Alert).where(Alert.status == "skipped"))
        assert skipped is not None and skipped.last_error == "user disabled"
    # The disabled user's digest is dropped, not sent later.
    assert subs.queue_subscription_digests(sessions, now + timedelta(days=1)) == 0
    with session_scope(sessions) as s:
        rows = list(s.scalars(select(Alert).where(Alert.channel == f"sub:{later}")))
        assert rows and {(r.status, r.last_error) for r in rows} == {("skipped", "user disabled")}


def test_validation_says_what_to_fix(database_url):
    with session_scope(fresh_sessions(database_url)) as s:
        lan = add_user(s, "lan", "analyst", PASSWORD).id
        minh = add_user(s, "minh", "analyst", PASSWORD).id
        saved = subs.add_saved_search(
            s, lan, "  tập   huấn ", "tap huan", {"province": "hoa binh", "since": "01/02/2024"}
        )
        assert (saved.name, saved.filters) == ("tập huấn", {"since": "2024-02-01", "province": "Hòa Bình"})
        cases = [
            (lambda: subs.add_saved_search(s, lan, "tập huấn", "x"), "already"),
            (lambda: subs.add_saved_search(s, lan, "x" * 101, "x"), "at most 100"),
            (lambda: subs.add_saved_search(s, lan, "", "x"), "give the search a name"),
            (lambda: subs.add_saved_search(s, lan, "a", "x", {"province": "Atlantis"}), "unknown province"),
            (lambda: subs.add_saved_search(s, lan, "a", "x", {"colour": "red"}), "unknown colour"),
            (lambda: subs.add_saved_search(s, lan, "a", "x", {"since": "tomorrow"}), "not a date"),
            (lambda: subs.add_saved_search(s, lan, "a", ""), "give some words or a filter"),
            (lambda: subs.add_subscription(s, lan, "province", "json://127.0.0.1/x", province="Atlantis"),
             "unknown province"),
            (lambda: subs.add_subscription(s, lan, "trainings", "json://127.0.0.1/x", mode="weekly"), "mode"),
            (lambda: subs.add_subscription(s, lan, "trainings", "nonsense://x"), "apprise cannot use"),
            (lambda: subs.add_subscription(s, lan, "trainings", ""), "give the apprise URL"),
            (lambda: subs.add_subscription(s, lan, "everything", "json://127.0.0.1/x"), "kind"),
            (lambda: subs.add_subscription(s, minh, "search", "json://127.0.0.1/x", saved_search_id=saved.id),
             "no saved search"),
        ]  # fmt: skip
        for make, message in cases:
            with pytest.raises(subs.SubscriptionError, match=message):
                make()
        sub = subs.add_subscription(s, lan, "province", "json://127.0.0.1/x", province="Hoa Binh")
        assert sub.province == "Phú Thọ"  # the 2025 unit
        sub2 = subs.add_subscription(s, lan, "search", "json://127.0.0.1/x", saved_search_id=saved.id)
        subs.delete_saved_search(s, lan, saved.id)
        assert [x.id for x in subs.list_subscriptions(s, lan)] == [sub.id] and sub2.id != sub.id
