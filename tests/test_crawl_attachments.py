"""The documents behind the news: PDF and DOCX attachments crawled from a local site.

A site on 127.0.0.1 with a sitemap of three articles and one PDF linked directly. The first
article links a text PDF and a DOCX served as ``application/octet-stream`` behind
``download.aspx?file=…``; the second a scanned PDF (no text layer) and a broken one; the third
a PDF on another site (not fetched). ``newsmon crawl`` runs as a subprocess; the stored
attachments, the fetch errors and ``newsmon search`` are checked.
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
from sqlalchemy import select

from newsmon.sample_sites.documents import docx_file, scan_pdf, text_pdf
from storage.db import make_engine, session_factory, session_scope
from storage.models import Attachment, FetchError
from tests.e2e_helpers import FAST, articles, newsmon

BODY = (
    "Sáng nay, Sở Văn hóa, Thể thao và Du lịch tỉnh đã ban hành văn bản gửi các cơ quan, đơn vị "
    "liên quan về việc triển khai nhiệm vụ trong năm. Các đơn vị căn cứ nội dung văn bản đính kèm "
    "để thực hiện, báo cáo kết quả về Sở trước ngày quy định. Chi tiết xem tại tệp đính kèm bên dưới. "
)
TITLES = [
    "Kế hoạch tổ chức hội nghị năm 2026",
    "Thông báo về việc triển khai văn bản",
    "Văn bản của tỉnh bạn",
]
PDF = text_pdf(["Ke hoach to chuc hoi nghi tap huan", "cong tac thong tin doi ngoai cho can bo xa phuong"])
DOCX = docx_file(["Chương trình lớp bồi dưỡng kiến thức quyền con người", "Địa điểm: hội trường Sở"])
DIRECT = text_pdf(["Quyet dinh phe duyet de an hop tac ngoai giao nhan dan"])


def _article(n: int, links: list[str]) -> bytes:
    anchors = "".join(f"<li><a href='{href}'>Tệp đính kèm {i + 1}</a></li>" for i, href in enumerate(links))
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{TITLES[n]}</title><meta property='article:published_time' content='2026-03-1{n}T08:00:00+07:00'>"
        f"</head><body><nav><a href='/'>Trang chủ</a></nav><article><h1>{TITLES[n]}</h1>"
        f"<p>{BODY}</p><p>{BODY}</p><ul class='attachments'>{anchors}</ul></article></body></html>"
    ).encode()


LINKS = {
    0: ["/uploads/ke-hoach-21.pdf", "/download.aspx?file=chuong-trinh.docx", "#top"],
    1: ["/uploads/scan.pdf", "/uploads/broken.pdf"],
    2: ["http://other.invalid/files/van-ban.pdf"],
}


class DocSite(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    base: ClassVar[str] = ""

    def do_GET(self) -> None:
        DocSite.hits.append(self.path)
        files = {
            "/uploads/ke-hoach-21.pdf": (PDF, "application/pdf"),
            "/download.aspx?file=chuong-trinh.docx": (DOCX, "application/octet-stream"),
            "/uploads/scan.pdf": (scan_pdf(), "application/pdf"),
            "/uploads/broken.pdf": (b"%PDF-1.4\nthis is not really a pdf", "application/pdf"),
            "/uploads/quyet-dinh-1079.pdf": (DIRECT, "application/pdf"),
        }
        if self.path == "/sitemap.xml":
            urls = [f"{DocSite.base}/tin/bai-{n}.html" for n in range(3)] + [
                f"{DocSite.base}/uploads/quyet-dinh-1079.pdf"
            ]
            body = (
                "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
                + "</urlset>"
            ).encode()
            ctype = "application/xml"
        elif self.path in files:
            body, ctype = files[self.path]
        elif self.path.startswith("/tin/bai-"):
            n = int(self.path.removeprefix("/tin/bai-").removesuffix(".html"))
            body, ctype = _article(n, LINKS[n]), "text/html; charset=utf-8"
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
def doc_site() -> Iterator[str]:
    DocSite.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), DocSite)
    DocSite.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DocSite.base
    finally:
        server.shutdown()
        server.server_close()


def _sources(base: str, path: Path) -> Path:
    entry = {
        "id": "doc-site",
        "name": "a department that publishes its plans as attachments",
        "kind": "provincial_department",
        "province": "Đắk Lắk",
        "homepage": base + "/",
        "languages": ["vi"],
        "schedule": {"every": "6h"},
        "discovery": {"sitemaps": [base + "/sitemap.xml"]},
    }
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")
    return path


def _crawl(db_url: str, sources: Path, *extra: str) -> list[dict]:
    args = ["crawl", "doc-site", "--format", "json", *extra] + [x for s in FAST for x in ("--set", s)]
    result = newsmon(args, db_url, {}, sources)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return json.loads(result.stdout) if result.stdout.strip() else []


def _stored(db_url: str) -> tuple[dict[str, Attachment], list[FetchError]]:
    with session_scope(session_factory(make_engine(db_url))) as session:
        rows = {a.url.rsplit("/", 1)[1]: a for a in session.scalars(select(Attachment))}
        errors = list(session.scalars(select(FetchError)))
        session.expunge_all()
    return rows, errors


def _search(db_url: str, sources: Path, *words: str) -> list[str]:
    result = newsmon(["search", *words, "--format", "json"], db_url, {}, sources)
    assert result.returncode == 0, result.stderr[-2000:]
    return [hit["title"] for hit in json.loads(result.stdout)]


def test_attachments_are_fetched_read_and_searchable(doc_site: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'docs.db'}"
    sources = _sources(doc_site, tmp_path / "sources.yaml")
    _crawl(db_url, sources)
    assert sorted(a.title for a in articles(db_url)) == sorted(TITLES)
    stored, errors = _stored(db_url)
    assert set(stored) == {
        "ke-hoach-21.pdf", "download.aspx?file=chuong-trinh.docx", "scan.pdf", "broken.pdf", "quyet-dinh-1079.pdf",
    }  # fmt: skip
    plan = stored["ke-hoach-21.pdf"]
    assert (plan.kind, plan.status, plan.pages) == ("pdf", "text", 1)
    assert "tap huan" in plan.text and plan.article_url.endswith("/tin/bai-0.html")
    docx = stored["download.aspx?file=chuong-trinh.docx"]
    assert (docx.kind, docx.status) == ("docx", "text")  # octet-stream, known by its bytes and its name
    assert "quyền con người" in docx.text
    assert stored["scan.pdf"].status == "no_text_layer"
    assert stored["broken.pdf"].status == "unreadable"
    direct = stored["quyet-dinh-1079.pdf"]
    assert direct.status == "text" and direct.article_url is None  # the sitemap linked the file itself
    assert not any("other.invalid" in hit for hit in DocSite.hits)
    attachment_errors = [e for e in errors if e.kind == "attachment"]
    assert [e.url.rsplit("/", 1)[1] for e in attachment_errors] == ["broken.pdf"]
    # The article is found by words that only its attachments hold (accents optional).
    assert _search(db_url, sources, "tập huấn", "đối ngoại") == [TITLES[0]]
    assert _search(db_url, sources, "quyen", "con", "nguoi") == [TITLES[0]]
    assert _search(db_url, sources, "--reindex", "tap", "huan") == [TITLES[0]]  # reindex keeps them


def test_second_crawl_fetches_no_attachment_again(doc_site: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'docs.db'}"
    sources = _sources(doc_site, tmp_path / "sources.yaml")
    _crawl(db_url, sources)
    first = list(DocSite.hits)
    assert "/uploads/ke-hoach-21.pdf" in first
    DocSite.hits.clear()
    _crawl(db_url, sources)
    assert DocSite.hits == ["/sitemap.xml"] or set(DocSite.hits) <= {"/sitemap.xml", "/robots.txt"}, (
        DocSite.hits
    )


def test_attachments_can_be_turned_off(doc_site: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'docs.db'}"
    _crawl(db_url, _sources(doc_site, tmp_path / "sources.yaml"), "--set", "NEWSMON_ATTACHMENTS=false")
    stored, _ = _stored(db_url)
    assert set(stored) == {"quyet-dinh-1079.pdf"}  # linked by the sitemap itself, so still an item
    assert "/uploads/ke-hoach-21.pdf" not in DocSite.hits


def test_sample_department_site_serves_its_plan_as_attachments(tmp_path: Path) -> None:
    """The demo's ASP.NET department site links a plan PDF and a programme DOCX from its plan
    article; a crawl stores both with their text, and search finds the article by them."""
    from newsmon.sample_sites import DEFAULT_PORTS, SampleSites, catalog
    from tests.e2e_helpers import crawl

    expected = {d["file"] for a in catalog() for d in a["attachments"]}
    assert expected == {"KH-45-STTTT-2024.pdf", "ChuongTrinh-TapHuan-2024.docx"}
    db_url = f"sqlite:///{tmp_path / 'sample.db'}"
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites:
        crawl(db_url, sites.env())
    stored, _ = _stored(db_url)
    assert set(stored) == expected
    assert all(a.status == "text" for a in stored.values())
    assert stored["ChuongTrinh-TapHuan-2024.docx"].kind == "docx"  # served as octet-stream
    from newsmon.sample_sites import SOURCES

    hits = _search(db_url, SOURCES, "kiem tra cuoi khoa")
    assert hits == ["Kế hoạch tổ chức tập huấn công tác thông tin đối ngoại về quyền con người năm 2024"]
