"""The real registry (sources.yaml): every source validates and starts the spider, every
discovery kind and CMS shape parses from a saved fixture with its source's own pattern, and
the live checker works against the sample sites. Nothing here leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

import newsmon.settings as project_settings
from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites
from newsmon.services.source_check import (
    check_sources,
    exit_status,
    format_report,
    summarize,
)
from pipeline.gazetteer import find_province, units_2025
from pipeline.sources import Registry, Source, load_registry, parse_registry
from spiders.discovery import Link, find_next_page, listing_links, parse_feed, parse_sitemap
from spiders.news import NewsSpider
from tests.conftest import FIXTURES, PROJECT

REGISTRY_PATH = PROJECT / "sources.yaml"
REGISTRY = load_registry(REGISTRY_PATH, env={})
SHAPES = FIXTURES / "shapes"


def _crawler(sources_path: Path = REGISTRY_PATH) -> Any:
    values = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    values.update(
        NEWSMON_SOURCES=str(sources_path),
        EXTENSIONS={},  # no database, no crawl-run bookkeeping
        LOG_ENABLED=False,
    )
    return get_crawler(NewsSpider, values)


def _spider(source_id: str, sources_path: Path = REGISTRY_PATH) -> NewsSpider:
    crawler = _crawler(sources_path)
    spider = NewsSpider.from_crawler(crawler, source=source_id)
    crawler.spider = spider
    return spider


def _start(spider: NewsSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


NON_VN_HOSTS = ("https://vnexpress.net/", "https://e.vnexpress.net/")  # national outlets outside .vn


def _discovery_urls(source: Source) -> list[str]:
    disc = source.discovery
    return [*disc.feeds, *disc.sitemaps, *(u for listing in disc.listings for u in listing.urls)]


# --- the registry as a whole ----------------------------------------------------------------


def test_registry_after_the_reforms_covers_every_unit() -> None:
    assert len(REGISTRY.sources) >= 150
    units = set(units_2025())
    assert len(units) == 34
    for kind in ("culture_department", "provincial_portal", "provincial_paper"):
        covered = {s.province_2025 for s in REGISTRY.sources if s.enabled and s.kind.value == kind}
        assert units - covered == set(), f"2025 units without an enabled {kind}: {sorted(units - covered)}"
    for source in REGISTRY.sources:
        if source.province is not None:
            assert find_province(source.province).unit_2025 == source.province_2025


RETIRED_DOIC = re.compile(r"^(stttt|sotttt|tttt)\.|/stttt\b")


def test_retired_doic_sites_stay_disabled_and_name_their_successors() -> None:
    """The DoIC domains retired on 1 March 2025 stay in the registry, disabled, with a lineage
    line naming the ids of the sources that took over their work."""
    ids = {s.id for s in REGISTRY.sources}
    retired = [s for s in REGISTRY.sources if s.kind.value == "provincial_department" and RETIRED_DOIC.search(
        s.homepage.split("://", 1)[1])]  # fmt: skip
    assert len(retired) >= 10
    for source in retired:
        assert not source.enabled, f"{source.id}: a retired DoIC domain is not crawled"
        named = {word for line in source.lineage for word in re.findall(r"[a-z0-9][a-z0-9_-]+", line)} & ids
        successors = {
            s for s in named if REGISTRY.get(s).kind.value in {"culture_department", "science_department"}
        }
        assert successors, f"{source.id}: lineage must name its successor sources by id"


def test_registry_lineage_for_merged_provinces_and_national_outlets() -> None:
    ids = {s.id for s in REGISTRY.sources}
    national = {"nhandan", "baochinhphu", "vietnamplus", "qdnd", "dangcongsan", "tuyengiao", "vietnamnet"}
    national |= {"vtv", "vov", "baotintuc", "cand", "baoquocte", "mst", "vietnam-vn", "nhanquyen"}
    english = {"nhandan-en", "vietnamplus-en", "baochinhphu-en", "vov-en", "vietnamnews"}
    assert national | english <= ids
    for source in REGISTRY.sources:
        merged = source.province is not None and source.province != source.province_2025
        if merged and source.kind.value != "national":
            assert source.lineage, (
                f"{source.id}: {source.province} -> {source.province_2025} needs a lineage note"
            )
    assert REGISTRY.get("qdnd").request.cookies_from == "https://www.qdnd.vn/rss"
    assert REGISTRY.get("laodong").request.unsupported
    assert not REGISTRY.get("vietnamnet").discovery.feeds  # RSS discontinued: sitemaps only


def test_every_enabled_source_explains_its_urls() -> None:
    for source in REGISTRY.sources:
        assert source.notes, f"{source.id}: say in notes where the URLs come from"


# --- one test per source ---------------------------------------------------------------------


@pytest.fixture
def cached_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spider loads sources.yaml once per test run, not once per source (0.5 s each)."""
    import spiders.news

    def load(path: str) -> Registry:
        assert Path(path) == REGISTRY_PATH
        return REGISTRY

    monkeypatch.setattr(spiders.news, "load_registry", load)


