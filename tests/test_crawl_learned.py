"""Sources that give only their homepage: real crawls of the sample sites on 127.0.0.1.

Each sample site is registered with id, name, kind, province, homepage, languages, enabled and
schedule only; the crawler learns its feeds, sitemaps, listings and article shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.urls import canonical_url
from spiders.learn import article_shape, is_navigation, learn_home, looks_like_article, robots_sitemaps
from tests.e2e_helpers import articles, crawl, newsmon

HOMEPAGES = {
    "nhandan": "/",
    "thanhhoa": "/Default.aspx",
    "hoabinh": "/web/guest/trang-chu",
    "travinh": "/",
}


def _sources(sites: SampleSites, path: Path) -> Path:
    entries = [
        {
            "id": f"learned-{site}",
            "name": f"learned {site}",
            "kind": "national" if site == "nhandan" else "provincial_portal",
            "province": None if site == "nhandan" else "Trà Vinh",
            "homepage": sites.urls[site] + home,
            "languages": ["vi"],
            "enabled": True,
            "schedule": {"every": "6h"},
        }
        for site, home in HOMEPAGES.items()
    ]
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["as served", "no robots.txt, no sitemap"])
def learned_crawl(request, tmp_path_factory, database_server):
    """Homepage-only crawls of the four sites; in the second, robots.txt and sitemap.xml answer
    404, so the sites with a ``<link rel="alternate">`` feed have only that feed and their
    listings, the others only their category listings and pagination."""
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        if request.param != "as served":
            for site in DEFAULT_PORTS:
                for path in ("/robots.txt", "/sitemap.xml"):
                    sites.set_fault(site, path, "status", code=404)
        tmp = tmp_path_factory.mktemp("learned")
        sources = _sources(sites, tmp / "sources.yaml")
        db_url = database_server.new("learned", tmp)
        summary = crawl(db_url, sites.env(), sources=sources)
        robots = {r.status for r in sites.requests if r.path == "/robots.txt"}
        assert robots == ({200} if request.param == "as served" else {404}), robots
        yield sites, db_url, summary
        database_server.drop(db_url)


def _expected(sites: SampleSites, site: str) -> set[str]:
    return {canonical_url(sites.urls[a["site"]] + a["path"]) for a in catalog() if a["site"] == site}


@pytest.mark.parametrize("site", list(HOMEPAGES))
def test_homepage_only_source_stores_its_articles(learned_crawl, site):
    sites, db_url, summary = learned_crawl
    stored = {a.canonical_url for a in articles(db_url) if a.source_id == f"learned-{site}"}
    expected = _expected(sites, site)
    found = len(stored & expected) / len(expected)
    assert found >= 0.9, f"{site}: {len(stored & expected)}/{len(expected)} articles stored"
    assert len(stored - expected) <= 1, f"{site}: non-article pages stored: {sorted(stored - expected)}"
    run = next(r for r in summary if r["source"] == f"learned-{site}")
    assert run["status"] == "finished", run


def test_sources_validate_accepts_homepage_only(tmp_path):
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        path = _sources(sites, tmp_path / "sources.yaml")
        result = newsmon(["sources", "validate", str(path)], "sqlite://", sites.env(), sources=path)
    assert result.returncode == 0, result.stderr + result.stdout


def test_learns_feed_listings_and_article_shape():
    home = """<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss/home.rss">
      <link rel="stylesheet" href="/main.css"></head><body>
      <nav><a href="/">Trang chủ</a><a href="/chinh-tri/">Chính trị</a><a href="/lien-he">Liên hệ</a>
      <a href="/xa-hoi/">Xã hội</a></nav>
      <a href="/tap-huan-thong-tin-doi-ngoai-nam-2024-post12345.html">a</a>
      <a href="/hoi-nghi-quyen-con-nguoi-cho-can-bo-post12346.html">b</a>
      <a href="/khai-giang-lop-boi-duong-nghiep-vu-post12347.html">c</a>
      <a href="/c/portal/login?p_l_id=20189">login</a>
      <a href="https://other.example/tin-tuc-khac-cua-trang-khac-post1.html">elsewhere</a>
      </body></html>"""
    learned = learn_home(home, "http://127.0.0.1:9/")
    assert learned.feeds == ["http://127.0.0.1:9/rss/home.rss"]
    assert learned.listings == ["http://127.0.0.1:9/chinh-tri/", "http://127.0.0.1:9/xa-hoi/"]
    assert len(learned.articles) == 3
    assert learned.discovery_block()["article_pattern"] == learned.article_pattern


@pytest.mark.parametrize(
    ("url", "shape_matches"),
    [
        ("http://h/NewsDetail.aspx?Id=12150", "http://h/NewsDetail.aspx?Id=99"),
        ("http://h/a/content/day-manh-trien-khai-de-an", "http://h/a/content/mot-bai-khac-hoan-toan-moi"),
        ("http://h/x-y-z-w-post871266.html", "http://h/bai-viet-moi-hon-nua-post1.html"),
    ],
)
def test_article_shape_generalises_ids_and_slugs(url, shape_matches):
    import re

    assert looks_like_article(url)
    assert re.search(article_shape(url), shape_matches.removeprefix("http://h"))


def test_robots_sitemaps_and_non_articles():
    assert robots_sitemaps(
        "User-agent: *\nSitemap: /sitemap.xml\nsitemap: https://h/news.xml", "http://h/robots.txt"
    ) == [
        "http://h/sitemap.xml",
        "https://h/news.xml",
    ]
    assert not looks_like_article("http://h/lien-he-voi-chung-toi-ngay-hom-nay")
    assert not looks_like_article("http://h/chinhtri/")
    assert not looks_like_article("http://h/uploads/2024/12345-bao-cao-tong-ket-nam.pdf")


@pytest.mark.parametrize(
    ("url", "navigation"),
    [
        ("http://h/index.php?option=com_content&view=article&id=5:gioi-thieu&Itemid=102", True),
        ("http://h/gioi-thieu.html", True),
        ("http://h/lien-he", True),
        ("http://h/about-us/", True),
        ("http://h/so-do-site.aspx", True),
        ("http://h/tim-kiem?q=tap+huan", True),
        ("https://en.h.vn/vietnam-talks-about-human-rights-post1.html", False),  # a word inside a slug
        ("http://h/research-center-opens-training-course-post12.html", False),
        ("http://h/index.php?option=com_content&view=article&id=32040:hoi-nghi-tap-huan&catid=12", False),
        (
            "http://h/index.php?option=com_content&view=article&id=32040:hoi-nghi&ngay=2025-03-01",
            True,
        ),  # calendar
        ("http://h/tin-tuc?date=01/03/2025", True),
        ("http://h/tin-tuc/hoi-nghi-tap-huan-2025-03-01-post12.html", False),  # a date in the slug
    ],
)
def test_navigation_pages_with_the_article_shape(url, navigation):
    """About, contact, search and site-map pages are never stored from a learned crawl, even
    when their URL has the site's article shape (Joomla's about page is view=article)."""
    assert is_navigation(url) is navigation


def test_sources_discover_prints_a_discovery_block(tmp_path):
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        path = _sources(sites, tmp_path / "sources.yaml")
        as_yaml = newsmon(
            ["sources", "discover", "learned-thanhhoa", "--format", "yaml"], "sqlite://", sites.env(), path
        )
        as_json = newsmon(
            ["sources", "discover", sites.urls["nhandan"] + "/", "--format", "json"], "sqlite://", {}, path
        )
        dead = newsmon(["sources", "discover", "http://127.0.0.1:9/"], "sqlite://", {}, path)
    assert as_yaml.returncode == 0, as_yaml.stderr
    block = yaml.safe_load(as_yaml.stdout)["discovery"]
    assert block["article_pattern"] and "NewsDetail" in block["article_pattern"]
    assert any("TinTuc.aspx?CatId=5" in listing["urls"][0] for listing in block["listings"])
    import json

    learned = json.loads(as_json.stdout)
    assert learned["discovery"]["feeds"] == [sites.urls["nhandan"] + "/rss/home.rss"]
    assert len(learned["articles"]) >= 10
    assert dead.returncode != 0 and "could not fetch" in dead.stderr


def test_sources_check_learns_a_homepage_only_source(tmp_path):
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        path = _sources(sites, tmp_path / "sources.yaml")
        result = newsmon(["sources", "check", "learned-hoabinh"], "sqlite://", sites.env(), path)
    assert "home" in result.stdout and "article pattern" in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
