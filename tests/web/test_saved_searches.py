"""Saved searches and subscriptions on the web: the API (each user's own, validation that says
what to fix, masked URLs), the forms (CSRF-checked), and the whole flow in Chromium: log in,
search, save the search, subscribe to it, see both on /searches."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsmon.web.app import create_app
from tests.conftest import PROJECT, DatabaseServer
from tests.test_seed_events import SEEDS
from tests.web.conftest import serve_process
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, need_chromium

PASSWORD = "correct horse 42"
SECRET = "hook-s3cr3t-5150"


def cli(db: str, *args: str, stdin: str | None = None) -> None:
    result = subprocess.run([sys.executable, "-m", "newsmon", "--database", db, *args], input=stdin,
                            capture_output=True, text=True, cwd=PROJECT, timeout=240)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def saved_db(tmp_path_factory: pytest.TempPathFactory, database_server: DatabaseServer) -> Iterator[str]:
    """The seed pages and two users (a database of its own: users make every page need a login)."""
    tmp: Path = tmp_path_factory.mktemp("saved")
    url = database_server.new("saved", tmp)
    cli(url, "ingest", "--no-deliver", *map(str, SEEDS))
    for name in ("lan", "minh"):
        cli(url, "users", "add", name, "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n")
    yield url
    database_server.drop(url)


@pytest.fixture(scope="module")
def app(saved_db: str):
    return create_app(saved_db)


def basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def test_api_each_user_their_own_with_messages_that_say_what_to_fix(app) -> None:
    client = TestClient(app)
    lan, minh = basic("lan"), basic("minh")
    assert client.get("/api/searches").status_code == 401  # anonymous
    assert client.post("/api/searches", json={"name": "x", "query": "y"}).status_code == 401

    made = client.post("/api/searches", headers=lan,
                       json={"name": "Tập huấn Hòa Bình", "query": "tap huan", "filters": {"province": "hoa binh"}})  # fmt: skip
    assert made.status_code == 201, made.text
    saved = made.json()
    assert saved["filters"] == {"province": "Hòa Bình"}
    assert saved["link"] == "/?q=tap+huan&province=H%C3%B2a+B%C3%ACnh"
    assert [s["name"] for s in client.get("/api/searches", headers=lan).json()] == ["Tập huấn Hòa Bình"]

    bad = [
        ({"name": "Tập huấn Hòa Bình", "query": "x"}, "already"),
        ({"name": "y", "query": "x", "filters": {"province": "Atlantis"}}, "unknown province"),
        ({"name": "y", "query": "x", "filters": {"colour": "red"}}, "unknown colour"),
        ({"name": "y" * 101, "query": "x"}, "at most 100"),
        ({"name": "y", "query": "x", "extra": 1}, "extra"),
        ({"query": "x"}, "name"),
    ]
    for body, message in bad:
        answer = client.post("/api/searches", headers=lan, json=body)
        assert answer.status_code == 422 and message in answer.json()["detail"], (body, answer.text)
    not_json = client.post("/api/searches", headers=lan, content=b"name=x", params={})
    assert not_json.status_code == 415

    sub = client.post("/api/subscriptions", headers=lan, json={
        "kind": "search", "saved_search_id": saved["id"], "url": f"json://bot:{SECRET}@127.0.0.1:9/hook",
        "mode": "digest"})  # fmt: skip
    assert sub.status_code == 201, sub.text
    assert sub.json()["url"] == "json://bot:****@127.0.0.1:9/hook" and SECRET not in sub.text
    province = client.post("/api/subscriptions", headers=lan,
                           json={"kind": "province", "province": "tra vinh", "url": "json://127.0.0.1:9/p"})  # fmt: skip
    assert province.status_code == 201 and province.json()["province"] == "Vĩnh Long"
    for body, message in [
        ({"kind": "trainings", "url": "nonsense://x"}, "apprise cannot use"),
        ({"kind": "trainings", "url": "json://127.0.0.1:9/x", "mode": "weekly"}, "mode"),
        ({"kind": "province", "url": "json://127.0.0.1:9/x", "province": "Atlantis"}, "unknown province"),
        ({"kind": "everything", "url": "json://127.0.0.1:9/x"}, "kind"),
    ]:
        answer = client.post("/api/subscriptions", headers=lan, json=body)
        assert answer.status_code == 422 and message in answer.json()["detail"], (body, answer.text)
    listed = client.get("/api/subscriptions", headers=lan)
    assert [s["kind"] for s in listed.json()] == ["search", "province"] and SECRET not in listed.text

    # Another user sees none of it and can change none of it.
    assert client.get("/api/searches", headers=minh).json() == []
    assert client.get("/api/subscriptions", headers=minh).json() == []
    assert client.delete(f"/api/searches/{saved['id']}", headers=minh).status_code == 404
    assert client.delete(f"/api/subscriptions/{sub.json()['id']}", headers=minh).status_code == 404
    theirs = client.post("/api/subscriptions", headers=minh,
                         json={"kind": "search", "saved_search_id": saved["id"], "url": "json://127.0.0.1:9/x"})  # fmt: skip
    assert theirs.status_code == 422 and "no saved search" in theirs.json()["detail"]

    assert client.delete(f"/api/subscriptions/{province.json()['id']}", headers=lan).status_code == 204
    assert client.delete(f"/api/subscriptions/{province.json()['id']}", headers=lan).status_code == 404
    assert (
        client.delete(f"/api/searches/{saved['id']}", headers=lan).status_code == 204
    )  # and its subscription
    assert client.get("/api/searches", headers=lan).json() == []
    assert client.get("/api/subscriptions", headers=lan).json() == []


def _login(client: TestClient, name: str) -> str:
    """Log in through the form; the CSRF token the pages' forms carry."""
    form = client.get("/login")
    csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf}).status_code == 303
    page = client.get("/searches")
    assert page.status_code == 200
    return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_page_forms_need_the_csrf_token(app) -> None:
    client = TestClient(app, follow_redirects=False)
    assert client.get("/searches").status_code == 401  # the login form
    csrf = _login(client, "minh")
    search = client.get("/", params={"q": "quyen con nguoi", "province": "Vinh Long"})
    assert 'action="/searches"' in search.text and 'name="province" value="Vinh Long"' in search.text
    fields = {"name": "Quyền con người", "q": "quyen con nguoi", "province": "Vinh Long"}
    assert client.post("/searches", data=fields).status_code == 403  # no token
    assert client.post("/searches", data={**fields, "csrf": "0" * 64}).status_code == 403
    assert (
        client.post(
            "/searches", data={**fields, "csrf": csrf}, headers={"Origin": "http://evil.example"}
        ).status_code
        == 403
    )
    assert "Quyền con người" not in client.get("/searches").text
    saved = client.post("/searches", data={**fields, "csrf": csrf})
    assert saved.status_code == 303 and saved.headers["location"] == "/searches"
    again = client.post("/searches", data={**fields, "csrf": csrf})
    assert again.status_code == 422 and "already" in again.text
    bad_url = client.post("/subscriptions", data={"csrf": csrf, "kind": "trainings", "url": "nonsense://x",
                                                  "mode": "immediate"})  # fmt: skip
    assert bad_url.status_code == 422 and "apprise cannot use" in bad_url.text
    page = client.get("/searches")
    assert "/?q=quyen+con+nguoi&amp;province=V%C4%A9nh+Long" in page.text  # reruns the search (2025 unit)
    search_id = page.text.split('action="/searches/', 1)[1].split("/", 1)[0]
    assert client.post(f"/searches/{search_id}/delete", data={"csrf": "wrong"}).status_code == 403
    assert client.post(f"/searches/{search_id}/delete", data={"csrf": csrf}).status_code == 303
    assert "Quyền con người" not in client.get("/searches").text


