"""Alerts config, retries with backoff, and secrets never shown (real webhook servers)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from newsmon.services.alerts import (
    STALE_SENDING,
    AlertsConfigError,
    deliver_pending,
    load_alerts_config,
    queue_message,
)
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import Alert, utcnow
from tests.alerts.servers import WebhookSink
from tests.conftest import FIXTURES
from tests.e2e_helpers import newsmon

SEEDS = sorted((FIXTURES / "seeds").glob("0??_*.txt"))
SECRET = "s3cr3t-T0ken-4242"


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return session_factory(engine)


def test_defaults_without_a_file_alert_on_training_conferences(tmp_path):
    config = load_alerts_config(tmp_path / "absent.yaml", env={})
    assert config.window_days == 7
    assert config.rules[0].type == ["training_conference"]
    assert set(config.rules[0].topics) == {"external_information", "human_rights"}
    assert config.channels == [] and config.operator == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("window_days: soon\n", "window_days: Input should be a valid number"),
        ("rules:\n  - {type: training_conference, colour: red}\n", "rules.0.colour: Extra inputs"),
        (
            "channels: ['json://${NOPE_UNSET_VAR}@127.0.0.1/x']\n",
            "channels[0]: environment variable NOPE_UNSET_VAR",
        ),
        ("channels: ['nonsense://x']\n", "channels[0]: not a valid apprise URL"),
        ("retry: {max_attempts: 0}\n", "retry.max_attempts: Input should be greater than or equal to 1"),
        ("rules: [\n", "line 2 not valid YAML"),
    ],
)
def test_a_bad_config_is_one_line_naming_file_and_field(tmp_path, text, expected):
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AlertsConfigError) as info:
        load_alerts_config(path, env={})
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)) and expected in message, message


@pytest.mark.one_backend  # a config error, before any query
def test_bad_config_in_the_cli_is_one_line_exit_2(database_url, tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text("channels: 5\n", encoding="utf-8")
    result = newsmon(["alerts", "list"], database_url, {"NEWSMON_ALERTS": str(path)})
    assert result.returncode == 2
    assert f"{path}: channels: Input should be a valid list" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_channels_from_the_environment_with_secrets_masked(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text("channels: ['json://bot:${HOOK_TOKEN}@127.0.0.1:9/a']\n", encoding="utf-8")
    env = {"HOOK_TOKEN": SECRET}
    config = load_alerts_config(path, "jsons://127.0.0.1:9/b, tgram://123456789:AAbbCCddEEffGG/4242", env=env)
    assert len(config.channels) == 3
    for channel in config.channels:
        assert SECRET not in channel.display and "AAbbCCddEEffGG" not in channel.display
        assert SECRET not in channel.id
        assert SECRET not in repr(channel)
    assert config.channels[0].display.startswith("json://bot:")
    text = f"failed to post to {config.channels[0].url}: token {SECRET} rejected"
    assert SECRET not in config.redact(text)
    assert "AAbbCCddEEffGG" not in config.redact("bot 123456789:AAbbCCddEEffGG unauthorised")
    inline = load_alerts_config(None, "mailtos://bob:hunter2pw@mail.example.org?to=a@example.org", env={})
    assert "hunter2pw" not in inline.channels[0].display + inline.redact("login bob:hunter2pw refused")
    # The id holds no secret and survives a password change.
    rotated = load_alerts_config(path, env={"HOOK_TOKEN": "another-one"})
    assert rotated.channels[0].id == config.channels[0].id


def test_a_failing_channel_is_retried_with_backoff_then_failed_while_others_get_theirs(
    tmp_path, sessions, caplog
):
    with WebhookSink(status=500) as broken, WebhookSink() as working:
        path = tmp_path / "alerts.yaml"
        path.write_text(
            f"retry: {{max_attempts: 3, backoff_seconds: 60}}\nchannels:\n"
            f"  - 'json://bot:${{HOOK_TOKEN}}@127.0.0.1:{broken.port}/hook'\n  - '{working.url()}'\n",
            encoding="utf-8",
        )
        config = load_alerts_config(path, env={"HOOK_TOKEN": SECRET})
        with session_scope(sessions) as session:
            queue_message(session, "test:1", "test", config.channels, "Tiêu đề", "Nội dung")
            assert queue_message(session, "test:1", "test", config.channels, "again", "again") == 0
        now = utcnow()
        caplog.set_level(logging.DEBUG)
        assert deliver_pending(sessions, config, now) == {"sent": 1, "retry": 1}
        assert len(working.requests) == 1 and len(broken.requests) == 1
        assert broken.requests[0]["auth"] == f"bot:{SECRET}"  # the real secret reached the server
        # Not due yet: the backoff holds the retry back.
        assert deliver_pending(sessions, config, now + timedelta(seconds=30)) == {}
        assert deliver_pending(sessions, config, now + timedelta(seconds=61)) == {"retry": 1}
        # The second backoff is twice the first.
        assert deliver_pending(sessions, config, now + timedelta(seconds=61 + 100)) == {}
        assert deliver_pending(sessions, config, now + timedelta(seconds=61 + 121)) == {"failed": 1}
        assert deliver_pending(sessions, config, now + timedelta(days=1)) == {}
        assert len(broken.requests) == 3 and len(working.requests) == 1
        with session_scope(sessions) as session:
            rows = {r.channel_display: r for r in session.scalars(select(Alert))}
        failed = next(r for r in rows.values() if r.status == "failed")
        assert failed.attempts == 3 and "500" in (failed.last_error or "")
        assert any(r.status == "sent" for r in rows.values())
        assert any("failed after 3 attempts" in r.getMessage() for r in caplog.records)
        assert SECRET not in caplog.text
        assert all(SECRET not in (r.last_error or "") + r.channel_display for r in rows.values())


@pytest.mark.one_backend  # masking happens before storage
def test_alerts_test_and_list_never_show_a_secret(database_url, tmp_path):
    with WebhookSink(status=500) as broken, WebhookSink() as working:
        path = tmp_path / "alerts.yaml"
        path.write_text(
            "retry: {max_attempts: 1}\nchannels:\n"
            f"  - 'json://bot:${{HOOK_TOKEN}}@127.0.0.1:{broken.port}/hook'\n",
            encoding="utf-8",
        )
        env = {"NEWSMON_ALERTS": str(path), "HOOK_TOKEN": SECRET, "NEWSMON_OPERATOR_URLS": working.url("ops")}
        db = database_url
        tested = newsmon(["-vv", "alerts", "test"], db, env)
        assert tested.returncode == 1
        assert "failed" in tested.stdout and "ok" in tested.stdout
        assert len(broken.requests) == 1 and len(working.requests) == 1
        assert "Test message" in working.requests[0]["json"]["title"]
        engine = make_engine(db)
        upgrade(engine)
        config = load_alerts_config(path, env={"HOOK_TOKEN": SECRET})
        with session_scope(session_factory(engine)) as session:
            queue_message(session, "test:x", "test", config.channels, "t", "b")
        sent = newsmon(["-vv", "alerts", "send"], db, env)
        assert "1 failed" in sent.stdout
        listed = newsmon(["alerts", "list"], db, env)
        listed_json = newsmon(["alerts", "list", "--format", "json", "--status", "failed"], db, env)
        assert "failed" in listed.stdout and "500" in listed_json.stdout
        for result in (tested, sent, listed, listed_json):
            assert SECRET not in result.stdout + result.stderr
        assert "bot:****@127.0.0.1" in listed_json.stdout


def test_alerts_test_without_channels_is_a_usage_error(database_url, tmp_path: Path):
    result = newsmon(["alerts", "test"], database_url, {"NEWSMON_ALERTS": str(tmp_path / "no.yaml")})
    assert result.returncode == 2 and "no alert channel configured" in result.stderr


def test_a_row_left_sending_by_a_killed_sender_is_sent_later(tmp_path, sessions):
    with WebhookSink() as hook:
        config = load_alerts_config(None, hook.url(), env={})
        with session_scope(sessions) as session:
            queue_message(session, "test:2", "test", config.channels, "t", "b")
            session.execute(update(Alert).values(status="sending", next_attempt_at=utcnow()))
        assert deliver_pending(sessions, config) == {}  # maybe still being sent by a live sender
        assert deliver_pending(sessions, config, utcnow() + STALE_SENDING + timedelta(seconds=1)) == {
            "sent": 1
        }
        assert len(hook.requests) == 1


def test_daily_digest_lists_the_days_events_once(database_url, tmp_path):
    with WebhookSink() as hook:
        path = tmp_path / "alerts.yaml"
        path.write_text(f"window_days: 100000\ndigest: true\nchannels: ['{hook.url()}']\n", encoding="utf-8")
        env = {"NEWSMON_ALERTS": str(path)}
        db = database_url
        assert newsmon(["ingest", *map(str, SEEDS)], db, env).returncode == 0
        assert hook.requests == []  # digest mode: no alert per event
        for _ in range(2):
            result = newsmon(["alerts", "digest"], db, env)
            assert result.returncode == 0, result.stderr
        assert len(hook.requests) == 1
        digest = hook.requests[0]["json"]
        assert "Daily digest: 3" in digest["title"]
        assert digest["message"].count("Sự kiện / Event:") == 3 and "2023-12-07" in digest["message"]
