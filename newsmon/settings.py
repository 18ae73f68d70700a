"""Scrapy settings for newsmon, and the one place that reads newsmon's environment.

Environment variables:
  DATABASE_URL          database (default: SQLite file ``newsmon.db`` in NEWSMON_DATA_DIR)
  NEWSMON_DATA_DIR      data directory (default: ``data`` in the current directory)
  NEWSMON_SOURCES       source registry (default: ``sources.yaml`` in the project directory)
  NEWSMON_CONTACT_URL   contact URL sent in the User-Agent
  NEWSMON_LOG_LEVEL     log level (default INFO)
  NEWSMON_EXTRACT_WORKERS  processes for extraction during a crawl (default ``auto``: one per core;
                        0: in the crawl's threads)
  NEWSMON_ALERTS        alert rules and channels (default: ``alerts.yaml`` in the project directory)
  NEWSMON_ALERT_URLS    alert channel URLs (apprise), comma or space separated, added to the file's
  NEWSMON_OPERATOR_URLS source-health channel URLs for the operator, added to the file's
  NEWSMON_WEB_TOKEN     token required by `newsmon serve` (Bearer header, or ?token= once)
  NEWSMON_WEB_USER      HTTP basic auth for `newsmon serve`, with NEWSMON_WEB_PASSWORD
  REDIS_URL             shared Redis for distributed crawls (newsmon worker, crawl --distributed)
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent  # the checkout: sources.yaml, alerts.yaml, scrapy.cfg
VERSION = "0.1.0"

# --- newsmon ------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("NEWSMON_DATA_DIR") or "data")
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'newsmon.db'}"
NEWSMON_SOURCES = os.environ.get("NEWSMON_SOURCES") or str(PROJECT_DIR / "sources.yaml")
NEWSMON_SAMPLE_SOURCES = str(PACKAGE_DIR / "sample_sites" / "sources.yaml")
NEWSMON_CONTACT_URL = os.environ.get("NEWSMON_CONTACT_URL") or "https://github.com/newsmon/newsmon#crawler"
NEWSMON_ALERTS = os.environ.get("NEWSMON_ALERTS") or str(PROJECT_DIR / "alerts.yaml")
NEWSMON_ALERT_URLS = os.environ.get("NEWSMON_ALERT_URLS", "")
NEWSMON_OPERATOR_URLS = os.environ.get("NEWSMON_OPERATOR_URLS", "")
# `newsmon serve`: a token (Bearer, or ?token= once) and/or HTTP basic auth; unset: no login.
NEWSMON_WEB_TOKEN = os.environ.get("NEWSMON_WEB_TOKEN") or None
NEWSMON_WEB_USER = os.environ.get("NEWSMON_WEB_USER") or None
NEWSMON_WEB_PASSWORD = os.environ.get("NEWSMON_WEB_PASSWORD") or None
NEWSMON_ALERTS_DELIVER = True  # send pending alerts when a crawl ends (False: leave them to `alerts send`)
NEWSMON_TRIGGER = "cli"
NEWSMON_RETRY_AFTER_MAX = 600  # seconds; longer Retry-After waits give up until the next crawl
NEWSMON_RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each attempt
NEWSMON_RETRY_BACKOFF_MAX = 120.0

# --- distributed crawling (newsmon/crawl/distributed.py; scrapy-redis setting names) ----------
# With REDIS_URL, `newsmon worker` processes share one request queue and one duplicate
# filter per source; `newsmon crawl --distributed` and the scheduler enqueue crawls there.
# The queue always persists (a stopping worker leaves its share to the others).
REDIS_URL = os.environ.get("REDIS_URL", "")
SCHEDULER_QUEUE_KEY = "newsmon:%(source)s:requests"
SCHEDULER_DUPEFILTER_KEY = "newsmon:%(source)s:dupefilter"
NEWSMON_WORKER_TICK = 1.0  # seconds between a worker's looks at the queue when idle
# Processes for the pages' CPU work during a crawl (newsmon.services.page_pool): "auto" is one
# per core; 0 keeps it in the crawl's own threads.
NEWSMON_EXTRACT_WORKERS = os.environ.get("NEWSMON_EXTRACT_WORKERS") or "auto"

# --- Scrapy -------------------------------------------------------------------
BOT_NAME = "newsmon"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# A real browser-compatible UA that says who we are and how to reach us.
USER_AGENT = f"Mozilla/5.0 (compatible; newsmon/{VERSION}; +{NEWSMON_CONTACT_URL})"
ROBOTSTXT_OBEY = True

# Politeness: provincial portals are small servers. One or two requests at a time per
# site, a base delay, and AutoThrottle backing off when the server slows down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # a page larger than this is a trap or an error
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated page is an error, never half an article
COOKIES_ENABLED = True  # some feeds need a cookie primed by a first visit (qdnd.vn)
REDIRECT_MAX_TIMES = 10

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsmon.crawl.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "newsmon.crawl.pipelines.StoragePipeline": 300,
}
EXTENSIONS = {
    "newsmon.crawl.extensions.CrawlRunRecorder": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

FEED_EXPORT_ENCODING = "utf-8"
# Scrapy's check for generator callbacks that return a value re-reads each callback's source
# file while crawling; a code update deployed under a running crawl then makes callbacks raise
# SyntaxError (a 100,000-page crawl lost its listing that way). Our generator callbacks
# return no value, which is all the check looks for.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = os.environ.get("NEWSMON_LOG_LEVEL", "INFO")
