"""PostgreSQL full-text search (newsmon/services/search/postgres.py) against a real server: the query language
as on SQLite, the same answers as FTS5 on the same articles, the GIN index used, and no query
string that raises. Needs the server of ``tests/services.sh`` (skipped without it, failed in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from newsmon.services.search import Filters, parse_query, search
from newsmon.services.search.postgres import to_tsquery_text
from pipeline.text import search_document
from storage import repository as repo
from storage.db import make_engine, session_factory, session_scope, upgrade
from tests.conftest import PostgresDatabases

ARTICLES = {
    "tap-huan": ("Hội nghị tập huấn công tác thông tin đối ngoại", "Sở Thông tin và Truyền thông Hòa Bình "
                 "tổ chức hội nghị tập huấn về quyền con người cho 280 đại biểu."),
    "hoa-binh": ("Tin Hoà Bình", "Hội nghị về hoà giải cơ sở tại Hòa Bình, không phải tập huấn."),
    "thanh-hoa": ("Thanh Hóa tuyên truyền nhân quyền", "Tỉnh Thanh Hóa tổ chức tuyên truyền về quyền con "
                  "người và thông tin đối ngoại năm 2024."),
    "reversed": ("Đối ngoại thông tin", "Bài viết đảo thứ tự: đối ngoại thông tin, huấn tập, giải hòa."),
    "english": ("Training on human rights", "A training conference on external information and human rights."),
    "quotes": ("Kí tự lạ", "Văn bản có it's, a:b, x*y, (ngoặc) và dấu & | ! trong nội dung; giai đoạn mới."),
}  # fmt: skip

QUERIES = [
    "tap huan thong tin doi ngoai",
    "tập huấn thông tin đối ngoại",
    '"thong tin doi ngoai"',
    '"doi ngoai thong tin"',
    '"hoa giai"',
    '"hòa giải"',
    '"Thanh Hóa" OR "Hòa Bình"',
    'quyen con nguoi NOT "Thanh Hóa"',
    "quyen -thanh",
    '("Thanh Hóa" OR "Hòa Bình") quyen',
    "gia*",
    "huan*",
    '"thong tin doi*"',
    "human rights",
    "NOT quyen",
    "it's",
]
HOSTILE = ["'", '"', ":*", "*", "()", "(", ")", "&", "|", "!", "!!", "<->", "'\":*()&|!", "a'b", "\\", "\\'",
           "x:*A", "a & | b", "'); DROP TABLE articles; --", "NOT", "OR", "-", "((((", "))) OR (",
           "a" * 5000, "tap " * 2500, "đ" * 3000 + "*"]  # fmt: skip


def _fill(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        for n, (slug, (title, text)) in enumerate(ARTICLES.items()):
            url = f"https://a.vn/{slug}"
            repo.upsert_article(s, url, url=url, title=title, text=text, content_hash=slug,
                                language="en" if slug == "english" else "vi", source_id="src",
                                search_text=search_document(title, text),
                                published_at=datetime(2025, 1, n + 1, tzinfo=UTC))  # fmt: skip


@pytest.fixture(scope="module")
def pg(pg_server: PostgresDatabases) -> Iterator[sessionmaker[Session]]:
    """One database for the module's read-only tests (a test that writes takes ``pg_url``)."""
    url = pg_server.create("search_pg")
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    _fill(sessions)
    yield sessions
    engine.dispose()
    pg_server.drop(make_url(url).database)


def found(sessions: sessionmaker[Session], query: str, **filters: object) -> list[str]:
    with session_scope(sessions) as s:
        page = search(s, query, Filters(**filters), limit=100)  # type: ignore[arg-type]
        assert page.total == len(page.hits)
        return [h.url.rsplit("/", 1)[1] for h in page.hits]


