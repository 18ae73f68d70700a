"""Users: `newsmon users`, the API's Basic and token logins, the login form with its CSRF
check, and `newsmon serve` as a process (anonymous 401, the user's credentials 200)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from newsmon.web.app import create_app
from newsmon.web.user_auth import CSRF_COOKIE, SESSION_COOKIE
from storage.db import make_engine, upgrade
from tests.conftest import PROJECT
from tests.web.conftest import serve_process
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, need_chromium

PASSWORD = "correct horse 42"


def users_cli(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmon", "--database", db, "users", *args], input=stdin,
                          capture_output=True, text=True, cwd=PROJECT, timeout=120)  # fmt: skip


@pytest.fixture
def db(database_url: str) -> str:
    upgrade(make_engine(database_url))
    return database_url


def _basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def _all_text(url: str) -> str:
    """Every value in every table, as text: where a plain password would show."""
    engine = make_engine(url)
    parts = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            parts += [repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
    return "\n".join(parts)


def test_cli_manages_users_without_keeping_the_password(db: str) -> None:
    added = users_cli(db, "add", "lan", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert (
        users_cli(db, "add", "minh", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n").returncode
        == 0
    )
    listed = json.loads(users_cli(db, "list", "--format", "json").stdout)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [
        ("lan", "analyst", False),
        ("minh", "admin", False),
    ]
    stored = _all_text(db)
    assert PASSWORD not in stored and "$argon2id$" in stored

    again = users_cli(db, "add", "lan", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "exists already" in again.stderr
    short = users_cli(db, "add", "bao", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    bad = users_cli(db, "add", "Bad Name", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad.returncode == 2 and "bad user name" in bad.stderr
    missing = users_cli(db, "disable", "nobody")
    assert missing.returncode == 2 and "no user 'nobody'" in missing.stderr
    assert users_cli(db, "disable", "minh").returncode == 0
    assert json.loads(users_cli(db, "list", "--format", "json").stdout)[1]["disabled"] is True


def test_api_needs_a_login_once_a_user_exists(db: str) -> None:
    client = TestClient(create_app(db), follow_redirects=False)
    assert client.get("/api/events").status_code == 200  # no users: open, as before
    users_cli(db, "add", "lan", "--password-stdin", stdin=PASSWORD + "\n")
    time.sleep(1.1)  # the app rechecks whether users exist once a second
    anonymous = client.get("/api/events")
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["www-authenticate"]
    assert client.get("/api/events", headers=_basic("lan", PASSWORD)).status_code == 200
    assert client.get("/api/events", headers=_basic("lan", PASSWORD)).status_code == 200  # remembered
    assert client.get("/api/events", headers=_basic("lan", "wrong password")).status_code == 401
    assert client.get("/api/events", headers=_basic("nobody", PASSWORD)).status_code == 401
    assert client.get("/api/events", headers={"Authorization": "Basic !!notbase64"}).status_code == 401
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert client.get("/").status_code == 401  # a page: the login form, no browser pop-up
    assert "Basic" not in client.get("/").headers["www-authenticate"]

    token = users_cli(db, "token", "lan").stdout.strip()
    assert token.startswith("nm_") and token not in _all_text(db)
    assert client.get("/api/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/events", headers={"Authorization": "Bearer nm_forged"}).status_code == 401

    users_cli(db, "passwd", "lan", "--password-stdin", stdin="a new password 7\n")
    assert client.get("/api/events", headers=_basic("lan", PASSWORD)).status_code == 401  # despite the memo
    assert client.get("/api/events", headers=_basic("lan", "a new password 7")).status_code == 200
    users_cli(db, "disable", "lan")
    assert client.get("/api/events", headers=_basic("lan", "a new password 7")).status_code == 401
    assert client.get("/api/events", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _login(client: TestClient, name: str, password: str, **extra: str) -> object:
    form = client.get("/login")
    csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf, **extra})


def test_login_form_session_and_csrf(db: str) -> None:
    users_cli(db, "add", "lan", "--password-stdin", stdin=PASSWORD + "\n")
    client = TestClient(create_app(db), follow_redirects=False)
    assert client.get("/").status_code == 401
    wrong = _login(client, "lan", "not it")
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text

    # No CSRF field, a forged one, or another site's Origin: refused, no session.
    assert client.post("/login", data={"name": "lan", "password": PASSWORD}).status_code == 403
    forged = client.post("/login", data={"name": "lan", "password": PASSWORD, "csrf": "0" * 64})
    assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies
    csrf = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    other_site = client.post("/login", data={"name": "lan", "password": PASSWORD, "csrf": csrf},
                             headers={"Origin": "http://evil.example"})  # fmt: skip
    assert other_site.status_code == 403

    ok = _login(client, "lan", PASSWORD, next="//evil.example/x")
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # never off-site
    cookie = ok.headers["set-cookie"]
    assert (
        SESSION_COOKIE in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("Strict", "strict")
    )
    assert PASSWORD not in cookie
    page = client.get("/")
    assert page.status_code == 200 and "lan (analyst)" in page.text and 'action="/logout"' in page.text
    assert client.get("/api/events").status_code == 200  # the session works for the API too

    genuine = client.cookies.get(SESSION_COOKIE)
    tampered = genuine[:-1] + ("1" if genuine.endswith("0") else "0")  # another last hex digit
    assert (
        TestClient(create_app(db), cookies={SESSION_COOKIE: tampered}).get("/api/events").status_code == 401
    )

    logout_csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
    out = client.post("/logout", data={"csrf": logout_csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.delete(SESSION_COOKIE)
    assert client.get("/api/events").status_code == 401
    assert CSRF_COOKIE in client.cookies


def test_changed_password_ends_sessions(db: str) -> None:
    users_cli(db, "add", "lan", "--password-stdin", stdin=PASSWORD + "\n")
    client = TestClient(create_app(db), follow_redirects=False)
    assert _login(client, "lan", PASSWORD).status_code == 303
    assert client.get("/api/events").status_code == 200
    users_cli(db, "passwd", "lan", "--password-stdin", stdin="another password\n")
    assert client.get("/api/events").status_code == 401


@pytest.fixture
def served(db: str) -> Iterator[str]:
    users_cli(db, "add", "lan", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n")
    with serve_process(db) as url:
        yield url


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_process_answers_401_then_200(served: str) -> None:
    assert _status(served + "api/events") == 401
    assert _status(served + "api/events", _basic("lan", PASSWORD)) == 200
    assert _status(served + "api/events", _basic("lan", "wrong password")) == 401
    assert _status(served + "healthz") == 200


def test_login_in_chromium(served: str) -> None:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(served + "events", wait_until="load")
            page.fill("input[name=name]", "lan")
            page.fill("input[name=password]", "wrong password")
            with page.expect_navigation():
                page.click("form.login button")
            assert page.locator("p.error").inner_text() == "wrong name or password"
            page.fill("input[name=name]", "lan")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login button")
            page.wait_for_url(served + "events")
            assert page.locator("form.logout .who").inner_text() == "lan (analyst)"
            page.click("form.logout button")
            page.wait_for_url(served + "login")
            page.goto(served + "events", wait_until="load")
            assert page.locator("form.login").count() == 1
        finally:
            browser.close()


def test_healthz_reports_a_dead_database() -> None:
    client = TestClient(create_app("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "error"


def test_guessing_passwords_is_bounded(db: str) -> None:
    users_cli(db, "add", "lan", "--password-stdin", stdin=PASSWORD + "\n")
    client = TestClient(create_app(db), follow_redirects=False)
    for _ in range(10):
        assert _login(client, "lan", "guess").status_code == 401
    blocked = _login(client, "lan", PASSWORD)  # even the right password, until the window passes
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "too many failed logins" in blocked.text and SESSION_COOKIE not in blocked.cookies
    api = client.get("/api/events", headers=_basic("lan", PASSWORD))
    assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    # Another installation's limiter (a restart) starts afresh; the right password works there.
    assert TestClient(create_app(db)).get("/api/events", headers=_basic("lan", PASSWORD)).status_code == 200