def test_spider_loads_the_real_registry() -> None:
    spider = _spider("nhandan")
    assert spider.source == REGISTRY.get("nhandan")


@pytest.mark.parametrize("source_id", [s.id for s in REGISTRY.sources])
def test_source_validates_and_starts_the_spider(source_id: str, cached_registry: None) -> None:
    source = REGISTRY.get(source_id)
    # its config validates on its own, through the model and through the YAML loader
    assert Source.model_validate(source.model_dump(mode="json")) == source
    for url in [*_discovery_urls(source), source.homepage]:
        assert re.match(r"^https?://[a-z0-9.-]+\.vn(/|$)", url) or url.startswith(NON_VN_HOSTS), url

    spider = _spider(source_id)
    assert spider.source == source
    assert spider.allowed_domains == source.allowed_domains
    requests = spider.start_requests_list()
    expected = _discovery_urls(source) or [source.homepage]  # no discovery: learned from the homepage
    assert [r.url for r in requests] == expected
    assert {r.meta["newsmon_kind"] for r in requests} <= {"feed", "sitemap", "listing", "home"}
    for request in requests:
        for name, value in source.request.headers.items():
            assert request.headers.get(name) == value.encode()

    started = _start(spider)
    if source.request.unsupported:
        assert started == []
        assert spider.crawler.stats.get_value("newsmon/errors/unsupported") == 1
    elif source.request.cookies_from:
        assert [r.url for r in started] == [source.request.cookies_from]
        prime = started[0]
        response = HtmlResponse(prime.url, body=b"<html></html>", request=prime)
        assert [r.url for r in prime.callback(response)] == expected
    else:
        assert [r.url for r in started] == expected


