from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from storage import repository as repo
from storage.db import (
    DatabaseError,
    current_revision,
    downgrade,
    make_engine,
    session_factory,
    session_scope,
    table_names,
    upgrade,
)
from storage.models import Base, Page, in_models

VN = timezone(timedelta(hours=7))


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return session_factory(engine)


def test_migrations_up_down_and_match_models(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    assert {"articles", "pages", "crawl_runs", "fetch_errors", "sources"} <= set(table_names(engine))
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": in_models}),
            Base.metadata,
        )
    assert diff == [], f"models and migrations differ: {diff}"
    downgrade(engine, "base")
    assert table_names(engine) == ["alembic_version"]
    upgrade(engine)
    assert current_revision(engine) is not None


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(DatabaseError, match="not a database URL"):
        make_engine("nonsense")


def test_save_page_is_idempotent_and_compressed(sessions):
    body = ("<html>" + "tập huấn " * 2000 + "</html>").encode()
    with session_scope(sessions) as s:
        pid, new = repo.save_page(
            s,
            canonical_url="https://a.vn/x",
            url="http://www.a.vn/x",
            body=body,
            requested_canonical="https://a.vn/old",
        )
    with session_scope(sessions) as s:
        pid2, new2 = repo.save_page(s, canonical_url="https://a.vn/x", url="http://a.vn/x", body=b"other")
    assert new and not new2 and pid == pid2
    with session_scope(sessions) as s:
        row = s.get(Page, pid)
        assert repo.page_body(row) == body
        assert len(row.body) < len(body) / 10
        assert s.scalar(select(Page.url)) == "http://www.a.vn/x"
        assert repo.known_urls(s, ["https://a.vn/x", "https://a.vn/old", "https://a.vn/new"]) == {
            "https://a.vn/x",
            "https://a.vn/old",
        }


def test_replace_overwrites_page(sessions):
    with session_scope(sessions) as s:
        pid, _ = repo.save_page(s, canonical_url="https://a.vn/x", url="https://a.vn/x", body=b"one")
        repo.mark_page(s, pid, "ok")
    with session_scope(sessions) as s:
        pid2, _ = repo.save_page(
            s, canonical_url="https://a.vn/x", url="https://a.vn/x", body=b"two", replace=True
        )
        assert pid2 == pid
        row = s.get(Page, pid)
        s.refresh(row)
        assert repo.page_body(row) == b"two" and row.process_status == "pending"


def test_upsert_article_statuses_and_utc_round_trip(sessions):
    published = datetime(2023, 12, 7, 16, 30, tzinfo=VN)
    fields = dict(url="https://a.vn/x", title="T", text="body", content_hash="h1", published_at=published)
    with session_scope(sessions) as s:
        aid, status = repo.upsert_article(s, "https://a.vn/x", **fields)
        assert status == "new"
    with session_scope(sessions) as s:
        assert repo.upsert_article(s, "https://a.vn/x", **fields) == (aid, "unchanged")
        assert repo.upsert_article(s, "https://a.vn/x", **{**fields, "content_hash": "h2"}) == (
            aid,
            "updated",
        )
    with session_scope(sessions) as s:
        article = repo.get_article(s, str(aid))
        assert article.published_at == published
        assert article.published_at.tzinfo is not None
        assert repo.get_article(s, "https://a.vn/x").id == aid
        assert repo.count_articles(s) == 1
    with pytest.raises(TypeError), session_scope(sessions) as s:
        repo.upsert_article(s, "https://a.vn/y", colour="red")


def test_naive_datetimes_are_refused(sessions):
    with pytest.raises(Exception, match="naive datetime"), session_scope(sessions) as s:
        repo.upsert_article(
            s, "https://a.vn/z", url="u", text="t", content_hash="h", published_at=datetime(2024, 1, 1)
        )


def test_crawl_runs_and_stale_runs(sessions):
    with session_scope(sessions) as s:
        run = repo.start_crawl_run(s, "src", hostname="h", pid=999999)
        repo.record_fetch_error(s, run, "https://a.vn/404", "http_404", 404, "HTTP 404")
    with session_scope(sessions) as s:
        assert repo.mark_stale_runs(s, "h", lambda pid: False) == 1
        assert repo.mark_stale_runs(s, "h", lambda pid: False) == 0
        [r] = repo.recent_runs(s)
        assert r.status == "interrupted" and len(r.errors) == 1 and r.errors[0].kind == "http_404"
        assert r.finished_at <= datetime.now(UTC)


def test_iter_pages_batches_and_filters(sessions):
    with session_scope(sessions) as s:
        for i in range(7):
            pid, _ = repo.save_page(
                s,
                canonical_url=f"https://a.vn/{i}",
                url=f"https://a.vn/{i}",
                body=b"x",
                source_id="a" if i % 2 else "b",
            )
            if i < 3:
                repo.mark_page(s, pid, "failed", "empty")
    with session_scope(sessions) as s:
        assert len(list(repo.iter_pages(s, batch=2))) == 7
        assert len(list(repo.iter_pages(s, statuses=["failed"], batch=2))) == 3
        assert repo.count_pages(s, source_id="a") == 3


def test_an_id_beyond_the_integer_range_is_no_article(sessions):
    with session_scope(sessions) as s:
        assert repo.get_article(s, 2**40) is None and repo.get_article(s, str(2**63)) is None
        assert repo.get_article(s, 0) is None
