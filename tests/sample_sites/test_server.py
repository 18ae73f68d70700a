"""The sample-site server: pages, feeds, sitemaps, listing pagination and faults, checked
over real HTTP on 127.0.0.1 (free ports, short timeouts)."""

from __future__ import annotations

import http.client
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import pytest

from newsmon.sample_sites.articles import SITES, all_articles, catalog
from newsmon.sample_sites.render.aspnet import SEARCH_BUTTON
from newsmon.sample_sites.server import RequestRecord, SampleSites

ROOT = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
SM = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
PAGER = "ctl00$ContentPlaceHolder1$rptPager"
ARTICLE_001 = next(a for a in all_articles() if a.seed == "001" and a.site == "nhandan")
THANHHOA_LIST = "/TinTuc.aspx?CatId=5"
TRAVINH_LIST = "/index.php?option=com_content&view=category&id=12&Itemid=101"
TRAVINH_FEED = "/index.php?option=com_content&view=category&id=12&format=feed&type=rss"
HOABINH_LIST = "/web/guest/tin-tuc"


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in SITES}) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(sites: SampleSites) -> Iterator[None]:
    sites.clear_faults()
    sites.reset_log()
    yield
    sites.clear_faults()


class Reply(NamedTuple):
    status: int
    headers: Any
    body: bytes


