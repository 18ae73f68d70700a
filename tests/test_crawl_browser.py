"""A site that builds its pages in JavaScript, crawled through a real Chromium.

The local site on 127.0.0.1 serves a category page whose article list is filled in by a
``fetch()`` of a JSON file after the page loads, and articles whose body is written by an
inline script: plain HTTP sees neither. The source with ``request: {render: browser}`` is
crawled by ``newsmon crawl`` (a subprocess, scrapy-playwright, Debian's chromium); the same
source without it is the control, storing nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from spiders.browser import BROWSER_NAMES, BrowserMissing, browser_executable
from tests.e2e_helpers import FAST, articles, newsmon
from tests.web.test_browser import need_chromium

N_ARTICLES = 6
TOPICS = [
    "Hội nghị tập huấn công tác thông tin đối ngoại cho cán bộ cấp xã",
    "Lớp bồi dưỡng nghiệp vụ quyền con người cho lực lượng công an",
    "Khai giảng khóa tập huấn kỹ năng phát ngôn và cung cấp thông tin cho báo chí",
    "Tổng kết mùa vụ lúa xuân và kế hoạch sản xuất vụ mùa",
    "Khánh thành cầu treo nối hai bản vùng cao",
    "Giải bóng đá thiếu niên toàn tỉnh khép lại sau hai tuần thi đấu",
]
BODY = (
    "Sáng 12/3, tại hội trường trung tâm tỉnh, đơn vị tổ chức đã khai mạc chương trình với sự tham dự "
    "của hơn 120 đại biểu đến từ các sở, ngành và địa phương. Nội dung tập trung vào kỹ năng, nghiệp vụ "
    "và cách phối hợp giữa các cơ quan trong thời gian tới. Các báo cáo viên trình bày chuyên đề, "
    "giải đáp câu hỏi và chia sẻ kinh nghiệm thực tiễn tại cơ sở. Bài số {n}."
)


def _page(title: str, script: str) -> bytes:
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><header><nav><a href='/'>Trang chủ</a> "
        "<a href='/tin-tuc'>Tin tức</a></nav></header><main id='main'></main>"
        f"<script>{script}</script></body></html>"
    ).encode()


LISTING_SCRIPT = """
fetch('/api/list.json').then(r => r.json()).then(items => {
  const ul = document.createElement('ul');
  for (const it of items) {
    const li = document.createElement('li'); const a = document.createElement('a');
    a.href = it.url; a.textContent = it.title; li.appendChild(a); ul.appendChild(li);
  }
  document.getElementById('main').appendChild(ul);
});
"""


def _article_script(n: int) -> str:
    data = json.dumps({"title": TOPICS[n], "body": BODY.format(n=n), "date": f"2026-03-{12 + n:02d}"})
    return (
        f"const d = {data};"
        "const m = document.getElementById('main');"
        "m.innerHTML = '<article><h1></h1><time></time><p></p><p></p></article>';"
        "m.querySelector('h1').textContent = d.title;"
        "m.querySelector('time').setAttribute('datetime', d.date); m.querySelector('time').textContent = d.date;"
        "const ps = m.querySelectorAll('p'); ps[0].textContent = d.body; ps[1].textContent = d.body;"
    )


class JsSite(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        JsSite.hits.append(self.path)
        if self.path == "/tin-tuc":
            body, ctype = _page("Tin tức", LISTING_SCRIPT), "text/html; charset=utf-8"
        elif self.path == "/api/list.json":
            items = [{"url": f"/tin/bai-{n}.html", "title": TOPICS[n]} for n in range(N_ARTICLES)]
            body, ctype = json.dumps(items, ensure_ascii=False).encode(), "application/json"
        elif self.path.startswith("/tin/bai-") and self.path.endswith(".html"):
            n = int(self.path.removeprefix("/tin/bai-").removesuffix(".html"))
            if not 0 <= n < N_ARTICLES:
                self.send_error(404)
                return
            body, ctype = _page(TOPICS[n], _article_script(n)), "text/html; charset=utf-8"
        elif self.path == "/":
            body, ctype = _page("Trang chủ", ""), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def js_site() -> Iterator[str]:
    JsSite.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), JsSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _sources(base: str, path: Path, render: str | None) -> Path:
    entry = {
        "id": "js-site",
        "name": "a JavaScript-built site",
        "kind": "provincial_portal",
        "province": "Lâm Đồng",
        "homepage": base + "/",
        "languages": ["vi"],
        "schedule": {"every": "6h"},
        "discovery": {"listings": [{"urls": [base + "/tin-tuc"], "article_pattern": r"/tin/bai-\d+\.html$"}]},
    }
    if render:
        entry["request"] = {"render": render}
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")
    return path


def _crawl(db_url: str, sources: Path) -> list[dict]:
    args = ["crawl", "js-site", "--format", "json"] + [x for s in FAST for x in ("--set", s)]
    result = newsmon(args, db_url, {}, sources)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_javascript_listing_is_crawled_through_chromium(js_site: str, tmp_path: Path) -> None:
    need_chromium()
    db_url = f"sqlite:///{tmp_path / 'browser.db'}"
    _crawl(db_url, _sources(js_site, tmp_path / "browser.yaml", "browser"))
    stored = articles(db_url)
    assert sorted(a.title for a in stored) == sorted(TOPICS)
    for a in stored:  # the body the inline script wrote, not the empty shell
        n = int(a.canonical_url.rsplit("bai-", 1)[1].removesuffix(".html"))
        assert BODY.format(n=n)[:80] in a.text, a.text[:200]
    assert "/api/list.json" in JsSite.hits, "the page's own script fetched the list"


def test_the_same_site_over_plain_http_finds_nothing(js_site: str, tmp_path: Path) -> None:
    """The control: without the browser the list is empty, so the site needs render: browser."""
    db_url = f"sqlite:///{tmp_path / 'http.db'}"
    _crawl(db_url, _sources(js_site, tmp_path / "http.yaml", None))
    assert articles(db_url) == []
    assert "/tin-tuc" in JsSite.hits and "/api/list.json" not in JsSite.hits


def test_a_browser_source_without_chromium_fails_clearly(js_site: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on PATH
    monkeypatch.delenv("NEWSMON_BROWSER", raising=False)
    from scrapy.settings import Settings

    with pytest.raises(BrowserMissing, match="NEWSMON_BROWSER"):
        browser_executable(Settings())
    assert BROWSER_NAMES[0] == "chromium"
    db_url = f"sqlite:///{tmp_path / 'none.db'}"
    sources = _sources(js_site, tmp_path / "browser.yaml", "browser")
    args = ["crawl", "js-site", "--format", "json"] + [x for s in FAST for x in ("--set", s)]
    result = newsmon(args, db_url, {"NEWSMON_BROWSER": str(tmp_path / "no-such-chromium")}, sources)
    assert result.returncode != 0
    assert "NEWSMON_BROWSER" in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]


def test_render_must_be_http_or_browser(tmp_path: Path) -> None:
    from pipeline.sources import RegistryError, load_registry

    bad = _sources("http://127.0.0.1:9", tmp_path / "bad.yaml", "javascript")
    with pytest.raises(RegistryError, match="render"):
        load_registry(bad)
