"""The server-side SVG charts: well-formed, scaled, labels escaped, nothing for no data."""

from __future__ import annotations

from datetime import date

from lxml import etree

from newsmon.web import charts
from newsmon.web.queries import fill_months


def svg(markup) -> etree._Element:
    return etree.fromstring(str(markup).encode())


def test_bar_chart_scales_bars_and_escapes_labels():
    doc = svg(charts.bar_chart([("<b>a</b>", 3), ("b & c", 6), ("z", 0)], "t <i>"))
    bars = doc.findall("{*}rect") or doc.findall("rect")
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == max(heights) and abs(heights[0] * 2 - heights[1]) < 0.5 and heights[2] == 0
    text = etree.tostring(doc, encoding="unicode")
    assert "<b>" not in text and "&lt;b&gt;a&lt;/b&gt;" in text and "&lt;i&gt;" in text
    assert not any(el.get("style") for el in doc.iter())  # the CSP allows no style attributes


def test_hbar_spark_and_timeline():
    h = svg(charts.hbar_chart([("Phú Thọ", 3), ("Thanh Hóa", 1)], "per province"))
    widths = [float(r.get("width")) for r in h.iter("{*}rect", "rect")]
    assert widths[0] == 3 * widths[1]
    s = svg(charts.spark_bars([0, 2, 4], "x"))
    assert [r.get("class") for r in s.iter("{*}rect", "rect")] == ["bar zero", "bar", "bar"]
    t = svg(
        charts.timeline([(date(2024, 1, 1), "a"), (date(2024, 1, 1), "b"), (date(2024, 1, 11), "c")], "tl")
    )
    dots = list(t.iter("{*}circle", "circle"))
    assert len(dots) == 3 and dots[0].get("cx") == dots[1].get("cx") != dots[2].get("cx")
    assert "01/01/2024" in etree.tostring(t, encoding="unicode")


def test_empty_and_axis_helpers():
    for chart in (charts.bar_chart([], "x"), charts.hbar_chart([], "x"), charts.timeline([], "x")):
        assert "no data" in str(chart)
    assert [charts._nice_max(n) for n in (0, 1, 3, 7, 11, 48, 230)] == [1, 1, 5, 10, 20, 50, 500]
    assert fill_months([("2024-11", 2), ("2025-02", 1)]) == [("2024-11", 2), ("2024-12", 0), ("2025-01", 0),
                                                               ("2025-02", 1)]  # fmt: skip
    assert fill_months([]) == []