def fetch(
    url: str,
    *,
    data: bytes | None = None,
    method: str | None = None,
    timeout: float = 5.0,
    headers: dict[str, str] | None = None,
) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return Reply(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return Reply(err.code, err.headers, err.read())


def raw(
    url: str, method: str = "GET", timeout: float = 5.0
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """One request without redirect handling; the caller closes the connection."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
    return conn, conn.getresponse()


def post_form(url: str, fields: dict[str, str]) -> Reply:
    return fetch(
        url, data=urlencode(fields).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


def html(body: bytes) -> lxml.html.HtmlElement:
    # Decode first: Liferay declares its charset after <title>, too late for libxml2's sniffing.
    return lxml.html.fromstring(body.decode("utf-8"))


def xml(url: str) -> lxml.etree._Element:
    reply = fetch(url)
    assert reply.status == 200 and "xml" in reply.headers["Content-Type"]
    return lxml.etree.fromstring(reply.body)


def paths_of(site: str, language: str | None = None) -> set[str]:
    return {e["path"] for e in catalog() if e["site"] == site and language in (None, e["language"])}


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def vn_dates_during(action: Any) -> tuple[Any, set[str]]:
    """Run ``action``; return its result and the local dates (dd/mm/yyyy, weekday) it may have seen."""
    before = datetime.now(VN)
    result = action()
    after = datetime.now(VN)
    return result, {f"{WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y}" for d in (before, after)}


# --- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", catalog(), ids=lambda e: e["id"])
def test_every_article_is_served_with_its_text(sites: SampleSites, entry: dict[str, Any]) -> None:
    reply = fetch(sites.urls[entry["site"]] + entry["path"])
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    text = html(reply.body).text_content()
    assert entry["title"] in text
    assert entry["lead"] is None or entry["lead"] in text
    missing = [p for p in entry["paragraphs"] if p not in text]
    assert not missing


def test_nhandan_article_has_the_national_site_markup(sites: SampleSites) -> None:
    reply, today = vn_dates_during(lambda: fetch(sites.urls["nhandan"] + ARTICLE_001.path))
    doc = html(reply.body)
    ld = json.loads(doc.cssselect('script[type="application/ld+json"]')[0].text)
    assert ld["@type"] == "NewsArticle" and ld["datePublished"] == "2023-12-07T15:42:00+07:00"
    assert doc.cssselect('meta[property="article:published_time"]')[0].get("content") == ld["datePublished"]
    assert doc.cssselect("h1.article__title")[0].text_content() == ARTICLE_001.title
    assert doc.cssselect("div.article__sapo")[0].text_content() == "NDO - " + ARTICLE_001.sapo
    alts = [img.get("alt") for img in doc.cssselect("div.article__body figure img")]
    assert alts[1] == f"{ARTICLE_001.title} ảnh 1" and alts[0] == ARTICLE_001.figures[0].caption_text
    captions = [c.text_content() for c in doc.cssselect("figure figcaption")]
    assert all(c.endswith("(Ảnh: Hải Đăng)") for c in captions) and len(captions) == 5
    assert doc.cssselect("div.article__body figure img")[1].get("src") == "/uploads/111.jpg"
    text = doc.text_content()
    for noise in (
        "0:00 / 0:00",
        "TIN LIÊN QUAN",
        "Vui lòng nhập nội dung bình luận.",
        "Giấy phép số",
        "Theo dõi Báo Nhân Dân trên",
    ):
        assert noise in text
    assert doc.cssselect("header .header__date")[0].text_content().replace("ngày ", "") in today


@pytest.mark.parametrize(
    ("site", "seed", "selector", "expected"),
    [
        ("thanhhoa", "003", "span.date", "Ngày đăng: 18/08/2023 15:45"),
        ("hoabinh", "004", "span.date", "Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)"),
        ("travinh", "002", "dd.published time", "Thứ Năm, 23/3/2023 18:30'(GMT+7)"),
    ],
)
def test_cms_articles_show_visible_dates(
    sites: SampleSites, site: str, seed: str, selector: str, expected: str
) -> None:
    article = next(a for a in all_articles() if a.site == site and a.seed == seed)
    doc = html(fetch(sites.urls[site] + article.path).body)
    assert doc.cssselect(selector)[0].text_content().strip() == expected
    if site == "thanhhoa":  # no structured date at all: only the visible line
        assert not doc.cssselect(
            'script[type="application/ld+json"], meta[property="article:published_time"]'
        )


def test_thanhhoa_chrome_shows_today_and_counters(sites: SampleSites) -> None:
    reply, today = vn_dates_during(lambda: fetch(sites.urls["thanhhoa"] + "/NewsDetail.aspx?Id=10832"))
    doc = html(reply.body)
    assert doc.cssselect("#ctl00_ucHeader_lblDate")[0].text_content() in today
    text = doc.text_content()
    for noise in (
        "Liên kết website",
        "Thống kê truy cập",
        "Đang online: 6",
        "Hôm nay:",
        "Đã truy cập:",
        "Giấy phép số 12/GP-TTĐT",
        "Chịu trách nhiệm:",
        "Website được thiết kế bởi",
    ):
        assert noise in text
    right = doc.cssselect('div.news-content p[style="text-align: right;"]')
    assert right[-1].text_content() == "Nguyễn Hiền - Phòng QLTTBCXB"
    assert [p.text_content() for p in doc.cssselect("p.image-caption")][1] == "Toàn cảnh Hội nghị"


def test_hoabinh_repeats_title_and_has_comment_box(sites: SampleSites) -> None:
    article = next(a for a in all_articles() if a.seed == "004")
    doc = html(fetch(sites.urls["hoabinh"] + article.path).body)
    assert doc.text_content().count(article.title) >= 2
    assert doc.cssselect("span.author")[0].text_content() == "V.N"
    assert "Vui lòng nhập nội dung bình luận." in doc.text_content()
    assert doc.cssselect('link[rel="canonical"]')[0].get("href") == sites.urls["hoabinh"] + article.path


def test_travinh_republished_copy(sites: SampleSites) -> None:
    copy = next(a for a in all_articles() if a.republished_from)
    doc = html(fetch(sites.urls["travinh"] + copy.path).body)
    body = doc.cssselect('div[itemprop="articleBody"]')[0].text_content()
    assert "Theo Nhân Dân" in body and "NDO -" not in body
    assert "Email" in doc.cssselect("div.icons")[0].text_content()
    # Joomla finds the article by its numeric id alone, whatever the slug and parameter order
    article_id = re.search(r"id=(\d+)", copy.path).group(1)
    again = fetch(
        f"{sites.urls['travinh']}/index.php?Itemid=101&id={article_id}&view=article&option=com_content"
    )
    assert copy.title in html(again.body).text_content()
    printable = fetch(f"{sites.urls['travinh']}{copy.path}&tmpl=component&print=1&layout=default")
    assert printable.status == 200 and copy.paragraphs[0] in html(printable.body).text_content()
    assert fetch(f"{sites.urls['travinh']}{copy.path}&format=pdf").status == 404


# --- feeds, sitemaps, robots ------------------------------------------------------------


@pytest.mark.parametrize(
    ("feed", "language", "category"),
    [
        ("/rss/home.rss", "vi", None),
        ("/rss/chinhtri.rss", "vi", "chinhtri"),
        ("/en/rss/home.rss", "en", None),
    ],
)
def test_nhandan_feeds_list_their_articles(
    sites: SampleSites, feed: str, language: str, category: str | None
) -> None:
    root = xml(sites.urls["nhandan"] + feed)
    items = root.findall("channel/item")
    wanted = {
        a.path: a
        for a in all_articles()
        if a.site == "nhandan" and a.language == language and category in (None, a.category)
    }
    assert {local_path(i.findtext("link")) for i in items} == set(wanted)
    for item in items:
        article = wanted[local_path(item.findtext("link"))]
        assert parsedate_to_datetime(item.findtext("pubDate")) == article.published
        assert item.findtext("title") == article.title


def test_nhandan_robots_and_sitemaps(sites: SampleSites) -> None:
    base = sites.urls["nhandan"]
    robots_txt = fetch(base + "/robots.txt").body.decode()
    assert f"Sitemap: {base}/sitemap.xml" in robots_txt
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots_txt.splitlines())
    assert not parser.can_fetch("newsmon", base + "/search?q=nhan+quyen")
    assert parser.can_fetch("newsmon", base + ARTICLE_001.path)

    index = xml(base + "/sitemap.xml")
    locs = [loc.text for loc in index.findall("sm:sitemap/sm:loc", SM)]
    assert base + "/sitemaps/google-news.xml" in locs
    monthly = [loc for loc in locs if re.search(r"/sitemaps/news-\d{4}-\d{1,2}\.xml$", loc)]
    assert all(s.findtext("sm:lastmod", namespaces=SM) for s in index.findall("sm:sitemap", SM))
    found: set[str] = set()
    for loc in monthly:
        year, month = map(int, re.search(r"news-(\d{4})-(\d{1,2})", loc).groups())
        for url in xml(loc).findall("sm:url", SM):
            lastmod = datetime.fromisoformat(url.findtext("sm:lastmod", namespaces=SM))
            assert (lastmod.year, lastmod.month) == (year, month)
            found.add(local_path(url.findtext("sm:loc", namespaces=SM)))
    assert found == paths_of("nhandan")

    news = xml(base + "/sitemaps/google-news.xml").findall("sm:url", SM)
    newest = sorted(
        (a for a in all_articles() if a.site == "nhandan"), key=lambda a: a.published, reverse=True
    )[:10]
    assert [local_path(u.findtext("sm:loc", namespaces=SM)) for u in news] == [a.path for a in newest]
    first = news[0].find("news:news", SM)
    assert first.findtext("news:publication_date", namespaces=SM) == newest[0].published.isoformat()
    assert first.findtext("news:title", namespaces=SM) == newest[0].title
    assert fetch(base + "/sitemaps/news-2019-1.xml").status == 404


def test_thanhhoa_has_no_feed_and_no_sitemap(sites: SampleSites) -> None:
    base = sites.urls["thanhhoa"]
    assert fetch(base + "/sitemap.xml").status == 404
    assert fetch(base + "/rss").status == 404
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(fetch(base + "/robots.txt").body.decode().splitlines())
    assert parser.can_fetch("newsmon", base + "/NewsDetail.aspx?Id=10832")
    assert fetch(base + "/").status == 200  # redirected to /Default.aspx


def test_hoabinh_sitemap_lists_pages_not_articles(sites: SampleSites) -> None:
    locs = {loc.text for loc in xml(sites.urls["hoabinh"] + "/sitemap.xml").iter(f"{{{SM['sm']}}}loc")}
    assert sites.urls["hoabinh"] + HOABINH_LIST in locs
    assert not {local_path(u) for u in locs} & paths_of("hoabinh")


def test_joomla_feed_holds_only_the_newest_ten(sites: SampleSites) -> None:
    items = xml(sites.urls["travinh"] + TRAVINH_FEED).findall("channel/item")
    newest = sorted(
        (a for a in all_articles() if a.site == "travinh"), key=lambda a: a.published, reverse=True
    )
    assert [local_path(i.findtext("link")) for i in items] == [a.path for a in newest[:10]]
    assert all(i.findtext("pubDate").endswith("+0000") for i in items)
    assert parsedate_to_datetime(items[0].findtext("pubDate")) == newest[0].published


# --- listings and pagination ------------------------------------------------------------


def aspnet_postback(body: bytes, page_url: str, link: lxml.html.HtmlElement) -> tuple[str, dict[str, str]]:
    """What a browser posts when the pager link runs __doPostBack."""
    target, argument = re.search(r"__doPostBack\('([^']+)','([^']+)'\)", link.get("href")).groups()
    form = html(body).get_element_by_id("aspnetForm")
    fields = {i.get("name"): i.get("value") or "" for i in form.cssselect('input[type="hidden"]')}
    fields.update(__EVENTTARGET=target, __EVENTARGUMENT=argument)
    return urljoin(page_url, form.get("action")), fields


def listing_links(body: bytes, base: str, region: str) -> list[str]:
    doc = html(body)
    doc.make_links_absolute(base)
    return [a.get("href") for r in doc.cssselect(region) for a in r.iter("a") if a.get("href")]


def test_aspnet_listing_pages_by_postback(sites: SampleSites) -> None:
    url = sites.urls["thanhhoa"] + THANHHOA_LIST
    first = fetch(url)
    doc = html(first.body)
    assert doc.get_element_by_id("aspnetForm").get("action") == "./TinTuc.aspx?CatId=5"
    names = {i.get("name") for i in doc.cssselect('input[type="hidden"]')}
    assert {"__VIEWSTATE", "__EVENTTARGET", "__EVENTARGUMENT", "__VIEWSTATEGENERATOR"} <= names
    items = doc.cssselect("div.news-list div.news-item")
    assert len(items) == 5
    assert all(
        re.fullmatch(r"\(\d{2}/\d{2}/\d{4}\)", i.cssselect("span.date")[0].text_content()) for i in items
    )
    pages: list[set[str]] = []
    body, page_url = first.body, url
    while True:
        pages.append(
            {local_path(h) for h in listing_links(body, page_url, "div.news-list") if "NewsDetail" in h}
        )
        nxt = html(body).cssselect('div.pager a[title="Trang sau"]')
        if not nxt:
            break
        assert nxt[0].text_content() == ">"
        page_url, fields = aspnet_postback(body, page_url, nxt[0])
        reply = post_form(page_url, fields)
        assert reply.status == 200
        body = reply.body
    assert [len(p) for p in pages] == [5, 5, 1]
    assert set().union(*pages) == paths_of("thanhhoa")
    assert "javascript:__doPostBack('ctl00$ContentPlaceHolder1$rptPager','Page$2')" in first.body.decode()


def test_aspnet_rejects_a_postback_without_viewstate(sites: SampleSites) -> None:
    reply = post_form(
        sites.urls["thanhhoa"] + THANHHOA_LIST, {"__EVENTTARGET": PAGER, "__EVENTARGUMENT": "Page$2"}
    )
    assert reply.status == 500 and b"Validation of viewstate MAC failed" in reply.body


def test_postback_form_posts_the_pager_event_without_clicking_search(sites: SampleSites) -> None:
    """The spider's postback (spiders.discovery.postback_form) is what a browser's pager script
    sends: every form field, the event set, no button. Adding the search button, as a click
    would, gets the site's search error instead of page 2."""
    from spiders.discovery import postback_form

    url = sites.urls["thanhhoa"] + THANHHOA_LIST
    action, fields = postback_form(fetch(url).body.decode("utf-8"), url, PAGER, "Page$2")
    names = [name for name, _ in fields]
    assert action == url and names[:2] == ["__EVENTTARGET", "__EVENTARGUMENT"]
    assert "__VIEWSTATE" in names and SEARCH_BUTTON not in names
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    page2 = html(fetch(action, data=urlencode(fields).encode(), headers=headers).body)
    newest = sorted(
        (a for a in all_articles() if a.site == "thanhhoa"), key=lambda a: a.published, reverse=True
    )
    assert [a.text_content() for a in page2.cssselect("a.news-item-title")] == [a.title for a in newest[5:10]]
    clicked = urlencode([*fields, (SEARCH_BUTTON, "Tìm kiếm")]).encode()
    result = html(fetch(action, data=clicked, headers=headers).body)
    assert "Vui lòng nhập từ khóa tìm kiếm." in result.text_content() and not result.cssselect(
        "div.news-item"
    )


def test_liferay_listing_pages(sites: SampleSites) -> None:
    base = sites.urls["hoabinh"]
    pages: list[set[str]] = []
    url: str | None = base + HOABINH_LIST
    while url:
        body = fetch(url).body
        links = [h for h in listing_links(body, url, "div.news-list") if "/asset_publisher/" in h]
        assert all("inheritRedirect=false&redirect=" in h for h in links)
        pages.append({urlsplit(h).path for h in links})
        nxt = [a for a in html(body).cssselect("ul.pagination li a") if a.get("title") == "Sau"]
        href = nxt[0].get("href")
        url = None if href.startswith("javascript:") else urljoin(url, href)
        if url:
            assert (
                "_cur=" in url
                and "p_p_id=com_soft_article_listnew_ListNewByCategoryPortlet_INSTANCE_Xy12" in url
            )
    assert [len(p) for p in pages] == [5, 3]
    assert set().union(*pages) == paths_of("hoabinh")
    # past the last page Liferay shows the last page again
    past = fetch(
        base + HOABINH_LIST + "?_com_soft_article_listnew_ListNewByCategoryPortlet_INSTANCE_Xy12_cur=99"
    )
    assert "Hiển thị 6 đến 8 trên 8 mục." in html(past.body).text_content()


def test_joomla_listing_pages(sites: SampleSites) -> None:
    base = sites.urls["travinh"]
    counts, found = [], set()
    url: str | None = base + TRAVINH_LIST
    while url:
        body = fetch(url).body
        links = {local_path(h) for h in listing_links(body, url, "div.blog h2") if "view=article" in h}
        counts.append(len(links))
        found |= links
        nxt = html(body).cssselect('div.pagination a[title="Trang sau"]')
        url = urljoin(url, nxt[0].get("href")) if nxt else None
        if url:
            assert re.search(r"&limitstart=(5|10)$", url)
    assert counts == [5, 5, 1]
    assert found == paths_of("travinh")


def test_every_article_is_reachable_from_discovery(sites: SampleSites) -> None:
    """The union of what each site's discovery offers (feeds, sitemaps, listing pages)
    is exactly the catalog: nothing unreachable, nothing extra."""
    found: set[tuple[str, str]] = set()
    nd = sites.urls["nhandan"]
    for sitemap in xml(nd + "/sitemap.xml").findall("sm:sitemap/sm:loc", SM):
        found |= {("nhandan", local_path(u.text)) for u in xml(sitemap.text).iter(f"{{{SM['sm']}}}loc")}
    for feed in ("/rss/home.rss", "/en/rss/home.rss"):
        found |= {("nhandan", local_path(i.findtext("link"))) for i in xml(nd + feed).findall("channel/item")}
    # listings
    for site, start, region, article in [
        ("thanhhoa", THANHHOA_LIST, "div.news-list", "NewsDetail.aspx"),
        ("hoabinh", HOABINH_LIST, "div.news-list", "/asset_publisher/"),
        ("travinh", TRAVINH_LIST, "div.blog", "view=article"),
    ]:
        url, method, fields = sites.urls[site] + start, "GET", None
        for _ in range(10):
            reply = post_form(url, fields) if method == "POST" else fetch(url)
            hrefs = listing_links(reply.body, url, region)
            found |= {
                (site, urlsplit(h).path if site == "hoabinh" else local_path(h))
                for h in hrefs
                if article in h
            }
            nxt = html(reply.body).cssselect('a[title="Trang sau"], ul.pagination a[title="Sau"]')
            if not nxt or nxt[0].get("href") == "javascript:;":
                break
            if "__doPostBack" in nxt[0].get("href"):
                url, fields = aspnet_postback(reply.body, url, nxt[0])
                method = "POST"
            else:
                url = urljoin(url, nxt[0].get("href"))
    assert found == {(e["site"], e["path"]) for e in catalog()}


# --- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "retry_after"), [(503, 120), (429, 7), (500, None), (404, None)])
def test_status_fault(sites: SampleSites, code: int, retry_after: int | None) -> None:
    path = "/NewsDetail.aspx?Id=10832"
    sites.set_fault("thanhhoa", path, "status", code=code, retry_after=retry_after)
    reply = fetch(sites.urls["thanhhoa"] + path)
    assert reply.status == code
    assert reply.headers.get("Retry-After") == (None if retry_after is None else str(retry_after))
    assert fetch(sites.urls["thanhhoa"] + "/NewsDetail.aspx?Id=11204").status == 200  # other paths unaffected


def test_fault_times_then_recovers(sites: SampleSites) -> None:
    url = sites.urls["hoabinh"] + HOABINH_LIST
    sites.set_fault("hoabinh", HOABINH_LIST, "status", code=503, times=2)
    assert [fetch(url).status for _ in range(3)] == [503, 503, 200]
    assert sites.list_faults() == []


def test_exact_path_fault_wins_over_site_wide(sites: SampleSites) -> None:
    sites.set_fault("nhandan", "*", "status", code=500)
    sites.set_fault("nhandan", "/robots.txt", "status", code=404)
    assert fetch(sites.urls["nhandan"] + "/robots.txt").status == 404
    assert fetch(sites.urls["nhandan"] + "/").status == 500


def test_timeout_fault_never_answers(sites: SampleSites) -> None:
    url = sites.urls["nhandan"] + "/rss/home.rss"
    sites.set_fault("nhandan", "/rss/home.rss", "timeout", seconds=3)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        raw(url, timeout=0.5)
    assert time.monotonic() - start < 2
    sites.set_fault("nhandan", "/rss/home.rss", "timeout", seconds=0.2)
    with pytest.raises(http.client.RemoteDisconnected):  # the server hangs up without a status line
        raw(url, timeout=5)
    assert sites.requests[-1].status == 0


def test_truncate_fault_sends_half_the_declared_body(sites: SampleSites) -> None:
    path = ARTICLE_001.path
    full = len(fetch(sites.urls["nhandan"] + path).body)
    sites.set_fault("nhandan", path, "truncate")
    conn, resp = raw(sites.urls["nhandan"] + path)
    with closing(conn), pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert int(resp.headers["Content-Length"]) == full
    assert len(err.value.partial) == full // 2


def test_redirect_loop_fault(sites: SampleSites) -> None:
    path = "/index.php?option=com_content&view=category&id=12&Itemid=101"
    sites.set_fault("travinh", path, "redirect_loop")
    url, seen = sites.urls["travinh"] + path, []
    for _ in range(6):
        conn, resp = raw(url)
        with closing(conn):
            assert resp.status == 302
            location = resp.headers["Location"]
        assert location.startswith(path + "&_loop=")
        seen.append(location)
        url = sites.urls["travinh"] + location
    assert len(set(seen)) == 6


def test_wrong_charset_fault(sites: SampleSites) -> None:
    sites.set_fault("nhandan", ARTICLE_001.path, "wrong_charset")
    reply = fetch(sites.urls["nhandan"] + ARTICLE_001.path)
    assert reply.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    text = reply.body.decode("utf-8")  # the body is still UTF-8
    assert '<meta charset="iso-8859-1">' in text and ARTICLE_001.title in text


@pytest.mark.parametrize("declared", ["utf-8", "windows-1258"])
def test_legacy_charset_fault(sites: SampleSites, declared: str) -> None:
    article = next(a for a in all_articles() if a.seed == "003")
    sites.set_fault("thanhhoa", article.path, "legacy_charset", declared=declared)
    reply = fetch(sites.urls["thanhhoa"] + article.path)
    assert reply.headers["Content-Type"] == f"text/html; charset={declared}"
    with pytest.raises(UnicodeDecodeError):
        reply.body.decode("utf-8")
    text = unicodedata.normalize("NFC", reply.body.decode("cp1258"))
    assert article.title in text and article.paragraphs[-1] in text
    assert f'content="text/html; charset={declared}"' in text


def test_reset_fault(sites: SampleSites) -> None:
    sites.set_fault("hoabinh", HOABINH_LIST, "reset")
    with pytest.raises(ConnectionResetError):
        raw(sites.urls["hoabinh"] + HOABINH_LIST)
    assert sites.requests == [RequestRecord("hoabinh", "GET", HOABINH_LIST, 0, 0)]


def test_malformed_fault_cuts_inside_a_tag(sites: SampleSites) -> None:
    url = sites.urls["travinh"] + TRAVINH_LIST
    full = fetch(url).body
    sites.set_fault("travinh", TRAVINH_LIST, "malformed", at=0.6)
    reply = fetch(url)
    assert reply.status == 200 and int(reply.headers["Content-Length"]) == len(reply.body)
    assert len(reply.body) < len(full) and not reply.body.rstrip().endswith(b"</html>")
    assert re.search(rb"<[/a-zA-Z]$", reply.body)
    assert lxml.html.fromstring(reply.body).cssselect("head title")  # still parseable


def test_huge_fault_pads_a_valid_page(sites: SampleSites) -> None:
    sites.set_fault("nhandan", "/", "huge", size=3_000_000)
    reply = fetch(sites.urls["nhandan"] + "/")
    assert len(reply.body) == int(reply.headers["Content-Length"]) == 3_000_000
    assert reply.body.rstrip().endswith(b"</html>") and b"<title>" in reply.body[:2000]


def test_slow_fault(sites: SampleSites) -> None:
    sites.set_fault("travinh", "/robots.txt", "slow", delay=0.6)
    start = time.monotonic()
    assert fetch(sites.urls["travinh"] + "/robots.txt").status == 200
    assert time.monotonic() - start >= 0.6


def test_dark_site_resets_everything_but_control(sites: SampleSites) -> None:
    sites.set_fault("thanhhoa", "*", "dark")
    for path in ("/robots.txt", "/Default.aspx", "/NewsDetail.aspx?Id=10832"):
        with pytest.raises(ConnectionResetError):
            raw(sites.urls["thanhhoa"] + path)
    assert fetch(sites.urls["hoabinh"] + "/robots.txt").status == 200
    assert fetch(sites.urls["thanhhoa"] + "/_control/faults").status == 200


def test_pagination_trap_fault(sites: SampleSites) -> None:
    sites.set_fault("travinh", "*", "pagination_trap")
    body = fetch(sites.urls["travinh"] + TRAVINH_LIST + "&limitstart=50").body
    assert html(body).cssselect('div.pagination a[title="Trang sau"]')
    assert not html(body).cssselect("div.blog div.item")


def test_robots_fault(sites: SampleSites) -> None:
    sites.set_fault("nhandan", "/robots.txt", "robots", disallow="/")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(fetch(sites.urls["nhandan"] + "/robots.txt").body.decode().splitlines())
    assert not parser.can_fetch("newsmon", sites.urls["nhandan"] + ARTICLE_001.path)


def test_set_fault_rejects_bad_input(sites: SampleSites) -> None:
    with pytest.raises(ValueError):
        sites.set_fault("vnexpress", "/", "status")
    with pytest.raises(ValueError):
        sites.set_fault("nhandan", "no-slash", "status")
    with pytest.raises(ValueError):
        sites.set_fault("nhandan", "/", "status", code=200)


# --- log, control, lifecycle ------------------------------------------------------------


def test_request_log(sites: SampleSites) -> None:
    body = fetch(sites.urls["nhandan"] + "/robots.txt").body
    conn, _ = raw(sites.urls["nhandan"] + "/robots.txt", method="HEAD")
    conn.close()
    fetch(sites.urls["nhandan"] + "/no-such-page.html")
    assert sites.requests == [
        RequestRecord("nhandan", "GET", "/robots.txt", 200, len(body)),
        RequestRecord("nhandan", "HEAD", "/robots.txt", 200, 0),
        RequestRecord("nhandan", "GET", "/no-such-page.html", 404, sites.requests[-1].bytes),
    ]
    sites.reset_log()
    assert sites.requests == []


def test_control_over_http(sites: SampleSites) -> None:
    base = sites.urls["travinh"]
    spec = {"path": "/robots.txt", "fault": "status", "params": {"code": 500}}
    assert fetch(base + "/_control/faults", data=json.dumps(spec).encode()).status == 201
    assert fetch(base + "/robots.txt").status == 500
    log = json.loads(fetch(base + "/_control/requests").body)
    assert [(r["method"], r["path"], r["status"]) for r in log] == [("GET", "/robots.txt", 500)]
    faults = json.loads(fetch(base + "/_control/faults").body)
    assert [(f["site"], f["path"], f["fault"]) for f in faults] == [("travinh", "/robots.txt", "status")]
    bad = fetch(base + "/_control/faults", data=b'{"path": "/", "fault": "explode"}')
    assert bad.status == 400 and "unknown fault" in json.loads(bad.body)["error"]
    assert fetch(base + "/_control/faults", method="DELETE").status == 200
    assert fetch(base + "/robots.txt").status == 200
    entries = json.loads(fetch(base + "/_control/catalog").body)
    assert len(entries) == len(catalog()) and all(e["url"].startswith("http://127.0.0.1:") for e in entries)
    assert all(r.site == "travinh" and not r.path.startswith("/_control/") for r in sites.requests)


def test_env_and_default_ports() -> None:
    idle = SampleSites()
    assert idle.ports == {"nhandan": 8471, "thanhhoa": 8472, "hoabinh": 8473, "travinh": 8474}
    with pytest.raises(ValueError):
        SampleSites(ports={"vnexpress": 0})


def test_stop_is_prompt_even_with_a_hanging_request() -> None:
    running = SampleSites(ports={site: 0 for site in SITES}).start()
    assert set(running.env()) == {f"SAMPLE_{s.upper()}_URL" for s in SITES}
    url = running.urls["nhandan"] + "/"
    running.set_fault("nhandan", "/", "timeout", seconds=120)
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            raw(url, timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(exc)

    client = threading.Thread(target=hang, daemon=True)
    client.start()
    deadline = time.monotonic() + 5
    while not running.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.monotonic()
    running.stop()
    client.join(5)
    assert time.monotonic() - start < 5 and errors
    with pytest.raises(OSError):
        raw(url, timeout=1)


def test_command_line_serves_until_sigterm() -> None:
    command = [
        sys.executable,
        "-m",
        "newsmon.sample_sites",
        "serve",
        "--port-base",
        "0",
        "--fault",
        "thanhhoa:/NewsDetail.aspx?Id=10832=status:code=503",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        urls: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while len(urls) < 4 and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if m := re.match(r"\s+(\w+)\s+(http://127\.0\.0\.1:\d+)", line):
                urls[m.group(1)] = m.group(2)
        assert set(urls) == set(SITES), proc.stderr.read() if proc.poll() is not None else urls
        assert fetch(urls["thanhhoa"] + "/NewsDetail.aspx?Id=10832").status == 503
        assert fetch(urls["thanhhoa"] + "/NewsDetail.aspx?Id=11204").status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
