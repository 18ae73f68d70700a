"""Alerts end to end, with a real SMTP server and a real JSON webhook server on 127.0.0.1:
one mail and one webhook per new event, never twice, nothing lost when delivery is cut off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites
from storage.db import make_engine, session_factory, session_scope
from storage.models import Alert
from tests.alerts.servers import SMTPSink, WebhookSink
from tests.conftest import FIXTURES
from tests.e2e_helpers import crawl, newsmon

SEEDS = sorted((FIXTURES / "seeds").glob("0??_*.txt"))
WIDE = "window_days: 100000  # the sample articles are from 2023-2025\n"


def write_config(tmp_path: Path, *channels: str, extra: str = WIDE) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(extra + "channels:\n" + "".join(f"  - '{c}'\n" for c in channels), encoding="utf-8")
    return path


def alerting_events(db: str, env: dict[str, str]) -> list[dict]:
    """Held training conferences on the default topics that have a date to count the window from
    (a planned one, announced by a plan, alerts only when its report comes)."""
    events = json.loads(newsmon(["events", "--format", "json", "--limit", "0"], db, env).stdout)
    return [
        e for e in events
        if e["type"] == "training_conference"
        and e["status"] == "held"
        and {"external_information", "human_rights"} & set(e["topics"])
        and (e["date"] or any(a["published"] for a in e["articles"]))
    ]  # fmt: skip


def alert_rows(db: str) -> list[Alert]:
    with session_scope(session_factory(make_engine(db))) as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


@pytest.fixture
def receivers():
    with SMTPSink() as smtp, WebhookSink() as hook:
        yield smtp, hook


def test_ingest_sends_one_mail_and_one_webhook_per_new_event_and_never_again(
    database_url, tmp_path, receivers
):
    smtp, hook = receivers
    env = {"NEWSMON_ALERTS": str(write_config(tmp_path, smtp.url(), hook.url()))}
    db = database_url
    result = newsmon(["ingest", *map(str, SEEDS)], db, env)
    assert result.returncode == 0, result.stderr
    events = alerting_events(db, env)
    assert len(events) >= 3
    assert len(smtp.messages) == len(events)
    assert len(hook.requests) == len(events)
    # Each event once per channel, and the message carries the event.
    titles = sorted(r["json"]["title"] for r in hook.requests)
    assert len(set(titles)) == len(events)
    by_id = {e["id"]: e for e in events}
    for request in hook.requests:
        message = request["json"]["message"]
        event = by_id[int(message.rsplit("#", 1)[1])]
        assert event["title"] in message
        assert all(a["url"] in message for a in event["articles"])
        if event["date"]:
            assert f"Ngày tổ chức / Date held: {event['date']}" in message
        if event["province"]:
            assert event["province"] in message and event["province_2025"] in message
    mail = next(b for b in smtp.bodies() if "2023-12-07" in b)
    assert "Hòa Bình" in mail and "Phú Thọ" in mail and "Participants: 280" in mail
    assert "file://" in mail  # the link to the report
    # A second ingest (another report of known events) and a send: nothing more.
    assert newsmon(["ingest", "--replace", *map(str, SEEDS)], db, env).returncode == 0
    assert newsmon(["alerts", "send"], db, env).returncode == 0
    assert (len(smtp.messages), len(hook.requests)) == (len(events), len(events))
    assert all(a.status == "sent" and a.attempts == 1 for a in alert_rows(db))


def test_alerts_cut_off_before_delivery_are_sent_exactly_once_later(database_url, tmp_path, receivers):
    smtp, hook = receivers
    env = {"NEWSMON_ALERTS": str(write_config(tmp_path, smtp.url(), hook.url()))}
    db = database_url
    # The process ends right after the events are committed, before any delivery.
    assert newsmon(["ingest", "--no-deliver", *map(str, SEEDS)], db, env).returncode == 0
    assert smtp.messages == [] and hook.requests == []
    pending = alert_rows(db)
    events = alerting_events(db, env)
    assert len(pending) == 2 * len(events) and all(a.status == "pending" for a in pending)
    listed = json.loads(newsmon(["alerts", "list", "--format", "json"], db, env).stdout)
    assert {a["status"] for a in listed} == {"pending"}
    first = newsmon(["alerts", "send"], db, env)
    assert first.returncode == 0, first.stderr
    assert f"{2 * len(events)} sent" in first.stdout
    second = newsmon(["alerts", "send"], db, env)
    assert "0 sent" in second.stdout
    assert len(smtp.messages) == len(events) and len(hook.requests) == len(events)


def test_old_events_outside_the_window_do_not_alert(database_url, tmp_path, receivers):
    smtp, hook = receivers
    env = {"NEWSMON_ALERTS": str(write_config(tmp_path, smtp.url(), hook.url(), extra=""))}  # default: 7 days
    db = database_url
    assert newsmon(["ingest", *map(str, SEEDS)], db, env).returncode == 0
    assert len(alerting_events(db, env)) >= 3
    assert hook.requests == [] and smtp.messages == [] and alert_rows(db) == []


@pytest.mark.one_backend  # rules are matched in Python; the other e2e tests cover the database
@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            "- {type: training_conference, provinces: ['phu tho']}",  # the 2025 name, no accents
            lambda e: "Phú Thọ" in (e["province"], e["province_2025"]),
        ),
        ("- {provinces: ['Hòa Bình']}", lambda e: e["province"] == "Hòa Bình"),  # the old name
        ("- {keywords: ['TAP HUAN']}", lambda e: True),
        ("- {type: seminar}", lambda e: False),
    ],
)
def test_rules_by_type_province_and_keyword(database_url, tmp_path, receivers, rules, expected):
    _, hook = receivers
    env = {
        "NEWSMON_ALERTS": str(write_config(tmp_path, hook.url(), extra=WIDE + "rules:\n  " + rules + "\n"))
    }
    db = database_url
    assert newsmon(["ingest", *map(str, SEEDS)], db, env).returncode == 0
    events = alerting_events(db, env)
    alerted = sorted(int(r["json"]["message"].rsplit("#", 1)[1]) for r in hook.requests)
    assert alerted == sorted(e["id"] for e in events if expected(e))


@pytest.fixture(scope="module")
def sites():
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as server:
        yield server


def test_crawl_of_the_sample_sites_alerts_once_per_new_training_conference(
    database_url, tmp_path, sites, receivers
):
    smtp, hook = receivers
    env = {**sites.env(), "NEWSMON_ALERTS": str(write_config(tmp_path, smtp.url(), hook.url()))}
    db = database_url
    sites.clear_faults()
    crawl(db, env)
    events = alerting_events(db, env)
    assert len(events) >= 3
    assert len(smtp.messages) == len(events)
    assert len(hook.requests) == len(events)
    assert len({r["json"]["title"] for r in hook.requests}) == len(events)
    crawl(db, env)
    assert len(smtp.messages) == len(events) and len(hook.requests) == len(events)
