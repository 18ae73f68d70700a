import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from parsel import Selector

from spiders.discovery import (
    DiscoveryError,
    Link,
    find_next_page,
    listing_links,
    older_than,
    parse_any_date,
    parse_feed,
    parse_sitemap,
    postback_form,
)

VN = timezone(timedelta(hours=7))


def read(fixtures: Path, name: str) -> bytes:
    return (fixtures / "discovery" / name).read_bytes()


def test_rss_links_dates_relative_and_guid(fixtures):
    links = parse_feed(read(fixtures, "rss.xml"), "https://news.example.vn/rss/home.rss")
    assert [link.url for link in links] == [
        "https://news.example.vn/hoi-nghi-tap-huan-post812345.html?utm_source=rss",
        "https://news.example.vn/thoi-tiet-post812346.html",
        "https://news.example.vn/guid-only-post812347.html",
    ]
    assert links[0].published == datetime(2023, 12, 7, 16, 30, tzinfo=VN)
    assert links[1].published == datetime(2023, 12, 8, 8, 0, tzinfo=VN)
    assert links[2].published is None


def test_atom_prefers_alternate_link(fixtures):
    links = parse_feed(read(fixtures, "atom.xml"), "https://news.example.vn/en/rss")
    assert [link.url for link in links] == [
        "https://news.example.vn/en/training-post900001.html",
        "https://news.example.vn/en/other-post900002.html",
    ]
    assert links[1].published == datetime(2024, 8, 8, 9, 0, tzinfo=UTC)


def test_sitemap_index_and_news_sitemap(fixtures):
    index = parse_sitemap(read(fixtures, "sitemap-index.xml"), "https://news.example.vn/sitemap.xml")
    assert index.is_index
    assert [s.url.rsplit("/", 1)[1] for s in index.links] == ["news-2023-12.xml", "news-2024-8.xml"]
    assert index.links[1].published == datetime(2024, 8, 31, tzinfo=VN)
    news = parse_sitemap(read(fixtures, "sitemap-news.xml"), "https://news.example.vn/sitemap.xml")
    assert not news.is_index
    # news:publication_date wins over lastmod
    assert news.links[0].published == datetime(2023, 12, 7, 16, 30, tzinfo=VN)
    assert news.links[1].published == datetime(2023, 12, 10, tzinfo=VN)


def test_gzipped_sitemap(fixtures):
    body = gzip.compress(read(fixtures, "sitemap-news.xml"))
    assert len(parse_sitemap(body, "https://news.example.vn/s.xml.gz").links) == 2


def test_hostile_xml_is_not_expanded(fixtures):
    links = parse_feed(read(fixtures, "billion-laughs.xml"), "https://news.example.vn/rss")
    assert [link.url for link in links] == ["https://news.example.vn/a-post1.html"]


def test_not_a_feed_or_sitemap():
    with pytest.raises(DiscoveryError, match="not a feed"):
        parse_feed(b"<html><body>hi</body></html>", "https://x.vn/")
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"<rss/>", "https://x.vn/")


def test_aspnet_listing_links_dates_and_postback_pager(fixtures):
    html = Selector(text=read(fixtures, "listing-aspnet.html").decode())
    base = "https://stttt.example.gov.vn/TinTuc.aspx?CatId=5"
    links = listing_links(html, base, r"NewsDetail\.aspx\?Id=\d+")
    assert [link.url.rsplit("=", 1)[1] for link in links] == ["10832", "10831", "10830"]
    assert links[0].published == datetime(2023, 8, 18, tzinfo=VN)
    nxt = find_next_page(html, base, 1)
    assert nxt is not None and nxt.postback == ("ctl00$ContentPlaceHolder1$rptPager", "Page$2")
    nxt2 = find_next_page(html, base, 2)
    assert nxt2 is not None and nxt2.postback[1] == "Page$3"


def test_liferay_cur_paging(fixtures):
    html = Selector(text=read(fixtures, "listing-liferay.html").decode())
    base = "https://portal.example.vn/web/guest/tin-tuc"
    links = listing_links(html, base, "/asset_publisher/")
    assert len(links) == 2
    nxt = find_next_page(html, base, 1)
    assert nxt is not None and nxt.url.endswith("_cur=2")


def test_joomla_limitstart_next_word(fixtures):
    html = Selector(text=read(fixtures, "listing-joomla.html").decode())
    base = "https://paper.example.vn/index.php?option=com_content&view=category&id=12&Itemid=101"
    nxt = find_next_page(html, base, 1)
    assert nxt is not None and nxt.url.endswith("limitstart=5")
    links = listing_links(html, base, r"view=article")
    assert links[0].published == datetime(2024, 1, 11, tzinfo=VN)


