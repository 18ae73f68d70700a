"""Sources that build their pages in JavaScript: fetch them through a real browser.

A source with ``request: {render: browser}`` has its HTML pages (homepage, listings,
articles) loaded by Chromium through scrapy-playwright; the DOM after the page's scripts ran
is what the spider parses. Feeds, sitemaps and robots.txt stay plain HTTP (XML needs no
browser, and a browser page costs a hundred times an HTTP request). Only the crawler of
such a source gets the browser download handler, so other crawls in the same process, and
every crawl of a deployment without a browser source, never start Chromium.

Which Chromium: the ``NEWSMON_BROWSER`` setting or environment variable (a path), else
``chromium``, ``chromium-browser`` or ``google-chrome`` on PATH (Debian's ``chromium``
package, which ``tests/services.sh`` installs).
"""

from __future__ import annotations

import os
import shutil

from scrapy import Request, Spider
from scrapy.settings import Settings

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# Kinds of request that are HTML pages; the others (feed, sitemap, robots) stay plain HTTP.
RENDERED_KINDS = frozenset({"home", "listing", "article", "prime"})
# Chromium in a container or as root: no sandbox, nothing phoning home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class BrowserMissing(RuntimeError):
    """No Chromium to render a ``render: browser`` source with."""


def browser_executable(settings: Settings) -> str:
    """The Chromium to launch; BrowserMissing says how to get one."""
    configured = settings.get("NEWSMON_BROWSER") or os.environ.get("NEWSMON_BROWSER")
    if configured:
        if not os.access(configured, os.X_OK):
            raise BrowserMissing(f"NEWSMON_BROWSER={configured} is not an executable file")
        return str(configured)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing(
        "this source has request: {render: browser} but no Chromium was found: install it "
        "(Debian: apt-get install chromium) or set NEWSMON_BROWSER to its path"
    )


def enable_browser(settings: Settings) -> None:
    """Give this crawler the browser download handler (call before the crawler starts)."""
    executable = browser_executable(settings)
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        raise BrowserMissing(
            "request: {render: browser} needs scrapy-playwright: pip install scrapy-playwright"
        ) from None
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": HANDLER, "https": HANDLER})
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="spider")
    launch = {"executable_path": executable, "headless": True, "args": list(CHROMIUM_ARGS)}
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")
    timeout_ms = int(settings.getfloat("DOWNLOAD_TIMEOUT", 30) * 1000)
    settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, priority="spider")
    # a browser page is heavy: a few at a time, whatever CONCURRENT_REQUESTS says
    settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", settings.getint("NEWSMON_BROWSER_PAGES", 4), "spider")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares[f"{__name__}.BrowserRenderMiddleware"] = 540
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")


class BrowserRenderMiddleware:
    """Mark the HTML requests of a browser-rendered source for scrapy-playwright."""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("newsmon_kind") in RENDERED_KINDS and "playwright" not in request.meta:
            request.meta["playwright"] = True
            # lists filled in by fetch()/XHR after the load event: wait until the network is idle
            request.meta.setdefault("playwright_page_goto_kwargs", {"wait_until": "networkidle"})
        return None
