"""Smoke tests of the crawl benchmark: it runs end to end and reports what it promises.

Timings are never asserted (the machine may be busy); counts and the report's fields are.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from urllib.request import urlopen

import pytest

from bench.synthetic_site import SyntheticSite
from newsmon.sample_sites.server import catalog
from pipeline.process import process_page
from pipeline.types import Page
from spiders.discovery import find_next_page, listing_links, parse_feed
from tests.conftest import PROJECT

BENCH = PROJECT / "bench" / "crawl_bench.py"


def run_bench(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(BENCH), *args, "--json"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=280,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_synthetic_site_serves_realistic_deterministic_pages():
    from parsel import Selector

    with SyntheticSite(120, links_per_page=50) as site:
        assert site.listing_pages == 3
        path = site.article_path(7)
        with urlopen(site.url + path) as response:
            body = response.read()
        assert body == site.article_html(7).encode()  # the same bytes on every request
        assert 30_000 <= len(body) <= 61_000
        article = process_page(
            Page(url=site.url + path, body=body, status=200, headers={}, source_id="synthetic"), None, None
        )
        assert article.language == "vi"
        assert article.published is not None
        assert 3_000 <= len(article.text) <= 12_000  # the teasers and menus are left out

        html = Selector(text=site.listing_html(2))
        links = listing_links(html, site.url + "/tin-moi?trang=2", r"-post\d+\.html$", "ul.news-list")
        assert [link.url for link in links] == [site.url + site.article_path(i) for i in range(50, 100)]
        assert find_next_page(html, site.url + "/tin-moi?trang=2", 2).url == site.url + "/tin-moi?trang=3"
        assert find_next_page(Selector(text=site.listing_html(3)), site.url + "/tin-moi?trang=3", 3) is None
        assert len(parse_feed(site.feed_xml().encode(), site.url + "/rss.xml")) == 50
        assert site.render("/bai-viet/wrong-slug-post7.html")[0] == 404
        assert site.counts["article"] == 1


@pytest.mark.slow
def test_sample_mode_reports_crawl_and_offline_times():
    result = run_bench("sample", "--repeat", "1")
    assert result["mode"] == "sample" and len(result["runs"]) == 1
    run = result["runs"][0]
    assert run["pages"] == len(catalog()) == result["requests_by_kind"]["article"]
    assert run["articles_crawl"] == run["articles_offline"] > 0
    assert result["requests_by_kind"]["discovery"] > 0 and result["requests_by_kind"]["robots"] >= 4
    assert result["requests"] >= run["pages"] + result["requests_by_kind"]["discovery"]
    for key in ("median_crawl_wall_s", "median_crawl_span_s", "median_offline_s"):
        assert math.isfinite(result[key]) and result[key] > 0
    assert math.isfinite(result["ratio_wall_to_offline"]) and math.isfinite(result["ratio_span_to_offline"])


@pytest.mark.slow
def test_memory_mode_crawls_every_synthetic_page_and_samples_rss():
    pages = 200
    result = run_bench("memory", "--pages", str(pages), "--interval", "0.2")
    assert result["mode"] == "memory" and result["status"] == ["finished"] and result["complete"]
    assert result["articles_served"] == result["articles_stored"] == pages
    assert result["requests_by_kind"]["listing"] == math.ceil(pages / 50)
    assert result["samples"] > 0 and result["pages_per_s"] > 0
    at = result["rss_mb_at"]
    assert set(at) == {"10%", "50%", "100%"}
    assert 0 < at["10%"] <= result["peak_rss_mb"] and at["100%"] <= result["peak_rss_mb"]
    # Bounded queue: the next listing page waits until the articles already found are taken,
    # so at most one listing page of links (plus those in flight) waits; not the whole site.
    assert result["peak_waiting_requests"] <= 2 * 50


def test_synthetic_sitemap_lists_every_article_and_storm_pages_share_sentences():
    import re

    with SyntheticSite(60) as site, SyntheticSite(60, storm=True) as storm:
        with urlopen(site.url + "/sitemap.xml") as response:
            locs = re.findall(r"<loc>([^<]+)</loc>", response.read().decode())
        assert locs == [site.url + site.article_path(i) for i in range(60)]
        storm.prerender()
        with urlopen(storm.url + storm.article_path(3)) as response:
            assert response.read() == storm.article_html(3).encode()

        def body_sentences(html: str) -> set[str]:
            body = re.search(r'<div class="content">(.*?)</div>', html)
            assert body is not None
            return {s.strip() for s in re.findall(r"[^.<>]+\.", body.group(1))}

        sentences = [body_sentences(storm.article_html(i)) for i in (1, 2)]
        distinct = [body_sentences(site.article_html(i)) for i in (1, 2)]
        assert len(sentences[0] & sentences[1]) > 10  # drawn from one pool
        assert len(distinct[0] & distinct[1]) < 5


def test_speed_compares_newsmon_with_the_bare_spider_on_one_site():
    pages = 40
    result = run_bench("speed", "--pages", str(pages), "--site", "distinct")
    assert result["mode"] == "speed" and result["cores"] >= 1
    variant = result["variants"]["distinct"]
    assert variant["complete"]
    for side in ("bare", "newsmon"):
        (row,) = variant["rounds"][side]
        assert row["served"] == pages and row["stored"] == pages
        assert row["pages_per_s"] > 0 and row["peak_rss_mb"] > 10
    median = variant["median"]
    assert math.isclose(
        variant["speed_ratio"], median["newsmon"]["pages_per_s"] / median["bare"]["pages_per_s"]
    )
    assert math.isclose(
        variant["memory_ratio"], median["newsmon"]["peak_rss_mb"] / median["bare"]["peak_rss_mb"]
    )
