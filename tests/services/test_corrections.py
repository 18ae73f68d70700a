"""Analysts' corrections: recorded with who/when/old/new, applied at once, and applied again by
``newsmon reprocess`` (which runs the rules over the stored pages afresh).

The database is the seed reports run through the real pipeline (`newsmon ingest`): five
training reports, five events."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from newsmon.services import correct
from newsmon.services.correct import CorrectionError, Who
from pipeline.evaluate.cases import load_cases
from storage.db import make_engine, session_factory, session_scope
from storage.models import Article, Correction, Event
from tests.conftest import PROJECT, DatabaseServer
from tests.test_seed_events import SEEDS

LAN = Who(None, "lan")


def newsmon(db: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "newsmon", "--database", db, *args], capture_output=True,
                            text=True, cwd=PROJECT, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture
def seeded(database_server: DatabaseServer, tmp_path: Path):
    url = database_server.new("corrections", tmp_path)
    newsmon(url, "ingest", *map(str, SEEDS), "--no-deliver")
    yield url, session_factory(make_engine(url))
    database_server.drop(url)


def _articles(session) -> list[Article]:
    return list(session.scalars(select(Article).order_by(Article.id)))


def _state(sessions) -> dict[str, object]:
    """What an analyst sees: each article's type and the set of events (as groups of article ids)."""
    with session_scope(sessions) as s:
        arts = _articles(s)
        groups: dict[int, set[int]] = {}
        for a in arts:
            if a.event_id:
                groups.setdefault(a.event_id, set()).add(a.id)
        return {"types": {a.id: a.event_type for a in arts},
                "groups": sorted(sorted(g) for g in groups.values())}  # fmt: skip


def test_corrections_are_applied_and_survive_reprocess(seeded, tmp_path):
    url, sessions = seeded
    with session_scope(sessions) as s:
        a1, a2, a3, a4, _ = (a.id for a in _articles(s))
        event4 = s.get(Article, a4).event_id
        assert len({a.event_id for a in _articles(s)}) == 5  # the rules: five separate trainings
    with session_scope(sessions) as s:
        correct.mark_training(s, LAN, a3, False, note="a notice, not a report")
        correct.merge_events(s, LAN, s.get(Article, a2).event_id, s.get(Article, a1).event_id)
        changes = {"date_held": "2024-09-30", "province": "Hoa Binh", "participants": "120",
                   "organizers": "Sở Văn hóa; Công an tỉnh"}  # fmt: skip
        made = correct.edit_event(s, LAN, event4, changes)
        assert [c.field for c in made] == ["date_held", "province", "participants", "organizers"]
    with session_scope(sessions) as s:
        event = s.get(Event, event4)
        assert (
            event.date_held,
            event.province,
            event.province_2025,
            event.participants,
            event.organizers,
        ) == (date(2024, 9, 30), "Hòa Bình", "Phú Thọ", 120, ["Sở Văn hóa", "Công an tỉnh"])
        assert (
            event.provenance["date_held"]["by"] == "lan"
            and event.provenance["date_held"]["rules"] != "2024-09-30"
        )
        history = correct.event_history(s, event)
        assert [h["field"] for h in history] == ["date_held", "province", "participants", "organizers"]
        assert (
            history[0]["old"] == event.provenance["date_held"]["rules"] and history[0]["new"] == "2024-09-30"
        )
    before = _state(sessions)
    assert before["types"][a3] == "other"
    assert [a1, a2] in before["groups"] and not any(a3 in g for g in before["groups"])

    newsmon(url, "reprocess")
    assert _state(sessions) == before
    exported = {
        row["id"]: row
        for row in map(json.loads, newsmon(url, "export", "events", "--format", "jsonl").splitlines())
    }
    assert exported[event4]["participants"] == 120 and exported[event4]["date"] == "2024-09-30"
    assert any(line.split(": ", 1)[1].startswith("participants ") and line.endswith(" -> 120")
               for line in exported[event4]["corrections"])  # fmt: skip
    with session_scope(sessions) as s:
        event = s.get(Article, a4).event_id and s.get(Event, s.get(Article, a4).event_id)
        assert event.date_held == date(2024, 9, 30) and event.participants == 120
        assert s.get(Article, a3).classification["type"] == "training_conference"  # the rules' verdict stays
        assert s.get(Article, a3).classification["verdict"]["training"] is False

    # Split one report back out: it gets an event of its own, kept through a reprocess too.
    with session_scope(sessions) as s:
        merged = s.get(Article, a1).event_id
        correct.split_article(s, LAN, merged, a2)
    after_split = _state(sessions)
    assert [a1] in after_split["groups"] and [a2] in after_split["groups"]
    newsmon(url, "reprocess")
    assert _state(sessions) == after_split
    # And the verdict back to "training": the article gets its event again.
    with session_scope(sessions) as s:
        correct.mark_training(s, LAN, a3, True)
    assert _state(sessions)["types"][a3] == "training_conference"
    with session_scope(sessions) as s:
        kinds = [c.kind for c in s.scalars(select(Correction).order_by(Correction.id))]
        assert kinds == ["verdict", "merge", "field", "field", "field", "field", "split", "verdict"]

    # The rules scored against the analysts, and the corrected articles as labelled cases.
    cases = tmp_path / "corrected.yaml"
    scores = json.loads(
        newsmon(url, "eval", "--corrections", "--format", "json", "--export-cases", str(cases))
    )
    assert (scores["verdicts"], scores["true_positive"], scores["precision"], scores["recall"]) == (
        1,
        1,
        1.0,
        1.0,
    )
    assert {k: v["checked"] for k, v in scores["fields"].items()} == dict.fromkeys(
        ["date_held", "province", "participants", "organizers"], 1
    )
    assert scores["field_accuracy"]["date_held"] == 0.0 and (scores["merges"], scores["splits"]) == (1, 1)
    loaded = {c.id: c for c in load_cases([cases])}
    assert sorted(loaded) == [f"corrected-{i}" for i in (a1, a2, a3, a4)]  # every article a correction names
    corrected = next(c for c in loaded.values() if c.event and c.event["date"] == "2024-09-30")
    assert corrected.event["participants"] == 120 and corrected.event["province_2025"] == "Phú Thọ"


