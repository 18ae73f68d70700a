"""Visitor counters (issue 15): one portal page per counter shape, and what must stay.

The shapes are data (newsmon/sample_sites/content/counters.yaml); each is wrapped around a
sample-site article in an old portal's table layout, where real portals put it.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from newsmon.sample_sites.articles import Article, all_articles
from newsmon.sample_sites.noise_pages import gold_text, load_shapes, render
from pipeline.extract.body import extract_html, extract_text
from pipeline.extract.htmltree import parse_html, unwrap_layout_tables

SHAPES = load_shapes()
TODAY = datetime(2026, 12, 5, 9, 30)


def _article() -> Article:
    return next(a for a in all_articles() if a.id == "th-003")


def test_every_place_has_a_shape() -> None:
    assert {s.where for s in SHAPES} == {"left", "right", "footer", "after_article"}
    assert len({s.name for s in SHAPES}) == len(SHAPES) >= 10


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_counter_shape_stays_out_of_the_body(shape) -> None:
    article = _article()
    html = render(article, shape, TODAY)
    for leak in shape.leaks:
        assert leak in html
    result = extract_html(html, "http://127.0.0.1/NewsDetail.aspx?Id=10832")
    assert result is not None
    leaked = [leak for leak in shape.leaks if leak in result.text]
    assert not leaked, f"{shape.name}: {leaked}"
    for paragraph in gold_text(article).split("\n"):
        assert paragraph[:120] in result.text
    # the portal's own widgets, licence and the header's date are not body either
    for noise in ("Liên kết website", "Giấy phép số 12/GP-TTĐT", "Chuyên mục", TODAY.strftime("%d/%m/%Y")):
        assert noise not in result.text


def test_sentences_about_visits_are_body() -> None:
    body = [
        "Sau một năm vận hành, cổng thông tin điện tử của tỉnh đã có 5.689.426 lượt truy cập, "
        "tăng 12% so với năm trước, trong đó có 1.937 lượt truy cập từ nước ngoài.",
        "Đang online: hơn 300 cán bộ đã tham gia lớp tập huấn trực tuyến về thông tin đối ngoại "
        "do Sở tổ chức trong hai ngày cuối tuần, với sự hướng dẫn của các báo cáo viên.",
        "Các đại biểu được hướng dẫn cách thống kê lượt truy cập, đo lường mức độ quan tâm của "
        "bạn đọc và báo cáo kết quả hằng tháng cho cơ quan chủ quản theo mẫu thống nhất.",
    ]
    html = (
        "<html><body><h1>Cổng thông tin có hơn 5,6 triệu lượt truy cập</h1><div class='content'>"
        + "".join(f"<p>{p}</p>" for p in body)
        + "<p>Hôm nay 25</p></div><div class='box'><p>Hôm nay: 1.937</p><p>Đã truy cập: 9.999</p></div></body></html>"
    )
    result = extract_html(html, "http://127.0.0.1/a.html")
    assert result is not None
    for paragraph in body:
        assert paragraph in result.text
    assert "9.999" not in result.text


def test_a_data_table_in_the_article_stays_a_table() -> None:
    rows = "".join(f"<tr><td>Huyện {i}</td><td>{i * 120}</td><td>{i * 7}</td></tr>" for i in range(1, 6))
    html = (
        "<html><body><table><tr><td><h1>Kết quả tập huấn năm 2024</h1>"
        "<p>Sở đã tổ chức năm lớp tập huấn cho cán bộ các huyện trong năm, với tổng số học viên "
        "như bảng dưới đây; các lớp đều được đánh giá đạt yêu cầu.</p>"
        f"<table><thead><tr><th>Đơn vị</th><th>Học viên</th><th>Lớp</th></tr></thead>{rows}</table>"
        "</td></tr></table></body></html>"
    )
    root = parse_html(html)
    assert unwrap_layout_tables(root) == 1  # the page's table, not the data table
    assert [t.find(".//th").text for t in root.iter("table")] == ["Đơn vị"]
    result = extract_html(html, "http://127.0.0.1/kq.html")
    assert result is not None and "Huyện 3" in result.text and "360" in result.text


def test_counter_lines_in_plain_text_are_dropped() -> None:
    text = "\n".join(
        [
            "Tập huấn công tác thông tin đối ngoại năm 2024",
            "Ngày 12/3, Sở Văn hóa, Thể thao và Du lịch tổ chức hội nghị tập huấn công tác thông tin "
            "đối ngoại cho hơn 100 cán bộ các xã, phường trên địa bàn tỉnh.",
            "| Đang online | 12 |",
            "| Hôm nay | 1.937 |",
            "Hôm nay: 1.937 | Hôm qua: 2.011 | Tổng: 5.689.426",
            "Hiện có 38 khách và không thành viên đang online",
            "Số lượt truy cập:",
        ]
    )
    result = extract_text(text)
    assert "hơn 100 cán bộ" in result.text
    for leak in ("1.937", "Đang online", "38 khách", "Số lượt truy cập"):
        assert leak not in result.text
