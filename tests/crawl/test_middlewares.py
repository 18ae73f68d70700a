from datetime import UTC, datetime, timedelta

from scrapy.settings import Settings

from newsmon.crawl.middlewares import BackoffRetryMiddleware, parse_retry_after


def test_parse_retry_after_seconds_and_http_date():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(b"soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_and_is_capped():
    mw = BackoffRetryMiddleware(Settings({"NEWSMON_RETRY_BACKOFF_BASE": 2, "NEWSMON_RETRY_BACKOFF_MAX": 10}))
    first, third, tenth = mw.backoff(1), mw.backoff(3), mw.backoff(10)
    assert 1.5 <= first <= 2.5
    assert 6 <= third <= 10
    assert tenth <= 12.5
    assert timedelta(seconds=tenth) < timedelta(seconds=13)
