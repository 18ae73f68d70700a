"""The spider's ASP.NET postback request: a plain FormRequest built from the page's form
(Scrapy's FormRequest.from_response is deprecated), posted in the page's own encoding."""

from __future__ import annotations

from urllib.parse import parse_qsl

from scrapy.http import FormRequest, HtmlResponse

from newsmon.sample_sites import SOURCES
from pipeline.sources import load_registry
from spiders.discovery import NextPage
from spiders.news import FOLLOW_UP_PRIORITY, NewsSpider


def _spider() -> NewsSpider:
    spider = NewsSpider(source="sample-thanhhoa")
    spider.source = load_registry(str(SOURCES)).get("sample-thanhhoa")
    return spider


def _page(encoding: str) -> HtmlResponse:
    body = (
        f'<html><head><meta charset="{encoding}"></head><body><form method="post" action="TinTuc.aspx?CatId=5">'
        '<input type="hidden" name="__VIEWSTATE" value="dDw=">'
        '<input type="text" name="ctl00$txtKey" value="Thông báo">'
        '<input type="submit" name="ctl00$btnSearch" value="OK"></form></body></html>'
    )
    return HtmlResponse(
        "http://127.0.0.1:1/TinTuc.aspx?CatId=5", body=body.encode(encoding), encoding=encoding
    )


def test_postback_is_a_post_of_the_form_in_the_pages_encoding() -> None:
    for encoding in ("utf-8", "windows-1258"):
        request = _spider()._next_request(
            _page(encoding), NextPage(postback=("pager", "Page$2")), listing=0, page=2
        )
        assert isinstance(request, FormRequest) and request.method == "POST"
        assert request.url == "http://127.0.0.1:1/TinTuc.aspx?CatId=5"
        assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
        fields = parse_qsl(request.body.decode("ascii"), encoding=encoding)
        assert fields == [
            ("__EVENTTARGET", "pager"),
            ("__EVENTARGUMENT", "Page$2"),
            ("__VIEWSTATE", "dDw="),
            ("ctl00$txtKey", "Thông báo"),
        ], encoding
        assert (b"Th%F4ng" if encoding == "windows-1258" else b"Th%C3%B4ng") in request.body
        assert request.cb_kwargs == {"listing": 0, "page": 2}
        assert request.priority == FOLLOW_UP_PRIORITY


def test_postback_pager_on_a_page_without_form_stops_the_listing() -> None:
    page = HtmlResponse("http://127.0.0.1:1/TinTuc.aspx", body=b"<p>no form</p>", encoding="utf-8")
    assert _spider()._next_request(page, NextPage(postback=("pager", "2")), listing=0, page=2) is None
