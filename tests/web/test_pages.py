"""The HTML pages: what an analyst sees, and that hostile crawled text stays text (XSS)."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from newsmon.web.routes_pages import highlight
from tests.web.conftest import IMG, JS_URL, SCRIPT, SVG


def page(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    return r.text


def test_search_page_marks_matches_facets_and_pages(client):
    text = page(client, "/?q=tap+huan+thong+tin+doi+ngoai")
    doc = lxml_html.fromstring(text)
    assert doc.xpath("//input[@name='q']/@value") == ["tap huan thong tin doi ngoai"]
    marks = [m.text_content().lower() for m in doc.xpath("//p[@class='snippet']/mark")]
    assert "tập huấn" in marks or "tập" in marks
    assert "«" not in "".join(doc.xpath("//p[@class='snippet']//text()"))
    facet_links = doc.xpath("//aside[@class='facets']//a/@href")
    assert any("province=" in h for h in facet_links) and any("source=" in h for h in facet_links)
    assert doc.xpath("//aside[@class='facets']//span[@class='n']")
    hits = doc.xpath("//li[@class='hit']")
    total = int(re.search(r"(\d+) results?", text).group(1))
    assert len(hits) == min(total, 20)
    # A facet link narrows the results to what its count says.
    month = doc.xpath("//aside[@class='facets']//a[contains(@href, 'since=')]")[0]
    count = int(month.getnext().text)
    narrowed = page(client, "/" + month.get("href"))
    assert int(re.search(r"(\d+) results?", narrowed).group(1)) == count


def test_search_page_without_query_lists_newest_and_paginates(client):
    doc = lxml_html.fromstring(page(client, "/"))
    assert "newest first" in doc.xpath("string(//p[@class='count'])")
    dates = [d.split(" · ")[0] for d in doc.xpath("//li[@class='hit']/div[@class='meta']/text()[1]")]
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", dates[0].strip())  # dd/mm/yyyy
    nxt = doc.xpath("//a[@rel='next']/@href")
    assert nxt == ["?page=2"]
    second = lxml_html.fromstring(page(client, "/" + nxt[0]))
    assert second.xpath("//ol[@class='hits']/@start") == ["21"]


def test_search_page_filters_and_errors(client):
    doc = lxml_html.fromstring(page(client, "/?q=&province=Ph%C3%BA+Th%E1%BB%8D&type=training_conference"))
    assert doc.xpath("//li[@class='hit']")
    bad = page(client, "/?province=Atlantis", status=422)
    assert "unknown province" in bad and "Atlantis" in bad
    assert "is not a date" in page(client, "/?since=31-31-2024", status=422)
    # dd/mm/yyyy is accepted as well as ISO
    assert page(client, "/?since=01/01/2024&until=31/12/2024")


def test_article_page_link_duplicates_event(client):
    copy = next(h for h in client.get("/api/search", params={"with_duplicates": True, "limit": 100}).json()["hits"]
                if h["duplicate_of"] and h["url"].startswith("http"))  # fmt: skip
    doc = lxml_html.fromstring(page(client, f"/articles/{copy['duplicate_of']}"))
    link = doc.xpath("//a[@class='ext']")[0]
    assert link.get("rel") == "noopener noreferrer nofollow" and link.get("href").startswith("http")
    assert f"/articles/{copy['id']}" in doc.xpath("//table//a/@href")
    assert doc.xpath("//p[@class='event-link']/a/@href") == [f"/events/{copy['event_id']}"]
    page(client, "/articles/999999", status=404)
    page(client, "/articles/x'or'1", status=404)


def test_events_and_event_page(client):
    doc = lxml_html.fromstring(page(client, "/events?type=training_conference"))
    rows = doc.xpath("//table[@class='events']/tbody/tr")
    assert rows and all("training_conference" in r.text_content() for r in rows)
    counts = {r.xpath("string(td[2]/a/@href)"): int(r.xpath("string(td[6])")) for r in rows}
    href = max(counts, key=counts.get)
    event = lxml_html.fromstring(page(client, href))
    reports = event.xpath("//table[@class='reports']/tbody/tr")
    assert len(reports) == counts[href] >= 3
    fields = {r.xpath("string(th)"): r for r in event.xpath("//table[@class='fields']/tbody/tr")}
    assert re.fullmatch(r"\s*\d\d/\d\d/\d{4}\s*", fields["date held"].xpath("string(td[1])"))
    assert fields["date held"].xpath("td[2]/a/@href")  # the report it came from
    assert event.xpath("//svg//circle[@class='dot']")  # the timeline
    assert "unknown province" in page(client, "/events?province=Nowhere", status=422)
    page(client, "/events/0", status=404)


def test_charts_sources_alerts(client):
    stats = client.get("/api/stats").json()
    doc = lxml_html.fromstring(page(client, "/charts"))
    charts = doc.xpath("//section[@class='chartbox']")
    months = [t.split(": ") for t in charts[0].xpath(".//rect[@class='bar']/title/text()")]
    assert sum(int(n) for _, n in months) == sum(c["count"] for c in stats["events_per_month"])
    assert len([n for _, n in months if n != "0"]) == len(stats["events_per_month"])
    first, last = stats["events_per_month"][0]["key"], stats["events_per_month"][-1]["key"]
    assert months[0][0] == f"{first[5:]}/{first[:4]}" and months[-1][0] == f"{last[5:]}/{last[:4]}"
    assert len(charts[1].xpath(".//rect[@class='bar']")) == len(stats["events_per_province"])
    assert "Phú Thọ" in charts[1].text_content()
    assert doc.xpath("//table[@class='activity']//svg")
    sources = lxml_html.fromstring(page(client, "/sources"))
    assert "sample-nhandan" in sources.text_content() and sources.xpath("//span[@class='status finished']")
    alerts = lxml_html.fromstring(page(client, "/alerts"))
    assert alerts.xpath("//span[@class='status failed']") and alerts.xpath("//span[@class='status sent']")
    failed = lxml_html.fromstring(page(client, "/alerts?status=failed"))
    assert not failed.xpath("//span[@class='status sent']")
    page(client, "/alerts?status=bogus", status=422)
    assert page(client, "/no/such/page", status=404)


def test_static_css_is_served_by_the_app(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css") and "mark" in r.text


# --- XSS -------------------------------------------------------------------------------------

RAW = [SCRIPT, IMG, "<svg onload", "<img src=x"]


def hostile_pages(client) -> list[str]:
    hits = client.get("/api/search", params={"q": "alert", "with_duplicates": True, "limit": 100}).json()[
        "hits"
    ]
    ids = [h["id"] for h in hits]
    assert len(ids) >= 2, "the hostile articles are stored and found"
    events = {h["event_id"] for h in hits if h["event_id"]}
    assert events, "the hostile article joined an event"
    urls = ["/?q=alert&dups=1", "/?q=script+img+svg&dups=1", "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
            "/sources", "/alerts", "/?source=xss-source", f"/?q={SVG}", f"/events?province={SCRIPT}"]  # fmt: skip
    urls += [f"/articles/{i}" for i in ids] + [f"/events/{e}" for e in events]
    return [client.get(u).text for u in urls]


def test_hostile_text_is_escaped_everywhere(client):
    for text in hostile_pages(client):
        for raw in RAW:
            assert raw not in text
        doc = lxml_html.fromstring(text)
        assert not doc.xpath("//script"), "no script element"
        assert not doc.xpath("//svg[@onload] | //*[@onerror] | //*[@onload]")
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            assert not any(name.lower().startswith("on") for name in el.attrib), el.tag
            for name in ("href", "src", "action"):
                assert not (el.get(name) or "").strip().lower().startswith("javascript:"), (
                    el.tag,
                    el.get(name),
                )
    article = client.get("/?q=alert&dups=1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article


def test_javascript_url_is_shown_as_text_not_a_link(client):
    hit = next(h for h in client.get("/api/search", params={"source": "xss-source"}).json()["hits"])
    assert hit["url"] == JS_URL
    doc = lxml_html.fromstring(page(client, f"/articles/{hit['id']}"))
    assert JS_URL in doc.xpath("string(//span[@class='unsafe-url'])")
    assert not [a for a in doc.xpath("//a/@href") if "javascript" in a.lower()]


@pytest.mark.parametrize("q", [SCRIPT, "«<b>x</b>»", "«", "»«"])
def test_marks_are_added_after_escaping(q):
    out = str(highlight(f"a «{q}» b {q}"))
    assert "<b>" not in out and "<script>" not in out
    assert out.count("<mark>") == out.count("</mark>") and "<mark><mark>" not in out


def test_marked_snippet_is_escaped_then_highlighted():
    assert str(highlight(f"a «{SCRIPT}» b")) == "a <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> b"
    assert str(highlight("«a» & «b»")) == "<mark>a</mark> &amp; <mark>b</mark>"
