"""An article that failed deep in a listing is fetched by the next crawl.

A listing stops paging at the first page that brings nothing new. After a crawl in which an
article on page 3 failed, the next crawl finds page 1 all known: without the resume rule it
would stop there and the article would never be fetched again.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from newsmon.crawl.extensions import previous_run_incomplete
from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from storage.db import make_engine, session_factory, session_scope
from storage.models import CrawlRun
from tests.e2e_helpers import FAST, articles, newsmon


def crawl(db_url: str, env: dict[str, str], source: str) -> list[dict]:
    args = ["crawl", source, "--format", "json"] + [x for s in FAST for x in ("--set", s)]
    result = newsmon(args, db_url, env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_failed_article_on_a_deep_listing_page_is_fetched_by_the_next_crawl(database_url: str) -> None:
    db_url = database_url
    thanhhoa = [a for a in catalog() if a["site"] == "thanhhoa"]
    deepest = thanhhoa[-1]  # page 3 of the postback listing
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        expected = {canonical_url(sites.urls["thanhhoa"] + a["path"]) for a in thanhhoa}
        sites.set_fault("thanhhoa", deepest["path"], "status", code=500)
        summary = crawl(db_url, sites.env(), "sample-thanhhoa")
        assert summary[0]["error_counts"].get("http_500") == 1
        stored = {a.canonical_url for a in articles(db_url)}
        assert stored == expected - {canonical_url(sites.urls["thanhhoa"] + deepest["path"])}
        sites.clear_faults()
        crawl(db_url, sites.env(), "sample-thanhhoa")  # pages to the end: the last run had a 500
        assert {a.canonical_url for a in articles(db_url)} == expected
        sites.reset_log()
        crawl(db_url, sites.env(), "sample-thanhhoa")  # the last run was clean: page 1 only
        listing_requests = [r for r in sites.requests if "TinTuc.aspx" in r.path]
        assert len(listing_requests) == 1


def test_previous_run_incomplete_ignores_permanent_errors(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    CrawlRun.__table__.create(engine)
    sessions = session_factory(engine)
    with session_scope(sessions) as session:
        assert previous_run_incomplete(session, "s") is False  # never crawled
        session.add(CrawlRun(source_id="s", status="finished", error_counts={"http_404": 2, "extraction": 1}))
        session.flush()
        assert previous_run_incomplete(session, "s") is False
        session.add(CrawlRun(source_id="s", status="finished", error_counts={"http_503": 1}))
        session.flush()
        assert previous_run_incomplete(session, "s") is True
        session.add(CrawlRun(source_id="s", status="interrupted", error_counts={}))
        session.add(CrawlRun(source_id="s", status="running", error_counts={}))  # another live crawl
        session.flush()
        assert previous_run_incomplete(session, "s") is True
        assert session.scalars(select(CrawlRun)).all()


def test_a_page_over_the_size_cap_makes_the_next_crawl_page_deeper(sqlite_url: str) -> None:
    """Fault huge_capped lost 5 of 8 articles: a 12 MB article deep in a listing was never
    reached again once it was back to normal, because too_large did not count as transient."""
    engine = make_engine(sqlite_url)
    CrawlRun.__table__.create(engine)
    with session_scope(session_factory(engine)) as session:
        session.add(CrawlRun(source_id="s", status="finished", error_counts={"too_large": 1}))
        session.flush()
        assert previous_run_incomplete(session, "s") is True
