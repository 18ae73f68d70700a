"""The newsmon command, run as a user runs it (subprocess), on local files only."""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT

SEEDS = sorted((FIXTURES / "seeds").glob("0??_*.txt"))

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{title} - Báo Mẫu</title>
<link rel="canonical" href="{url}">
<meta property="article:published_time" content="2024-03-15T08:30:00+07:00">
</head><body><header>Thứ Hai, 22/11/2026</header>
<article><h1>{title}</h1>
<div class="article__sapo">Sáng 15/3, tại Hà Nội, đã diễn ra hội nghị tổng kết công tác năm của ngành.</div>
<div class="article__body">{body}</div></article>
<footer>Giấy phép số 123/GP-BTTTT. Chịu trách nhiệm: Ban biên tập.</footer></body></html>"""

PARAGRAPHS = [
    "Hội nghị đã đánh giá kết quả thực hiện nhiệm vụ năm 2023 và đề ra phương hướng cho năm 2024 với nhiều chỉ tiêu quan trọng.",
    "Các đại biểu đã thảo luận sôi nổi về chuyển đổi số, cải cách hành chính và nâng cao chất lượng phục vụ người dân.",
    "Phát biểu kết luận, lãnh đạo sở đề nghị các đơn vị tập trung triển khai quyết liệt, đồng bộ các giải pháp đã đề ra.",
]


def page(url: str, title: str = "Hội nghị tổng kết công tác năm 2023") -> str:
    return PAGE.format(url=url, title=title, body="".join(f"<p>{p}</p>" for p in PARAGRAPHS))


def run(*args: str, db: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "newsmon"]
    if db:
        cmd += ["--database", db]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=PROJECT, timeout=timeout)


def test_analyze_json_one_object_per_file_in_order(tmp_path: Path):
    html = tmp_path / "a.html"
    html.write_text(page("https://bao.example.vn/tong-ket-post1.html"), encoding="utf-8")
    result = run("analyze", str(SEEDS[4]), str(html), str(SEEDS[1]), "--format", "json")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(o["file"]).name for o in objects] == [SEEDS[4].name, "a.html", SEEDS[1].name]
    for o in objects:
        assert {"url", "title", "published", "language", "author", "lead", "text"} <= set(o)
        assert o["language"] == "vi"
    assert objects[0]["published"] == "2024-08-07T17:01:00+07:00"
    assert objects[1]["url"] == "https://bao.example.vn/tong-ket-post1.html"
    assert objects[1]["published"] == "2024-03-15T08:30:00+07:00"
    assert objects[1]["lead"].startswith("Sáng 15/3")
    assert all(p in objects[1]["text"] for p in PARAGRAPHS)
    assert "Giấy phép" not in objects[1]["text"]


def test_analyze_url_and_published_options(tmp_path: Path):
    result = run(
        "analyze",
        str(SEEDS[1]),
        "--url",
        "https://nhandan.vn/x-post1.html",
        "--published",
        "2023-12-07",
        "--format",
        "json",
    )
    obj = json.loads(result.stdout)
    assert obj["url"] == "https://nhandan.vn/x-post1.html"
    assert obj["published"].startswith("2023-12-07")
    bad = run("analyze", str(SEEDS[1]), "--published", "yesterday-ish")
    assert bad.returncode == 2 and "--published" in bad.stderr


def _warc(path: Path, records: list[tuple[str, str]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, html in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(html.encode()), http_headers=headers
                )
            )
        not_found = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                "https://bao.example.vn/missing", "response", payload=BytesIO(b"gone"), http_headers=not_found
            )
        )


def test_ingest_files_dirs_jsonl_warc_then_list_show_reprocess(database_url, tmp_path: Path):
    db = database_url
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "one.html").write_text(
        page("https://bao.example.vn/one-post1.html", "Bài một về hội nghị"), encoding="utf-8"
    )
    (saved / "notes.md").write_text("ignored", encoding="utf-8")
    (saved / "empty.html").write_text("<html><body><nav>menu</nav></body></html>", encoding="utf-8")
    jsonl = tmp_path / "pages.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "url": "https://bao.example.vn/two-post2.html",
                "html": page("https://x", "Bài hai về hội nghị"),
            },
            ensure_ascii=False,
        )
        + "\nnot json\n",
        encoding="utf-8",
    )
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc, [("https://bao.example.vn/three-post3.html", page("https://x", "Bài ba về hội nghị"))])

    first = run("ingest", str(saved), str(jsonl), str(warc), db=db)
    assert first.returncode == 0, first.stderr
    assert "ingested 4 page(s): 3 new article(s)" in first.stdout
    assert "1 without article" in first.stdout
    assert "pages.jsonl:2: skipped" in first.stderr
    again = run("ingest", str(saved), str(jsonl), str(warc), db=db)
    assert "0 new article(s)" in again.stdout and "4 already stored" in again.stdout

    listed = json.loads(run("articles", "list", "--format", "json", db=db).stdout)
    assert {a["url"] for a in listed} == {
        "https://bao.example.vn/one-post1.html",
        "https://bao.example.vn/two-post2.html",
        "https://bao.example.vn/three-post3.html",
    }
    shown = json.loads(run("articles", "show", str(listed[0]["id"]), "--format", "json", db=db).stdout)
    assert all(p in shown["text"] for p in PARAGRAPHS)
    missing = run("articles", "show", "99999", db=db)
    assert missing.returncode == 2 and "no article" in missing.stderr
    csv_out = run("articles", "list", "--format", "csv", db=db).stdout
    assert csv_out.startswith("\ufeffid,") and "Bài hai về hội nghị" in csv_out

    redo = run("reprocess", db=db)
    assert "reprocessed 4 page(s): 0 new article(s), 0 updated, 3 unchanged, 1 without article" in redo.stdout
    failed_only = run("reprocess", "--failed", db=db)
    assert "reprocessed 1 page(s)" in failed_only.stdout


def test_processing_failure_keeps_the_raw_page(database_url, monkeypatch: pytest.MonkeyPatch):
    import newsmon.services.store as store_module
    import pipeline.prepare as prepare_module
    from pipeline.types import Page
    from storage import repository as repo
    from storage.db import make_engine, session_factory, session_scope, upgrade
    from storage.models import Page as PageRow

    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    store = store_module.ArticleStore(sessions)
    html = page("https://bao.example.vn/crash-post9.html").encode()

    def boom(*args, **kwargs):
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(prepare_module, "process_page", boom)
    outcome = store.ingest(Page(url="https://bao.example.vn/crash-post9.html", body=html))
    assert outcome.status == "failed" and "extractor bug" in outcome.error
    with session_scope(sessions) as s:
        row = s.get(PageRow, outcome.page_id)
        assert row.process_status == "error" and repo.page_body(row) == html
        assert repo.count_articles(s) == 0
    monkeypatch.undo()
    assert store.process_stored(outcome.page_id).status == "new"


@pytest.mark.one_backend  # errors before any query
def test_unknown_source_and_bad_database_are_one_line_errors(database_url):
    unknown = run("crawl", "no-such-source", db=database_url)
    assert unknown.returncode == 2 and "no source with id 'no-such-source'" in unknown.stderr
    bad_db = run("articles", "list", db="nonsense://")
    assert bad_db.returncode == 2 and "DATABASE_URL" in bad_db.stderr
    both = run("crawl", "--all", "nhandan")
    assert both.returncode == 2
