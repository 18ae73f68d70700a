"""HTML extraction on pages in the shapes of Vietnamese sites (fixtures under tests/fixtures/html)."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.extract.body import extract_html, extract_text
from pipeline.extract.dates import TZ
from pipeline.types import Selectors

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"
HEADER_TODAY = "22/11/2026"


def fixture(name: str) -> str:
    return (HTML / name).read_text("utf-8")


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


# ------------------------------------------------------------------ nhandan-like national paper


def test_nhandan_article() -> None:
    result = extract_html(fixture("nhandan_article.html"), url="https://nhandan.vn/post785478.html")
    assert result is not None
    assert result.title == "Yêu cầu mới với công tác truyền thông, thông tin đối ngoại về quyền con người"
    assert result.lead is not None and result.lead.startswith("Trong bối cảnh, vị thế của Việt Nam")
    assert "NDO" not in result.text
    paras = paragraphs(result.text)
    assert paras[0] == result.lead  # the sapo, which generic extraction drops, comes first
    assert paras[1].startswith("Ngày 7/12, tại Hòa Bình")
    assert paras[-1].startswith("Ban tổ chức Hội nghị đã ghi nhận")
    assert len(paras) == 8
    # the body restates the sapo later ("Tuy nhiên, trong bối cảnh..."): the lead is still prepended
    assert paras[-2].startswith("Tuy nhiên, trong bối cảnh")
    assert result.published == datetime(2023, 12, 7, 18, 30, tzinfo=TZ)
    assert result.published_from == "jsonld"
    assert result.author == "Hải Đăng"
    assert result.url == (
        "https://nhandan.vn/yeu-cau-moi-voi-cong-tac-truyen-thong-thong-tin-doi-ngoai-ve-quyen-con-nguoi-post785478.html"
    )
    for noise in (
        "0:00",
        "(Ảnh:",
        "Quang cảnh",
        "ảnh 1",
        "TIN LIÊN QUAN",
        "Nâng cao hiệu quả thông tin đối ngoại",
        "Xem thêm",
        "Vui lòng nhập",
        "Giấy phép",
        "Bản quyền",
        HEADER_TODAY,
        "In bài",
    ):
        assert noise not in result.text, noise
    assert "NDO -" in result.noise_removed


# ------------------------------------------------------------------ ASP.NET provincial DoIC page


def test_doic_aspnet_page_without_metadata() -> None:
    result = extract_html(
        fixture("doic_aspnet.html"), url="https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=10832"
    )
    assert result is not None
    assert result.title == "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023"
    # the header shows today's date first; the article's own date is the line after the title
    assert result.published == datetime(2023, 8, 18, tzinfo=TZ)
    assert result.published_from == "visible"
    assert result.author == "Nguyễn Hiền - Phòng QLTTBCXB"
    paras = paragraphs(result.text)
    assert [p[:40] for p in paras] == [
        "Thực hiện Kế hoạch số 21/KH-UBND ngày 06",
        "Phát biểu khai mạc tại Hội nghị, đồng ch",
        "Hội nghị tập huấn công tác thông tin đối",
        "Trong thời gian 1 ngày, các đại biểu đượ",
    ]
    for noise in (
        "Toàn cảnh",
        "phát biểu khai mạc hội nghị.",
        "Tin khác",
        "Ngày đăng",
        "Giấy phép",
        "online",
        HEADER_TODAY,
    ):
        assert noise not in result.text, noise


# ------------------------------------------------------------------ Liferay provincial portal


def test_liferay_portal_page() -> None:
    result = extract_html(fixture("liferay_portal.html"), url="https://hoabinh.gov.vn/web/guest/tin-tuc")
    assert result is not None
    assert result.title == "Hội nghị tập huấn công tác thông tin đối ngoại và nhân quyền năm 2024"
    assert result.published == datetime(2024, 8, 8, 9, 15, tzinfo=TZ)
    assert result.published_from == "visible"
    assert result.url is not None and result.url.startswith(
        "https://hoabinh.gov.vn/web/guest/tin-tuc/-/asset_publisher/"
    )
    # lead found through meta description (no sapo element); it is already the body's first paragraph
    assert result.lead is not None and result.lead.startswith("Sáng 7/8, Ban Tuyên giáo Trung ương")
    assert result.text.count("Sáng 7/8") == 1
    paras = paragraphs(result.text)
    assert paras[0] == result.lead
    assert len(paras) == 5
    assert result.author == "Minh Anh (Trung tâm Truyền thông tỉnh)"
    for noise in (
        "Tin cùng chuyên mục",
        "sơ kết",
        "Quang cảnh",
        "truy cập",
        "Giấy phép",
        "Lượt xem",
        HEADER_TODAY,
    ):
        assert noise not in result.text, noise


# ------------------------------------------------------------------ smaller shapes

BAOCHINHPHU = """<html><head><meta charset="utf-8"><title>Thủ tướng chủ trì hội nghị | baochinhphu.vn</title></head>
<body><div class="header"><span class="date">Thứ Hai, 22/11/2026</span></div>
<div class="detail-content">
<h1 class="detail-title">Thủ tướng chủ trì hội nghị trực tuyến toàn quốc về chuyển đổi số</h1>
<h2 class="detail-sapo">(Chinhphu.vn) - Sáng 12/11, Thủ tướng chủ trì hội nghị trực tuyến toàn quốc về chuyển đổi số quốc gia năm 2024.</h2>
<div class="detail-cmain">
<p>Tham dự hội nghị có các Phó Thủ tướng, lãnh đạo các bộ, ngành và 63 tỉnh, thành phố trực thuộc Trung ương.</p>
<p>Phát biểu khai mạc, Thủ tướng nhấn mạnh chuyển đổi số là xu thế tất yếu, khách quan và là lựa chọn chiến lược.</p>
<p>Các đại biểu đã thảo luận về hạ tầng số, dữ liệu số, công dân số và chính phủ số trong giai đoạn tới.</p>
</div></div></body></html>"""


def test_detail_sapo_and_url_date() -> None:
    url = "https://baochinhphu.vn/thu-tuong-chu-tri-hoi-nghi-102241112112543785.htm"
    result = extract_html(BAOCHINHPHU, url=url)
    assert result is not None
    assert result.title == "Thủ tướng chủ trì hội nghị trực tuyến toàn quốc về chuyển đổi số"
    assert (
        result.lead
        == "Sáng 12/11, Thủ tướng chủ trì hội nghị trực tuyến toàn quốc về chuyển đổi số quốc gia năm 2024."
    )
    assert paragraphs(result.text)[0] == result.lead
    assert "(Chinhphu.vn)" not in result.text
    assert result.published == datetime(2024, 11, 12, 11, 25, 43, tzinfo=TZ)
    assert result.published_from == "url"


DOIC_SUMMARY = """<html><head><title>Sở Thông tin và Truyền thông - Hội nghị sơ kết công tác 6 tháng</title></head>
<body><div id="header"><span class="date">Thứ Hai, 22/11/2026</span></div>
<div class="news-detail"><h1 class="news-title">Hội nghị sơ kết công tác 6 tháng</h1>
<span class="date">Ngày đăng: 10/07/2024 15:45</span>
<div class="news-summary"><strong>Chiều 10-7, Sở Thông tin và Truyền thông tổ chức hội nghị sơ kết công tác 6 tháng đầu năm.</strong></div>
<div class="news-content">
<p style="text-align: justify;">Sáu tháng đầu năm, Sở đã hoàn thành các nhiệm vụ trọng tâm về chuyển đổi số và quản lý báo chí.</p>
<p style="text-align: center;"><img src="/Upload/2024/7/10/so-ket.jpg" alt="" /></p>
<p style="text-align: center;"><em>Quang cảnh hội nghị sơ kết.</em></p>
<p style="text-align: justify;">Hội nghị đã thảo luận, thống nhất các giải pháp thực hiện nhiệm vụ 6 tháng cuối năm.</p>
<p style="text-align: right;"><strong>Văn phòng Sở</strong></p>
</div></div></body></html>"""


def test_generic_summary_lead_image_caption_and_unit_signature() -> None:
    result = extract_html(DOIC_SUMMARY, url="https://stttt.thanhhoa.gov.vn/NewsDetail.aspx?Id=11560")
    assert result is not None
    assert (
        result.lead
        == "Chiều 10-7, Sở Thông tin và Truyền thông tổ chức hội nghị sơ kết công tác 6 tháng đầu năm."
    )
    assert paragraphs(result.text) == [
        result.lead,
        "Sáu tháng đầu năm, Sở đã hoàn thành các nhiệm vụ trọng tâm về chuyển đổi số và quản lý báo chí.",
        "Hội nghị đã thảo luận, thống nhất các giải pháp thực hiện nhiệm vụ 6 tháng cuối năm.",
    ]
    assert result.author == "Văn phòng Sở"
    assert result.published == datetime(2024, 7, 10, 15, 45, tzinfo=TZ)


def test_title_suffix_stripped_when_only_title_tag() -> None:
    page = (
        "<html><head><title>Hội nghị tập huấn nghiệp vụ thông tin đối ngoại năm 2024 - Báo Nhân Dân</title></head>"
        "<body><div><p>Ngày 7/8, Ban Tuyên giáo Trung ương tổ chức hội nghị tập huấn cho cán bộ 14 tỉnh.</p>"
        "<p>Hội nghị đã nghe các chuyên đề về thông tin đối ngoại và công tác nhân quyền trong tình hình mới.</p>"
        "</div></body></html>"
    )
    result = extract_html(page)
    assert result is not None
    assert result.title == "Hội nghị tập huấn nghiệp vụ thông tin đối ngoại năm 2024"


def test_selectors_override_generic_extraction() -> None:
    page = """<html><head><title>x</title></head><body>
    <div class="tieude">Tiêu đề theo bộ chọn riêng của nguồn tin</div>
    <div class="ngay">Cập nhật 11:51 ngày 12/07/2018</div>
    <div class="tomtat">Tóm tắt bài viết nằm trong phần tử riêng của trang.</div>
    <div class="noidung"><p>Đoạn nội dung thứ nhất của bài viết về hội nghị tập huấn.</p>
      <div class="quangcao">Quảng cáo xen giữa nội dung bài viết</div>
      <p>Đoạn nội dung thứ hai của bài viết về công tác thông tin đối ngoại.</p></div>
    <div class="tacgia">Thu Hà</div>
    </body></html>"""
    selectors = Selectors(
        title=".tieude",
        lead=".tomtat",
        body=".noidung",
        date=".ngay",
        author=".tacgia",
        remove=(".quangcao",),
    )
    result = extract_html(page, selectors=selectors)
    assert result is not None
    assert result.title == "Tiêu đề theo bộ chọn riêng của nguồn tin"
    assert result.lead == "Tóm tắt bài viết nằm trong phần tử riêng của trang."
    assert paragraphs(result.text) == [
        "Tóm tắt bài viết nằm trong phần tử riêng của trang.",
        "Đoạn nội dung thứ nhất của bài viết về hội nghị tập huấn.",
        "Đoạn nội dung thứ hai của bài viết về công tác thông tin đối ngoại.",
    ]
    assert result.published == datetime(2018, 7, 12, 11, 51, tzinfo=TZ)
    assert result.author == "Thu Hà"


def test_bad_or_stale_body_selector_falls_back_to_generic_extraction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="pipeline.extract.body"):
        broken = extract_html(fixture("nhandan_article.html"), selectors=Selectors(body="div[[["))
        stale = extract_html(
            fixture("nhandan_article.html"), selectors=Selectors(body="div.old-template-body")
        )
    assert "bad CSS selector" in caplog.text
    assert "matched nothing" in caplog.text
    for result in (broken, stale):
        assert result is not None
        assert "Ngày 7/12, tại Hòa Bình" in result.text


def test_output_is_nfc() -> None:
    page = unicodedata.normalize("NFD", fixture("doic_aspnet.html"))
    result = extract_html(page)
    assert result is not None
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.title == "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023"


def test_bytes_input_is_decoded() -> None:
    result = extract_html(fixture("doic_aspnet.html").encode("utf-8"))
    assert result is not None and result.title is not None


# ------------------------------------------------------------------ bad input never raises


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   \n  ",
        "\x00\x01\x02\x03binary\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        "<html><head><title>Trang chủ</title></head><body><a href='/a'>Tin tức</a> <a href='/b'>Liên hệ</a></body></html>",
        "<<<>>>&&&",
        '<?xml version="1.0" encoding="utf-8"?><html><body></body></html>',
    ],
)
def test_no_usable_body_returns_none(page: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pipeline.extract.body"):
        assert extract_html(page) is None
    assert caplog.records  # the reason is logged


def test_truncated_page_does_not_raise() -> None:
    page = fixture("nhandan_article.html")
    cut = page[: page.index("Phát biểu khai mạc, đồng chí")]
    result = extract_html(cut)
    assert result is not None
    assert "Ngày 7/12, tại Hòa Bình" in result.text


def test_malformed_markup_does_not_raise() -> None:
    page = (
        "<html><body><div><p>Ngày 7/8, Ban Tuyên giáo Trung ương tổ chức hội nghị tập huấn"
        "<div><p>cho cán bộ 14 tỉnh <b><i>miền núi phía Bắc</b></i></span></td>"
        "<p>Hội nghị đã nghe nhiều chuyên đề quan trọng về thông tin đối ngoại."
    )
    result = extract_html(page)
    assert result is not None
    assert "miền núi phía Bắc" in result.text


# ------------------------------------------------------------------ plain text


def test_extract_text_minimal() -> None:
    result = extract_text(
        "Tiêu đề ngắn của bài\n\nNDO - Nội dung bài viết về hội nghị tập huấn thông tin đối ngoại."
    )
    assert result.title == "Tiêu đề ngắn của bài"
    assert result.text == "Nội dung bài viết về hội nghị tập huấn thông tin đối ngoại."
    assert result.lead == result.text
    assert result.published is None


def test_extract_text_date_from_url() -> None:
    result = extract_text("Tiêu đề\nNội dung bài viết.", url="https://example.org/2024/08/07/bai-viet.txt")
    assert result.published == datetime(2024, 8, 7, tzinfo=TZ)
    assert result.published_from == "url"


def test_page_dump_detection_triggers_the_full_extractor() -> None:
    from pipeline.extract.body import _looks_like_page_dump

    menu = "\n".join(["Trang chủ", "Giới thiệu", "Tin tức", "Liên hệ", "Sơ đồ site"] * 3)
    article = "\n".join(
        f"Đoạn {i}: hội nghị tập huấn công tác thông tin đối ngoại đã diễn ra tốt đẹp." for i in range(12)
    )
    assert _looks_like_page_dump(menu + "\n" + article[:200])
    assert not _looks_like_page_dump(article)
    assert not _looks_like_page_dump("Trang chủ\nTin tức")  # too short to judge