def test_save_a_search_and_subscribe_in_chromium(saved_db: str) -> None:
    need_chromium()
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with serve_process(saved_db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(url + "login", wait_until="load")
            page.fill("input[name=name]", "lan")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form.login button")
            page.fill("form.search input[name=q]", "tap huan thong tin doi ngoai")
            with page.expect_navigation():
                page.click("form.search button[type=submit]")
            assert page.locator("li.hit").count() >= 1
            page.fill("form.save-search input[name=name]", "Tập huấn đối ngoại")
            with page.expect_navigation():
                page.click("form.save-search button[type=submit]")
            assert page.url == url + "searches"
            rerun = page.locator("tr.saved-search a.rerun")
            assert rerun.inner_text() == "Tập huấn đối ngoại"
            assert page.locator("header nav a.active").inner_text() == "Saved"

            page.check("form.subscribe input[name=kind][value=search]")
            page.select_option("form.subscribe select[name=saved_search_id]", label="Tập huấn đối ngoại")
            page.fill("form.subscribe input[name=url]", f"json://bot:{SECRET}@127.0.0.1:9/hook")
            page.check("form.subscribe input[name=mode][value=digest]")
            with page.expect_navigation():
                page.click("form.subscribe button[type=submit]")
            row = page.locator("tr.subscription")
            assert row.count() == 1
            assert "Tập huấn đối ngoại" in row.locator("td.follows").inner_text()
            assert row.locator("td.url").inner_text() == "json://bot:****@127.0.0.1:9/hook"
            assert row.locator("td.mode").inner_text() == "daily digest"
            assert SECRET not in page.content()

            with page.expect_navigation():
                rerun.click()
            assert page.locator("form.search input[name=q]").input_value() == "tap huan thong tin doi ngoai"
            assert page.locator("li.hit").count() >= 1
        finally:
            browser.close()
    assert not problems, problems