def test_drupal_rel_next(fixtures):
    html = Selector(text=read(fixtures, "listing-drupal.html").decode())
    nxt = find_next_page(html, "https://tuyentruyen.example.gov.vn/tin-tuc", 1)
    assert nxt is not None and nxt.url == "https://tuyentruyen.example.gov.vn/tin-tuc?page=1"


def test_plain_page_numbers_prefer_pager(fixtures):
    html = Selector(text=read(fixtures, "listing-plain.html").decode())
    nxt = find_next_page(html, "https://x.example.vn/tin-tuc", 1)
    assert nxt is not None and nxt.url == "https://x.example.vn/tin-tuc?page=2"
    assert find_next_page(html, "https://x.example.vn/tin-tuc?page=3", 3) is None


def test_css_region_and_next_selector(fixtures):
    html = Selector(text=read(fixtures, "listing-aspnet.html").decode())
    base = "https://stttt.example.gov.vn/TinTuc.aspx?CatId=5"
    links = listing_links(html, base, None, "div.news-list")
    assert len(links) == 3
    nxt = find_next_page(html, base, 1, selector="div.pager a:last-child")
    assert nxt is not None and nxt.postback[1] == "Page$3"


def test_dates_and_cutoff():
    assert parse_any_date("07/12/2023") == datetime(2023, 12, 7, tzinfo=VN)
    assert parse_any_date("garbage") is None
    cutoff = datetime(2024, 1, 1, tzinfo=VN)
    old = [Link("a", datetime(2023, 1, 1, tzinfo=VN)), Link("b")]
    assert older_than(old, cutoff)
    assert not older_than([*old, Link("c", datetime(2024, 2, 1, tzinfo=VN))], cutoff)
    assert not older_than([Link("x")], cutoff)
    assert not older_than(old, None)


ASPNET_PAGE = """<html><head><base href="/cms/"></head><body>
<form name="search" action="/tim-kiem"><input name="q" value="x"></form>
<form id="aspnetForm" method="post" action=" TinTuc.aspx?CatId=5 ">
  <input type="hidden" name="__EVENTTARGET" value="old">
  <input type="hidden" name="__EVENTARGUMENT" value="">
  <input type="hidden" name="__VIEWSTATE" value="dDwxNTk=">
  <input type="text" name="ctl00$txtSearch" value="">
  <input type="submit" name="ctl00$btnSearch" value="Tìm kiếm">
  <input type="button" name="ctl00$btnPrint" value="In">
  <input type="image" name="ctl00$imgGo" src="go.png">
  <input type="checkbox" name="ctl00$chkAll" value="on">
  <input type="checkbox" name="ctl00$chkNew" value="on" checked>
  <input type="radio" name="ctl00$view" value="list" checked><input type="radio" name="ctl00$view" value="grid">
  <input type="text" name="ctl00$locked" value="x" disabled>
  <select name="ctl00$ddlCat"><option value="1">Tin</option><option value="5" selected>Sự kiện</option></select>
  <select name="ctl00$ddlYear"><option value="2025">2025</option><option value="2024">2024</option></select>
  <textarea name="ctl00$note">ghi chú</textarea>
  <input name="nameless-type" value="v">
</form></body></html>"""


def test_postback_form_sends_what_a_browser_sends():
    action, fields = postback_form(
        ASPNET_PAGE, "https://so.example.vn/TinTuc.aspx?CatId=5", "ctl00$pager", "Page$3"
    )
    assert action == "https://so.example.vn/cms/TinTuc.aspx?CatId=5"  # <base href>, whitespace stripped
    assert fields == [
        ("__EVENTTARGET", "ctl00$pager"),
        ("__EVENTARGUMENT", "Page$3"),
        ("__VIEWSTATE", "dDwxNTk="),
        ("ctl00$txtSearch", ""),
        ("ctl00$chkNew", "on"),
        ("ctl00$view", "list"),
        ("ctl00$ddlCat", "5"),
        ("ctl00$ddlYear", "2025"),  # no option selected: the first
        ("ctl00$note", "ghi chú"),
        ("nameless-type", "v"),
    ]


def test_postback_form_without_action_posts_to_the_page_and_without_form_fails():
    page = '<form method="post"><input type="hidden" name="__VIEWSTATE" value="v"></form>'
    action, fields = postback_form(page, "http://127.0.0.1:1/List.aspx?p=1", "pager", "2")
    assert action == "http://127.0.0.1:1/List.aspx?p=1" and ("__VIEWSTATE", "v") in fields
    with pytest.raises(ValueError, match="no <form>"):
        postback_form("<p>no form here</p>", "http://127.0.0.1:1/", "pager", "2")
