"""Issue 5: search (FTS5, diacritic-insensitive, query language, filters, snippets, hostile
input) and exports, on a real SQLite file filled by `newsmon ingest` of the seeds."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsmon.cli import main
from newsmon.services.search import Filters, parse_query, search, to_fts
from pipeline.text import search_document
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope, upgrade
from tests.conftest import DatabaseServer
from tests.test_seed_events import SEEDS, republished_copy_of_001

HOSTILE = ['"', "*", "NEAR(", "') OR 1=1 --", "a:b", "^x", "((((", "))) OR (", "-", "NOT", 'x" OR "y', ":-*^"]


def cli(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--database", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, database_server: DatabaseServer) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("search")
    url = database_server.new("search", tmp)
    cli(url, "ingest", *map(str, SEEDS), str(republished_copy_of_001(tmp)), "--no-deliver")
    sessions = session_factory(make_engine(url))
    with session_scope(sessions) as s:  # a source with a province, and both tone-mark styles
        repo.upsert_source(s, id="tuyenquang", name="Báo Tuyên Quang", kind="paper", province="Hà Giang",
                           province_2025="Tuyên Quang", homepage="https://a.vn/")  # fmt: skip
        for n, word in enumerate(["hoà giải", "hòa giải"]):
            repo.upsert_article(
                s, f"https://a.vn/{n}", url=f"https://a.vn/{n}", source_id="tuyenquang", title=f"Tin {word}",
                text=f"Hội nghị về {word} cơ sở tại Hà Giang.", content_hash=f"h{n}", language="vi",
                search_text=search_document(f"Tin {word}", f"Hội nghị về {word} cơ sở tại Hà Giang."),
                published_at=datetime(2025, 3, n + 1, tzinfo=UTC),
            )  # fmt: skip
    yield url
    database_server.drop(url)


def hits(db: str, *args: str) -> list[dict]:
    return json.loads(cli(db, "search", *args, "--format", "json"))


def names(rows: list[dict]) -> set[str]:
    return {r["url"].rsplit("/", 1)[-1][:3] for r in rows}


def test_diacritic_insensitive_and_json_fields(db):
    folded = hits(db, "tap huan thong tin doi ngoai")
    accented = hits(db, "tập huấn thông tin đối ngoại")
    assert folded and [r["url"] for r in folded] == [r["url"] for r in accented]
    assert "003" in names(folded)
    assert set(folded[0]) >= {"url", "title", "published", "source", "language", "event_id", "snippet"}


def test_tone_mark_styles_match(db):
    for query in ('"hoà giải"', '"hòa giải"', '"hoa giai"', '"HOÀ GIẢI"'):
        assert {r["url"] for r in hits(db, query)} == {"https://a.vn/0", "https://a.vn/1"}, query


def test_phrase_or_not_prefix_and_parentheses(db):
    phrase = names(hits(db, '"tap huan cong tac thong tin doi ngoai"'))
    words = names(hits(db, "tap huan cong tac thong tin doi ngoai"))
    assert phrase and phrase <= words
    assert names(hits(db, '"doi ngoai tap huan cong tac"')) == set()
    thanh_hoa, hoa_binh = names(hits(db, '"Thanh Hóa"')), names(hits(db, '"Hòa Bình"'))
    assert names(hits(db, '"Thanh Hóa" OR "Hòa Bình"')) == thanh_hoa | hoa_binh
    assert names(hits(db, 'nhân quyền NOT "Thanh Hóa"')) == names(hits(db, "nhân quyền")) - thanh_hoa
    assert names(hits(db, 'nhân quyền -"Thanh Hóa"')) == names(hits(db, 'nhân quyền NOT "Thanh Hóa"'))
    assert names(hits(db, '("Thanh Hóa" OR "Hòa Bình") quyen')) == names(hits(db, "quyen")) & (
        thanh_hoa | hoa_binh
    )
    assert hits(db, "gia*")  # prefix: giải, giai đoạn...


def test_filters(db):
    everything = hits(db, "quyen con nguoi", "--limit", "100")
    assert everything
    old = hits(db, "quyen con nguoi", "--province", "Hoà Bình")
    new = hits(db, "quyen con nguoi", "--province", "phu tho")  # Hòa Bình is part of Phú Thọ since 2025
    assert "001" in names(old) and "003" not in names(old) and names(old) <= names(new)  # 003: Thanh Hóa
    by_source_old = hits(db, '"hoa giai"', "--province", "Hà Giang")
    by_source_new = hits(db, '"hoa giai"', "--province", "Tuyên Quang")
    assert len(by_source_old) == len(by_source_new) == 2
    assert (
        hits(db, '"hoa giai"', "--source", "tuyenquang", "--since", "2025-03-02")
        == hits(db, '"hoa giai"')[:1]
    )
    assert hits(db, '"hoa giai"', "--until", "2025-03-01") == []
    assert {r["language"] for r in hits(db, "quyen", "--language", "vi")} == {"vi"}
    assert hits(db, "quyen", "--language", "en") == []
    typed = hits(db, "quyen con nguoi", "--type", "training_conference")
    assert typed and names(typed) <= names(everything)
    assert hits(db, "quyen con nguoi", "--topic", "human_rights")
    assert hits(db, "quyen con nguoi", "--topic", 'x%"') == []
    result = CliRunner().invoke(main, ["--database", db, "search", "x", "--province", "Atlantis"])
    assert result.exit_code == 2 and "unknown province" in result.output


def test_duplicates_folded_by_default(db):
    folded = hits(db, "Hòa Bình quyen con nguoi", "--limit", "100")
    shown = hits(db, "Hòa Bình quyen con nguoi", "--limit", "100", "--with-duplicates")
    assert not any(r["duplicate_of"] for r in folded)
    copies = [r for r in shown if r["duplicate_of"]]
    assert len(copies) == 1 and copies[0]["url"].endswith("copy_of_001.txt")


def test_snippet_highlights_the_original_text(db):
    snippet = hits(db, "thong tin doi ngoai")[0]["snippet"]
    assert "«thông tin đối ngoại»" in snippet.lower()
    assert "«hoà giải»" in hits(db, '"hoa giai"', "--until", "2025-03-02")[0]["snippet"]


@pytest.mark.parametrize("query", [*HOSTILE, "tap " * 2500, "(" * 5000 + "quyen", '"' * 3333 + "a"])
def test_hostile_queries_never_raise(db, query):
    for fmt in ("json", "csv", "table"):
        result = CliRunner().invoke(main, ["--database", db, "search", query, "--format", fmt])
        assert result.exit_code == 0, result.output
    sessions = session_factory(make_engine(db))
    with session_scope(sessions) as s:
        page = search(s, query, Filters(with_duplicates=True))
        assert page.total >= len(page.hits)


def test_sql_in_a_query_is_a_term_not_sql(db):
    rendered = to_fts(parse_query("') OR 1=1; DROP TABLE articles; --"))
    assert rendered.count('"') % 2 == 0
    assert "'" not in rendered and ";" not in rendered
    hits(db, "'); DROP TABLE articles; --")
    assert hits(db, "quyen")  # the table is still there


def test_search_reindex(db):
    before = hits(db, "quyen con nguoi", "--limit", "100")
    result = CliRunner().invoke(main, ["--database", db, "search", "--reindex"])
    assert result.exit_code == 0 and "rebuilt" in result.output
    assert hits(db, "quyen con nguoi", "--limit", "100") == before


def test_index_follows_updates(db):
    sessions = session_factory(make_engine(db))
    with session_scope(sessions) as s:
        repo.upsert_article(s, "https://a.vn/0", url="https://a.vn/0", source_id="tuyenquang", title="Tin mới",
                            text="Nội dung khác hẳn: kỳ lân xanh lục bảo.", content_hash="h9", language="vi",
                            search_text=search_document("Nội dung khác hẳn: kỳ lân xanh lục bảo."),
                            published_at=datetime(2025, 3, 1, tzinfo=UTC))  # fmt: skip
    try:
        assert [r["url"] for r in hits(db, '"ky lan xanh luc bao"')] == ["https://a.vn/0"]
        assert [r["url"] for r in hits(db, '"hoa giai"')] == ["https://a.vn/1"]
    finally:
        with session_scope(sessions) as s:
            repo.upsert_article(s, "https://a.vn/0", url="https://a.vn/0", source_id="tuyenquang",
                                title="Tin hoà giải", text="Hội nghị về hoà giải cơ sở tại Hà Giang.",
                                content_hash="h0", language="vi",
                                search_text=search_document("Tin hoà giải", "Hội nghị về hoà giải cơ sở tại Hà Giang."),
                                published_at=datetime(2025, 3, 1, tzinfo=UTC))  # fmt: skip


def test_like_fallback_gives_the_same_answers(db, monkeypatch):
    import newsmon.services.search.engine as searching

    sessions = session_factory(make_engine(db))
    queries = [
        "tap huan thong tin doi ngoai",
        '"Thanh Hóa" OR "Hòa Bình"',
        'nhân quyền -"Thanh Hóa"',
        "gia*",
        *HOSTILE,
    ]
    with session_scope(sessions) as s:
        fts = {q: {h.url for h in search(s, q, limit=100).hits} for q in queries}
        monkeypatch.setattr(searching, "uses_fts", lambda _s: False)  # what PostgreSQL runs
        like = {q: {h.url for h in search(s, q, limit=100).hits} for q in queries}
    assert like == fts


def test_articles_stored_before_the_migration_are_indexed(tmp_path: Path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO articles (canonical_url, url, title, text, content_hash, word_count, created_at, updated_at,"
            " topics, classification, fields) VALUES ('u', 'u', 'Hội nghị tập huấn', 'Thông tin ĐỐI NGOẠI năm 2023',"
            " 'h', 5, '2024-01-01', '2024-01-01', '[]', '{}', '{}')"
        ))  # fmt: skip
    upgrade(engine)
    with session_scope(session_factory(engine)) as s:
        assert [h.url for h in search(s, "tap huan thong tin doi ngoai").hits] == ["u"]
        assert "«ĐỐI NGOẠI»" in search(s, '"doi ngoai"').hits[0].snippet


# --- exports -------------------------------------------------------------------------


def test_export_csv_has_a_bom_and_round_trips_vietnamese(db, tmp_path: Path):
    target = tmp_path / "a.csv"
    cli(db, "export", "articles", "--format", "csv", "--output", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any(
        r["title"] == "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023" for r in rows
    )
    assert len(rows) == 7  # 5 seeds + 2 added; the copy is folded
    stdout = cli(db, "export", "events", "--format", "csv", "--province", "Phú Thọ")
    assert stdout.startswith("\ufeff") and "Hòa Bình" in stdout


def test_export_jsonl_streams_one_line_per_row(db, tmp_path: Path):
    lines = cli(db, "export", "articles", "--format", "jsonl", "--with-duplicates").splitlines()
    assert len(lines) == 8 and all(json.loads(line)["url"] for line in lines)
    assert len(cli(db, "export", "articles", "--format", "jsonl", "--query", '"hoa giai"').splitlines()) == 2
    events = [json.loads(line) for line in cli(db, "export", "events", "--format", "jsonl").splitlines()]
    assert len(events) == 5 and all(e["reports"] >= 1 for e in events)


def test_export_xlsx_opens_with_openpyxl(db, tmp_path: Path):
    from openpyxl import load_workbook

    target = tmp_path / "events.xlsx"
    cli(db, "export", "events", "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("id", "type") and len(rows) == 6
    assert any("Hòa Bình" in (r[5] or "") for r in rows[1:])
    result = CliRunner().invoke(main, ["--database", db, "export", "articles", "--format", "xlsx"])
    assert result.exit_code == 2