def test_bad_corrections_say_what_to_fix(seeded):
    _, sessions = seeded
    with session_scope(sessions) as s:
        a1, a2 = (a.id for a in _articles(s)[:2])
        e1, e2 = s.get(Article, a1).event_id, s.get(Article, a2).event_id
        for changes, message in [({"date_held": "30/9/2024"}, "YYYY-MM-DD"), ({"province": "Atlantis"}, "province"),
                                 ({"participants": "many"}, "whole number"), ({"venue": "x"}, "cannot be corrected")]:  # fmt: skip
            with pytest.raises(CorrectionError, match=message):
                correct.edit_event(s, LAN, e1, changes)
        with pytest.raises(CorrectionError, match="itself"):
            correct.merge_events(s, LAN, e1, e1)
        with pytest.raises(CorrectionError, match="only report"):
            correct.split_article(s, LAN, e1, a1)
        with pytest.raises(CorrectionError, match="not a report"):
            correct.split_article(s, LAN, e1, a2)
        with pytest.raises(correct.NotFound):
            correct.merge_events(s, LAN, e1, 999_999)
        assert (
            correct.edit_event(s, LAN, e2, {"province": s.get(Event, e2).province}) == []
        )  # no change, no record
        assert s.scalars(select(Correction)).first() is None


def test_a_verdict_that_makes_a_training_alerts_subscribers(seeded, tmp_path):
    from newsmon.services.alerts import load_alerts_config
    from newsmon.services.subscriptions import add_subscription
    from newsmon.services.users import add_user
    from storage.models import Alert

    _, sessions = seeded
    config_file = tmp_path / "alerts.yaml"
    config_file.write_text("window_days: 100000\n", encoding="utf-8")  # the seeds are from 2023-2024
    alerts = load_alerts_config(config_file, env={})
    with session_scope(sessions) as s:
        user = add_user(s, "lan", "analyst", "a long password 1")
        add_subscription(s, user.id, "trainings", "json://127.0.0.1:9/hook")
        a3 = next(a.id for a in _articles(s) if a.published_at)  # an undated event never alerts
        correct.mark_training(s, LAN, a3, False, alerts=alerts)
        assert s.scalars(select(Alert)).all() == []  # no event, nothing to tell
        correct.mark_training(s, LAN, a3, True, alerts=alerts)
    with session_scope(sessions) as s:
        rows = s.scalars(select(Alert)).all()
        event_id = s.get(Article, a3).event_id
        assert [(r.key, r.channel.startswith("sub:")) for r in rows] == [(f"event:{event_id}", True)]