def test_tsquery_text_quotes_every_word():
    assert to_tsquery_text(parse_query("tập huấn")) == "('tap') & ('huan')"
    assert to_tsquery_text(parse_query('"doi ngoai" OR quyen*')) == "('doi' <-> 'ngoai') | ('quyen':*)"
    assert to_tsquery_text(parse_query('quyen -"Thanh Hóa"')) == "(('quyen')) & !(('thanh' <-> 'hoa'))"
    assert to_tsquery_text(parse_query("NOT quyen")) is None
    assert to_tsquery_text(parse_query("'\":*()&|!")) is None
    long = to_tsquery_text(parse_query("đ" * 5000))
    assert long is not None and len(long.encode()) < 2100


def test_query_language_on_postgresql(pg):
    assert set(found(pg, "tap huan thong tin doi ngoai")) == {"tap-huan", "reversed"}
    assert found(pg, "tập huấn thông tin đối ngoại") == found(pg, "tap huan thong tin doi ngoai")
    assert found(pg, '"tap huan cong tac thong tin doi ngoai"') == ["tap-huan"]  # phrase: in order
    assert found(pg, '"doi ngoai thong tin"') == ["reversed"]
    assert set(found(pg, '"hoà giải"')) == set(found(pg, '"hòa giải"')) == {"hoa-binh"}
    assert set(found(pg, '"Thanh Hóa" OR "Hòa Bình"')) == {"tap-huan", "hoa-binh", "thanh-hoa"}
    assert set(found(pg, "quyen con nguoi")) == {"tap-huan", "thanh-hoa"}
    assert found(pg, 'quyen con nguoi NOT "Thanh Hóa"') == ["tap-huan"]
    assert found(pg, "quyen -thanh") == ["tap-huan"]
    assert set(found(pg, "gia*")) == {"hoa-binh", "reversed", "quotes"}  # giải, giai đoạn
    assert found(pg, '"thong tin doi*"') != [] and found(pg, '"tin thong*"') == []
    assert found(pg, "NOT quyen") == []
    assert found(pg, "quyen", language="en") == [] and found(pg, "human", language="en") == ["english"]


def test_best_first(pg_url):
    sessions = session_factory(make_engine(pg_url))
    upgrade(sessions.kw["bind"])
    _fill(sessions)
    with session_scope(sessions) as s:
        repo.upsert_article(s, "https://a.vn/dense", url="https://a.vn/dense", title="Đối ngoại",
                            text="Thông tin đối ngoại. " * 5, content_hash="dense", language="vi",
                            search_text=search_document("Đối ngoại", "Thông tin đối ngoại. " * 5),
                            published_at=datetime(2020, 1, 1, tzinfo=UTC))  # fmt: skip
        page = search(s, '"thong tin doi ngoai"', limit=10)
    assert page.hits[0].url.endswith("/dense"), [h.url for h in page.hits]
    ranks = [h.rank for h in page.hits]
    assert all(r is not None and r > 0 for r in ranks) and ranks == sorted(ranks, reverse=True)


def test_same_answers_as_sqlite_fts5(pg, sqlite_url):
    lite = session_factory(make_engine(sqlite_url))
    upgrade(lite.kw["bind"])
    _fill(lite)
    for query in QUERIES + HOSTILE:
        assert set(found(pg, query)) == set(found(lite, query)), query


@pytest.mark.parametrize("query", HOSTILE)
def test_odd_characters_never_raise(pg, query):
    with session_scope(pg) as s:
        page = search(s, query, Filters(with_duplicates=True))
        assert page.total == len(page.hits)
    assert found(pg, "quyen")  # nothing was dropped


def test_the_gin_index_answers(pg):
    with session_scope(pg) as s:
        assert (
            s.scalar(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_articles_search_tsv'"))
            == 1
        )
        from newsmon.services.search import matching_ids

        stmt, _ = matching_ids(s, parse_query('"thong tin doi ngoai" huan*'), Filters(with_duplicates=True))
        s.execute(sa.text("SET LOCAL enable_seqscan = off"))  # six rows: make the planner show its choice
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(s.scalars(sa.text(f"EXPLAIN {compiled}")))
    assert "ix_articles_search_tsv" in plan, plan
