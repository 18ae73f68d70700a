"""An exception in a spider callback is recorded, and makes the next crawl page its listings
to the cap: the listing pages after the one that raised were never requested."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from twisted.python.failure import Failure

import newsmon.settings as project_settings
from newsmon.crawl.extensions import CrawlRunRecorder, previous_run_incomplete
from newsmon.sample_sites import SOURCES
from spiders.news import NewsSpider
from storage.db import make_engine, session_factory, session_scope
from storage.models import CrawlRun, FetchError

SOURCE = "sample-thanhhoa"


def _crawler(database_url: str) -> Any:
    values = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    values.update(DATABASE_URL=database_url, NEWSMON_SOURCES=str(SOURCES), EXTENSIONS={}, LOG_ENABLED=False)
    crawler = get_crawler(NewsSpider, values)
    crawler.spider = NewsSpider.from_crawler(crawler, source=SOURCE)
    return crawler


def _run(database_url: str, raise_in_callback: bool) -> None:
    crawler = _crawler(database_url)
    spider = crawler.spider
    recorder = CrawlRunRecorder.from_crawler(crawler)  # connects its signal handlers
    recorder.spider_opened(spider)
    crawler.stats.set_value("newsmon/index_pages_read", 1)  # the listing's first page was read
    if raise_in_callback:
        try:
            {}["no such key"]
        except KeyError:
            failure = Failure()
        page = HtmlResponse(
            "http://127.0.0.1:1/TinTuc.aspx?CatId=5", status=200, body=b"<p>", encoding="utf-8"
        )
        crawler.signals.send_catch_log(signals.spider_error, failure=failure, response=page, spider=spider)
    recorder.spider_closed(spider, "finished")


def test_a_callback_exception_is_recorded_and_resumes_listings_next_time(database_url: str) -> None:
    sessions = session_factory(make_engine(database_url))
    _run(database_url, raise_in_callback=False)
    with session_scope(sessions) as session:
        assert previous_run_incomplete(session, SOURCE) is False  # a clean run: page 1 is enough
    _run(database_url, raise_in_callback=True)
    with session_scope(sessions) as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.status == "finished"
        assert run.error_counts == {"spider_error": 1}
        error = session.scalars(select(FetchError).where(FetchError.crawl_run_id == run.id)).one()
        assert (error.kind, error.status, error.url) == (
            "spider_error",
            200,
            "http://127.0.0.1:1/TinTuc.aspx?CatId=5",
        )
        assert error.message == "KeyError: 'no such key'"
        assert previous_run_incomplete(session, SOURCE) is True
