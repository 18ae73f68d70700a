"""Corrections over the web: the JSON API (a user's Basic login), the page forms (CSRF), and
Chromium driving `newsmon serve`: a field correction, a merge and a split, each shown on the
event page with its history, and still there after `newsmon reprocess`."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsmon.web.app import create_app
from tests.conftest import DatabaseServer
from tests.test_seed_events import SEEDS
from tests.web.conftest import newsmon, serve_process
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, need_chromium
from tests.web.test_users import PASSWORD, users_cli


def _basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


LAN = _basic("lan", PASSWORD)


@pytest.fixture
def db(database_server: DatabaseServer, tmp_path: Path) -> Iterator[str]:
    url = database_server.new("corrections_web", tmp_path)
    newsmon(url, "ingest", *map(str, SEEDS), "--no-deliver")
    assert (
        users_cli(
            url, "add", "lan", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n"
        ).returncode
        == 0
    )
    yield url
    database_server.drop(url)


def _events(client: TestClient) -> list[dict]:
    return client.get("/api/events", headers=LAN, params={"limit": 100}).json()["events"]


def test_api_corrections_with_history(db: str) -> None:
    client = TestClient(create_app(db), follow_redirects=False)
    events = sorted(_events(client), key=lambda e: e["id"])
    first, second = events[0]["id"], events[1]["id"]
    assert client.post(f"/api/events/{first}/fields", json={"participants": 80}).status_code == 401

    done = client.post(f"/api/events/{first}/fields", headers=LAN,
                       json={"participants": 80, "province": "Thua Thien Hue", "note": "from the photo caption"})  # fmt: skip
    assert done.status_code == 200, done.text
    assert [c["field"] for c in done.json()["corrections"]] == ["province", "participants"]
    detail = client.get(f"/api/events/{first}", headers=LAN).json()
    assert (detail["participants"], detail["province"], detail["province_2025"]) == (
        80,
        "Thừa Thiên Huế",
        "Huế",
    )
    by_field = {f["field"]: f for f in detail["provenance"]}
    assert by_field["participants"]["corrected_by"] == "lan"
    assert [(c["by"], c["note"]) for c in detail["corrections"]] == [("lan", "from the photo caption")] * 2

    bad = client.post(f"/api/events/{first}/fields", headers=LAN, json={"date_held": "07/12/2024"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]
    unknown = client.post(f"/api/events/{first}/fields", headers=LAN, json={"venue": "x"})
    assert unknown.status_code == 422 and "venue" in unknown.json()["detail"]
    assert client.post("/api/events/999999/merge", headers=LAN, json={"into": first}).status_code == 404

    merged = client.post(f"/api/events/{second}/merge", headers=LAN, json={"into": first})
    assert merged.status_code == 200 and merged.json()["event_id"] == min(first, second)
    survivor = client.get(f"/api/events/{min(first, second)}", headers=LAN).json()
    assert len(survivor["articles"]) == 2
    assert client.get(f"/api/events/{max(first, second)}", headers=LAN).status_code == 404

    article = survivor["articles"][-1]["id"]
    split = client.post(f"/api/events/{survivor['id']}/split", headers=LAN, json={"article_id": article})
    assert split.status_code == 200
    own = split.json()["event_id"]
    assert own != survivor["id"] and [
        a["id"] for a in client.get(f"/api/events/{own}", headers=LAN).json()["articles"]
    ] == [article]

    verdict = client.post(f"/api/articles/{article}/verdict", headers=LAN, json={"training": False})
    assert verdict.status_code == 200 and verdict.json()["event_id"] is None
    shown = client.get(f"/api/articles/{article}", headers=LAN).json()
    assert shown["event_type"] == "other" and shown["classification"]["verdict"]["by"] == "lan"
    assert [c["kind"] for c in shown["corrections"]] == ["merge", "split", "verdict"]
    kinds = [c["kind"] for c in client.get("/api/corrections", headers=LAN).json()]
    assert kinds == ["field", "field", "merge", "split", "verdict"]

    # The shared-token mode (no user) cannot correct: a correction says who made it.
    token = {"Authorization": "Bearer t0ken"}
    token_only = TestClient(create_app(db, token="t0ken"))
    assert token_only.get(f"/api/events/{survivor['id']}", headers=token).status_code == 200
    refused = token_only.post(f"/api/events/{survivor['id']}/fields", headers=token, json={"participants": 5})
    assert refused.status_code == 403 and "users add" in refused.json()["detail"]
    # A page form without its CSRF token is refused, whoever sends it.
    form = client.post(f"/events/{survivor['id']}/fields", headers=LAN, data={"participants": "5"})
    assert form.status_code == 403 and "expired" in form.text


def test_corrections_in_chromium_survive_reprocess(db: str) -> None:
    need_chromium()
    from playwright.sync_api import sync_playwright

    events = sorted(_events(TestClient(create_app(db))), key=lambda e: e["id"])
    first, second, third = (e["id"] for e in events[:3])
    with serve_process(db) as served, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(served + f"events/{first}", wait_until="load")
            page.fill("input[name=name]", "lan")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login button")
            page.wait_for_url(served + f"events/{first}")

            # A correction: the date held and the number of participants.
            page.fill("#correct-fields input[name=date_held]", "2024-10-05")
            page.fill("#correct-fields input[name=participants]", "95")
            page.fill("#correct-fields input[name=note]", "checked with the organiser")
            page.click("#correct-fields button")
            page.wait_for_url(served + f"events/{first}#corrections")
            assert "05/10/2024" in page.locator("p.meta").first.inner_text()
            history = page.locator("table.history").inner_text()
            assert (
                "date held" in history
                and "participants" in history
                and "checked with the organiser" in history
            )
            assert page.locator(".tag.corrected").count() == 2

            # A merge: the second event into the first.
            page.goto(served + f"events/{second}", wait_until="load")
            page.fill("#merge input[name=into]", str(first))
            page.click("#merge button")
            page.wait_for_url(served + f"events/{first}#corrections")
            assert page.locator("table.reports tbody tr").count() == 2
            assert "merged events" in page.locator("table.history").inner_text()

            # A split: the third event's report is merged in, then split out again.
            page.goto(served + f"events/{third}", wait_until="load")
            page.fill("#merge input[name=into]", str(first))
            page.click("#merge button")
            page.wait_for_url(served + f"events/{first}#corrections")
            assert page.locator("table.reports tbody tr").count() == 3
            page.locator("table.reports tbody tr").last.locator("button").click()
            page.wait_for_load_state("load")
            assert "split" in page.locator("table.history").inner_text()
            page.goto(served + f"events/{first}", wait_until="load")
            assert page.locator("table.reports tbody tr").count() == 2
        finally:
            browser.close()

    before = _shape(db)
    newsmon(db, "reprocess")
    after = _shape(db)
    assert after == before
    assert after[first] == (2, "2024-10-05", 95)


def _shape(db: str) -> dict[int, tuple[int, str | None, int | None]]:
    client = TestClient(create_app(db))
    return {e["id"]: (e["reports"], e["date_held"], e["participants"]) for e in _events(client)}