def test_request_options_validate() -> None:
    base = """
sources:
  - id: x
    name: X
    kind: national
    homepage: https://x.vn/
    discovery: {feeds: [https://x.vn/rss]}
    request: %s
"""
    reg = parse_registry(
        base % '{cookies_from: "https://x.vn/rss", headers: {Referer: "https://x.vn/"}}', env={}
    )
    assert reg.sources[0].request.headers == {"Referer": "https://x.vn/"}
    for bad, message in [
        ("{cookies_from: rss}", "request.cookies_from: invalid URL 'rss'"),
        ('{headers: {"Bad Name": v}}', "request.headers: invalid header name 'Bad Name'"),
        ('{unsupported: " "}', "request.unsupported: unsupported: give the reason"),
        ("{cookie: x}", "request.cookie: unknown field"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_registry(base % bad, "s.yaml", env={})


def test_headers_and_unsupported_in_the_spider(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        """
sources:
  - id: hdr
    name: H
    kind: national
    homepage: https://h.vn/
    discovery: {listings: [{urls: ["https://h.vn/tin"], article_pattern: 'Id=\\d+$'}]}
    request: {headers: {Referer: "https://h.vn/"}}
""",
        encoding="utf-8",
    )
    spider = _spider("hdr", path)
    (request,) = spider.start_requests_list()
    assert request.headers.get("Referer") == b"https://h.vn/"
    response = HtmlResponse(
        "https://h.vn/tin", body=b'<a href="/a?Id=1">a</a>', encoding="utf-8", request=request
    )
    (article,) = list(spider.parse_listing(response, listing=0, page=1))
    assert article.url == "https://h.vn/a?Id=1"
    assert article.headers.get("Referer") == b"https://h.vn/"


# --- each discovery kind and CMS shape, with the source's own pattern ------------------------


def _pattern(source: Source, listing: int | None) -> str | None:
    if listing is None:
        return source.discovery.article_pattern
    return source.discovery.listings[listing].article_pattern or source.discovery.article_pattern


def _keep(links: list[Link], pattern: str | None) -> list[str]:
    return [link.url for link in links if not pattern or re.search(pattern, link.url)]


FEED_SHAPES = [
    (
        "rss.xml",
        "nhandan",
        "https://nhandan.vn/rss/chinhtri.rss",
        [
            "https://nhandan.vn/hoi-nghi-tap-huan-cong-tac-thong-tin-doi-ngoai-nam-2025-post871234.html",
            "https://nhandan.vn/boi-duong-nghiep-vu-ve-quyen-con-nguoi-post871240.html",
        ],
    ),
    (
        "atom.xml",
        "vietnamplus-en",
        "https://en.vietnamplus.vn/rss/politics.rss",
        [
            "https://en.vietnamplus.vn/training-on-external-information-work-held-for-local-officials-post321456.vnp",
            "https://en.vietnamplus.vn/vietnams-human-rights-achievements-presented-in-geneva-post321470.vnp",
        ],
    ),
]


@pytest.mark.parametrize(("fixture", "source_id", "url", "expected"), FEED_SHAPES)
def test_feed_shapes(fixture: str, source_id: str, url: str, expected: list[str]) -> None:
    source = REGISTRY.get(source_id)
    links = parse_feed((SHAPES / fixture).read_bytes(), url)
    assert _keep(links, _pattern(source, None)) == expected
    assert all(link.published for link in links[:2])


def test_sitemap_index_then_month_sitemap() -> None:
    source = REGISTRY.get("nhandan")
    index = parse_sitemap((SHAPES / "sitemap-index.xml").read_bytes(), "https://nhandan.vn/sitemap.xml")
    assert index.is_index
    newest = max(index.links, key=lambda s: s.published.timestamp() if s.published else 0)
    assert newest.url == "https://nhandan.vn/sitemaps/news-2025-8.xml"
    month = parse_sitemap((SHAPES / "sitemap-month.xml").read_bytes(), newest.url)
    assert not month.is_index
    assert _keep(month.links, _pattern(source, None)) == [
        "https://nhandan.vn/hoi-nghi-tap-huan-cong-tac-thong-tin-doi-ngoai-nam-2025-post871234.html",
        "https://nhandan.vn/boi-duong-nghiep-vu-ve-quyen-con-nguoi-post871240.html",
    ]


def test_news_sitemap() -> None:
    source = REGISTRY.get("vietnamnet")
    sitemap = parse_sitemap((SHAPES / "news-sitemap.xml").read_bytes(), source.discovery.sitemaps[0])
    links = [link for link in sitemap.links if re.search(_pattern(source, None), link.url)]
    assert [link.url.rsplit("-", 1)[1] for link in links] == ["2415480.html", "2415479.html"]
    assert all(link.published for link in links)


LISTING_SHAPES = [
    # fixture, source, listing url, expected article links, expected next page
    (
        "aspnet-postback.html",
        "stttt-thanhhoa",
        "https://stttt.thanhhoa.gov.vn/TinTuc.aspx",
        [
            "https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=10832",
            "https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=10829",
            "https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=10801",
        ],
        ("postback", "ctl00$MainContent$lnkNext"),
    ),
    (
        "liferay.html",
        "hoabinh-portal",
        "https://hoabinh.gov.vn/web/guest/tin-tuc",
        [
            "https://hoabinh.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xy12/content/tap-huan-nghiep-vu-thong-tin-oi-ngoai-nam-2024?inheritRedirect=true&redirect=%2Fweb%2Fguest%2Ftin-tuc",
            "https://hoabinh.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xy12/content/hoi-nghi-tuyen-truyen-ve-quyen-con-nguoi",
        ],
        ("url", "_cur=2"),
    ),
    (
        "joomla.html",
        "tttt-gialai-legacy",
        "http://tttt.gialai.gov.vn/index.php?option=com_content&view=category&id=1&Itemid=1",
        [
            "http://tttt.gialai.gov.vn/index.php?option=com_content&view=article&id=2345:tap-huan-thong-tin-doi-ngoai&catid=1&Itemid=1",
            "http://tttt.gialai.gov.vn/index.php?option=com_content&view=article&id=2340:hoi-nghi-bao-chi&catid=1&Itemid=1",
        ],
        ("url", "limitstart=10"),
    ),
    (
        "drupal.html",
        "tuyentruyen-langson",
        "http://tuyentruyen.langson.gov.vn/tin-tuc",
        ["http://tuyentruyen.langson.gov.vn/node/1973", "http://tuyentruyen.langson.gov.vn/node/1968"],
        ("url", "/tin-tuc?page=1"),
    ),
    (
        "sharepoint.html",
        "stttt-hanam",
        "https://hanam.gov.vn/stttt/Pages/tin-tuc.aspx",
        [
            "https://hanam.gov.vn/stttt/Pages/hoi-nghi-tap-huan-thong-tin-doi-ngoai-nam-2023.aspx",
            "https://hanam.gov.vn/stttt/Pages/tap-huan-ky-nang-truyen-thong-ve-quyen-con-nguoi.aspx",
        ],
        ("url", "tin-tuc.aspx?Page=2"),
    ),
    (
        "webcenter.html",
        "quangnam-portal",
        "https://quangnam.gov.vn/webcenter/portal/ubnd/pages_tin-tuc",
        [
            "https://quangnam.gov.vn/webcenter/portal/ubnd/pages_tin-tuc/chi-tiet?dDocName=PORTAL174180",
            "https://quangnam.gov.vn/webcenter/portal/ubnd/pages_tin-tuc/chi-tiet?dDocName=PORTAL174176",
        ],
        ("url", "pageIndex=2"),
    ),
    (
        "numeric.html",
        "travinh-portal",
        "https://travinh.gov.vn/1434/38327/64069/Tin-tuc",
        [
            "https://travinh.gov.vn/1433/38342/71850/595405/tin-tuc/hoi-nghi-tap-huan-thong-tin-doi-ngoai-nam-2024",
            "https://travinh.gov.vn/1433/38342/71850/595380/tin-tuc/tra-vinh-trien-khai-ke-hoach-thong-tin-doi-ngoai",
        ],
        ("url", "pageindex=2"),
    ),
]


@pytest.mark.parametrize(("fixture", "source_id", "url", "expected", "next_page"), LISTING_SHAPES)
def test_listing_shapes(
    fixture: str, source_id: str, url: str, expected: list[str], next_page: tuple[str, str]
) -> None:
    source = REGISTRY.get(source_id)
    listing = source.discovery.listings[0]
    assert url in listing.urls
    html = Selector(text=(SHAPES / fixture).read_text(encoding="utf-8"))
    links = listing_links(html, url, _pattern(source, 0), listing.article_selector)
    assert [link.url for link in links] == expected
    assert all(link.published for link in links)  # the date beside each link is read
    found = find_next_page(html, url, 1, listing.next_selector)
    assert found is not None
    kind, expected_part = next_page
    if kind == "postback":
        assert found.postback is not None and found.postback[0] == expected_part
    else:
        assert found.url is not None and expected_part in found.url


def test_every_shape_fixture_is_used() -> None:
    used = {f for f, *_ in FEED_SHAPES} | {f for f, *_ in LISTING_SHAPES}
    used |= {"sitemap-index.xml", "sitemap-month.xml", "news-sitemap.xml"}
    assert {p.name for p in SHAPES.iterdir()} == used


# --- the live checker, against the sample sites and a dead port --------------------------------

CHECK_PORTS = {site: port + 200 for site, port in DEFAULT_PORTS.items()}


@pytest.fixture(scope="module")
def sample_sites() -> Any:
    with SampleSites(ports=CHECK_PORTS) as sites:
        yield sites


def _sample_registry(sites: SampleSites) -> Registry:
    return load_registry(PROJECT / "newsmon" / "sample_sites" / "sources.yaml", env=sites.env())


def test_check_sample_sites_ok(sample_sites: SampleSites) -> None:
    registry = _sample_registry(sample_sites)
    results = check_sources(registry.sources, timeout=5, user_agent=project_settings.USER_AGENT)
    assert [r.source_id for r in results] == [s.id for s in registry.sources]
    for result in results:
        assert result.status == "ok", format_report([result])
        assert result.links_found > 0
        assert result.article is not None and result.article.ok
        assert result.article.title and result.article.published and result.article.body_chars > 200
    nhandan = results[0]
    feeds = [c for c in nhandan.urls if c.kind == "feed"]
    assert feeds and all(c.valid and c.status == 200 for c in feeds)
    assert any(c.kind == "sitemap" and c.valid for c in nhandan.urls)
    assert summarize(results) == {"ok": 4, "degraded": 0, "unreachable": 0, "unsupported": 0, "total": 4}
    assert exit_status(results) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one(text: str) -> Source:
    return parse_registry(text, env={}).sources[0]


def test_check_dead_port_broken_urls_and_unsupported(sample_sites: SampleSites) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    base = sample_sites.urls["nhandan"]
    template = """
sources:
  - id: {id}
    name: T
    kind: national
    homepage: {home}/
    allowed_domains: ["127.0.0.1"]
    discovery: {disc}
    request: {req}
"""
    sources = [
        _one(template.format(id="dead", home=dead, disc=f"{{feeds: [{dead}/rss/home.rss]}}", req="{}")),
        _one(
            template.format(
                id="broken",
                home=base,
                disc=f"{{feeds: [{base}/rss/home.rss, {base}/no-such-feed.rss], sitemaps: [{base}/rss/home.rss]}}",
                req=f"{{cookies_from: {dead}/rss}}",
            )
        ),
        _one(
            template.format(
                id="js", home=dead, disc=f"{{feeds: [{dead}/rss]}}", req="{unsupported: JS challenge}"
            )
        ),
    ]
    started = time.monotonic()
    results = check_sources(sources, timeout=3)
    assert time.monotonic() - started < 10
    dead_r, broken, js = results
    assert dead_r.status == "unreachable"
    assert dead_r.urls[0].error == "connection_refused" and not dead_r.urls[0].reachable
    assert broken.status == "degraded"
    kinds = {(c.kind, c.url.rsplit("/", 1)[1]): c for c in broken.urls}
    assert kinds[("prime", "rss")].error == "connection_refused"
    assert kinds[("feed", "home.rss")].valid and kinds[("feed", "home.rss")].links > 0
    assert kinds[("feed", "no-such-feed.rss")].error == "http_404"
    assert kinds[("sitemap", "home.rss")].valid is False  # a feed is not a sitemap
    assert broken.article is not None and broken.article.ok
    assert any("cookie priming failed" in p for p in broken.problems)
    assert js.status == "unsupported" and js.urls == []
    assert summarize(results) == {"ok": 0, "degraded": 1, "unreachable": 1, "unsupported": 1, "total": 3}
    assert exit_status(results) == 1
    report = format_report(results, 1.25)
    assert report.splitlines()[-1] == "3 sources: 0 ok, 1 degraded, 1 unreachable, 1 unsupported in 1.2s"
    assert "http_404" in report and "connection_refused" in report


class _Redirector(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        self.send_response(301)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_check_reports_a_move_to_a_new_domain_and_redirect_loops(sample_sites: SampleSites) -> None:
    port = sample_sites.urls["nhandan"].rsplit(":", 1)[1]
    _Redirector.target = f"http://localhost:{port}"  # loopback under another host name
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    old = f"http://127.0.0.1:{server.server_address[1]}"
    base = sample_sites.urls["nhandan"]
    template = """
sources:
  - id: {id}
    name: M
    kind: national
    homepage: {home}/
    discovery: {{feeds: [{home}/rss/home.rss]}}
"""
    try:
        sample_sites.set_fault("nhandan", "/rss/chinhtri.rss", "redirect_loop")
        moved, looping = check_sources(
            [
                _one(template.format(id="moved", home=old)),
                _one(template.format(id="loop", home=base).replace("home.rss", "chinhtri.rss")),
            ],
            timeout=3,
        )
    finally:
        sample_sites.clear_faults()
        server.shutdown()
        server.server_close()
    assert moved.redirects == ["127.0.0.1 -> localhost"]
    assert moved.urls[0].new_domain == "localhost" and moved.urls[0].valid
    assert moved.status == "degraded"
    assert any("redirected to another domain" in p for p in moved.problems)
    assert looping.urls[0].error == "redirect_loop"
    assert looping.status == "degraded"
