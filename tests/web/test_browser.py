"""The web UI in a real browser: `newsmon serve` as its own process over the demo database,
driven by headless Chromium (Debian's, through Playwright; no browser download). An analyst
searches, sees marked hits, opens an event and sees its reports; the page loads nothing from
any host but the server's, and the browser reports no error (a CSP violation would be one)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import serve_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = "install Debian's chromium (tests/services.sh does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def server(web_db: str):
    """`newsmon serve --port 0` as a subprocess; yields the URL it prints."""
    with serve_process(web_db) as url:
        yield url


def test_search_then_open_an_event_in_chromium(server: str):
    need_chromium()
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(server, wait_until="load")
            assert page.locator("header nav a.active").inner_text() == "Search"
            page.fill("input[name=q]", "tap huan thong tin doi ngoai")
            with page.expect_navigation():
                page.click("form.search button[type=submit]")
            assert "q=tap+huan" in page.url
            hits = page.locator("li.hit")
            assert hits.count() >= 5
            assert page.locator("li.hit p.snippet mark").count() >= 5
            assert "result" in page.locator("p.count").inner_text()
            event_link = page.locator("li.hit .meta a[href^='/events/']").first
            with page.expect_navigation():
                event_link.click()
            assert urlsplit(page.url).path.startswith("/events/")
            reports = page.locator("table.reports tbody tr")
            assert reports.count() >= 1
            assert page.locator("table.reports a[href^='/articles/']").count() == reports.count()
            assert page.locator("svg circle.dot").count() >= 1  # the timeline, drawn by the server
            # Styled by our own stylesheet (the CSP allows nothing else).
            assert page.eval_on_selector("header.top", "e => getComputedStyle(e).display") == "flex"
        finally:
            browser.close()
    hosts = {urlsplit(u).hostname for u in requested}
    assert requested and hosts == {"127.0.0.1"}, hosts
    assert not problems, problems
