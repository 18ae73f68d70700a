"""Vietnamese date parsing and publication-date finding."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pipeline.extract.dates import (
    TZ,
    date_from_url,
    find_published,
    find_published_in_text,
    is_dateline,
    parse_vi_date,
    parse_vi_datetime,
    resolve_yearless,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=TZ)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)", local(2024, 8, 7, 17, 1)),
        ("07/12/2023 - 15:30", local(2023, 12, 7, 15, 30)),
        ("Thứ Năm, 11/1/2024 18:30'(GMT+7)", local(2024, 1, 11, 18, 30)),
        ("25/11/2025, 10:30 (GMT+7)", local(2025, 11, 25, 10, 30)),
        ("08:07, 12/07/2018", local(2018, 7, 12, 8, 7)),
        ("11-10-2023, 18:32", local(2023, 10, 11, 18, 32)),
        ("Cập nhật 11:51 ngày 12/07/2018", local(2018, 7, 12, 11, 51)),
        ("Cập nhật lúc 21:45, Thứ Hai, 06/01/2020 (GMT+7)", local(2020, 1, 6, 21, 45)),
        ("16:52 | 04/05/2024 GMT+7", local(2024, 5, 4, 16, 52)),
        ("Ngày đăng bài: 25/03/2015", local(2015, 3, 25)),
        ("2024-08-07T17:01:00+07:00", local(2024, 8, 7, 17, 1)),
        ("2024-08-07T10:01:00Z", local(2024, 8, 7, 17, 1)),
        ("2024-08-07", local(2024, 8, 7)),
        ("Thứ Năm, 07-12-2023, 18:30", local(2023, 12, 7, 18, 30)),
        ("17h30 ngày 7/8/2024", local(2024, 8, 7, 17, 30)),
        ("ngày 7 tháng 8 năm 2024", local(2024, 8, 7)),
        ("12/07/2018 09:05 AM", local(2018, 7, 12, 9, 5)),
        ("12/07/2018 02:05 PM", local(2018, 7, 12, 14, 5)),
        ("10/03/2024 08:00 (GMT+0)", local(2024, 3, 10, 15, 0)),
    ],
)
def test_visible_formats(text: str, expected: datetime) -> None:
    value = parse_vi_datetime(text)
    assert value == expected  # the same instant
    stated = "Z" in text or "GMT+0" in text
    assert value is not None and value.utcoffset() == (timedelta(0) if stated else timedelta(hours=7))


def test_the_day_the_page_states_is_kept() -> None:
    # 23:30 in New York on 15 January is 16 January in Hanoi: the page is a 15 January page.
    value = parse_vi_datetime("2020-01-15T23:30:00-05:00")
    assert value is not None and value.date() == date(2020, 1, 15)
    assert value.utcoffset() == timedelta(hours=-5)


def test_month_names_and_htmldate_for_foreign_pages() -> None:
    html = (
        "<html lang='de'><head><title>Bericht</title></head><body><article><h1>Bericht</h1>"
        "<p>Veröffentlicht am 15. Januar 2020 von der Redaktion.</p><p>Text des Artikels.</p>"
        "</article></body></html>"
    )
    value, source = find_published(html, "https://example.de/bericht", now=NOW)
    assert value is not None and value.date() == date(2020, 1, 15)
    assert source == "htmldate"


def test_utc_stamp_a_day_off_the_url_takes_the_urls_day() -> None:
    html = (
        "<html lang='en'><head><meta property='article:published_time' content='2023-11-09T03:28:35Z'>"
        "<title>t</title></head><body><h1>t</h1><p>text</p></body></html>"
    )
    value, _ = find_published(html, "https://news.example.com/2023/11/08/story/", now=NOW)
    assert value is not None and value.date() == date(2023, 11, 8)


def test_a_stated_offset_beats_a_generic_search() -> None:
    html = (
        "<html lang='es'><head><script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
        '"datePublished": "2020-02-19T18:37:32+01:00"}</script><title>t</title></head>'
        "<body><h1>t</h1><p>18 de febrero de 2020</p></body></html>"
    )
    value, source = find_published(html, "https://elpais.example/ciencia/x.html", now=NOW)
    assert value is not None and value.date() == date(2020, 2, 19) and source == "jsonld"


def test_day_first_always() -> None:
    assert parse_vi_datetime("03/04/2024") == local(2024, 4, 3)


def test_date_only_is_marked() -> None:
    parsed = parse_vi_date("Ngày đăng: 18/08/2023")
    assert parsed is not None and parsed.has_time is False
    assert parsed.value == local(2023, 8, 18)
    timed = parse_vi_date("18/08/2023 07:45")
    assert timed is not None and timed.has_time is True


@pytest.mark.parametrize(
    "text", ["", "ngày 18-8", "giai đoạn 2023-2028", "32/01/2024", "29/02/2023", "0:00 / 0:00"]
)
def test_not_dates(text: str) -> None:
    assert parse_vi_datetime(text) is None


def test_dateline_detection() -> None:
    assert is_dateline("Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)")
    assert is_dateline("Cập nhật lúc 21:45, Thứ Hai, 06/01/2020 (GMT+7)")
    assert not is_dateline("Ngày 7/8/2024, Ban Tuyên giáo Trung ương tổ chức hội nghị tập huấn.")
    assert not is_dateline("Nguyễn Hiền - Phòng QLTTBCXB")


# ----------------------------------------------------------------- pages

HEADER = (
    '<header><div class="header__date">Thứ Hai, 22/11/2026</div><nav><a href="/">Trang chủ</a></nav></header>'
)


def html(head: str = "", body: str = "") -> str:
    return f"<html><head><title>Tiêu đề bài viết thử nghiệm</title>{head}</head><body>{HEADER}{body}</body></html>"


def test_jsonld_graph_and_list() -> None:
    head = (
        '<script type="application/ld+json">[{"@type":"WebSite","name":"X"},'
        '{"@graph":[{"@type":"BreadcrumbList"},{"@type":["NewsArticle"],"datePublished":"2023-12-07T18:30:00+07:00"}]}]'
        "</script>"
    )
    assert find_published(html(head), now=NOW) == (local(2023, 12, 7, 18, 30), "jsonld")


def test_jsonld_with_cms_slips_still_read() -> None:
    head = '<script type="application/ld+json">{"@type":"Article","dateCreated":"2022-05-01T08:00:00+07:00",}</script>'
    assert find_published(html(head), now=NOW) == (local(2022, 5, 1, 8, 0), "jsonld")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta property="article:published_time" content="2024-08-07T17:01:00+07:00">',
        '<meta property="og:article:published_time" content="2024-08-07T17:01:00+07:00">',
        '<meta name="pubdate" content="2024-08-07T17:01:00+07:00">',
        '<meta name="publishdate" content="07/08/2024 17:01">',
        '<meta name="DC.date.issued" content="2024-08-07T17:01:00+07:00">',
        '<meta itemprop="datePublished" content="2024-08-07T10:01:00Z">',
    ],
)
def test_meta_tags(meta: str) -> None:
    assert find_published(html(meta), now=NOW) == (local(2024, 8, 7, 17, 1), "meta")


def test_time_element_inside_article() -> None:
    body = '<article><h1>Tiêu đề bài viết thử nghiệm</h1><time datetime="2024-05-04T16:52:00+07:00">16:52</time></article>'
    assert find_published(html(body=body), now=NOW) == (local(2024, 5, 4, 16, 52), "meta")


def test_visible_date_after_title_not_header_date() -> None:
    body = (
        '<div class="left"><span class="date">Thứ Hai, 22/11/2026</span></div>'
        "<h1>Tiêu đề bài viết thử nghiệm</h1>"
        '<div class="post-meta">Cập nhật lúc 21:45, Thứ Hai, 06/01/2020 (GMT+7)</div>'
        "<p>Nội dung ngày 14/9/2022 được nhắc trong bài.</p>"
    )
    assert find_published(html(body=body), now=NOW) == (local(2020, 1, 6, 21, 45), "visible")


def test_visible_plain_text_line_after_title() -> None:
    body = "<h1>Tiêu đề bài viết thử nghiệm</h1><p><i>Ngày đăng: 18/08/2023</i></p><p>Ngày 14/9/2022, ...</p>"
    assert find_published(html(body=body), now=NOW) == (local(2023, 8, 18), "visible")


def test_visible_date_in_the_text_right_after_the_title() -> None:
    body = '<div class="detail"><h1>Tiêu đề bài viết thử nghiệm</h1> Thứ Năm, 11/1/2024 18:30\'(GMT+7)<p>Nội dung.</p></div>'
    assert find_published(html(body=body), now=NOW) == (local(2024, 1, 11, 18, 30), "visible")


def test_body_dates_are_not_publication_dates() -> None:
    body = (
        "<h1>Tiêu đề bài viết thử nghiệm</h1>"
        "<p>Thực hiện Kế hoạch số 21/KH-UBND ngày 06/2/2023 của UBND tỉnh, hội nghị đã diễn ra tốt đẹp.</p>"
    )
    assert find_published(html(body=body), now=NOW) == (None, None)


def test_header_date_alone_is_never_taken() -> None:
    assert find_published(html(body="<p>Không có tiêu đề.</p>"), now=NOW) == (None, None)


def test_future_dates_rejected() -> None:
    head = '<meta property="article:published_time" content="2027-01-01T00:00:00+07:00">'
    body = '<h1>Tiêu đề bài viết thử nghiệm</h1><div class="date">07/08/2024 17:01</div>'
    assert find_published(html(head, body), now=NOW) == (local(2024, 8, 7, 17, 1), "visible")


def test_url_fallback() -> None:
    url = "https://baochinhphu.vn/du-an-bat-dong-san-esg-102241112112543785.htm"
    assert find_published(html(), url, now=NOW) == (local(2024, 11, 12, 11, 25, 43), "url")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://baochinhphu.vn/sua-doi-chinh-sach-nha-o-xa-hoi-102251013174542881.htm",
            local(2025, 10, 13, 17, 45, 42),
        ),
        ("https://tuoitre.vn/hoi-nghi-tap-huan-20240807171234567.htm", local(2024, 8, 7, 17, 12, 34)),
        ("https://example.org/2024/08/07/hoi-nghi.html", local(2024, 8, 7)),
        ("https://example.org/news/20230818/hoi-nghi.html", local(2023, 8, 18)),
        ("https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=10832", None),
        ("https://nhandan.vn/yeu-cau-moi-post785478.html", None),
    ],
)
def test_date_from_url(url: str, expected: datetime | None) -> None:
    assert date_from_url(url) == expected


def test_find_published_in_text() -> None:
    text = (
        "Đẩy mạnh thông tin đối ngoại\nV.N\nThứ tư, ngày 07/08/2024 17:01 PM (GMT+7)\n"
        "Ngày 7/8, Ban Tuyên giáo Trung ương tổ chức hội nghị ngày 15/4/2024."
    )
    assert find_published_in_text(text) == local(2024, 8, 7, 17, 1)
    assert (
        find_published_in_text("Tiêu đề\nNgày 15/4/2024, Chính phủ ban hành Nghị quyết số 47/NQ-CP.") is None
    )


@pytest.mark.parametrize(
    ("day", "month", "reference", "expected"),
    [
        (28, 12, date(2024, 1, 5), date(2023, 12, 28)),
        (18, 8, date(2023, 8, 20), date(2023, 8, 18)),
        (15, 3, datetime(2024, 3, 14, 10, tzinfo=TZ), date(2024, 3, 15)),
        (31, 2, date(2024, 3, 1), None),
    ],
)
def test_resolve_yearless(day: int, month: int, reference: date, expected: date | None) -> None:
    assert resolve_yearless(day, month, reference) == expected
