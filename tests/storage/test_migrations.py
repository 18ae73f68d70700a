"""Every migration goes down and up again, with rows in the tables, on the backend under test
(SQLite, and PostgreSQL in ``make test-pg``): a deployment can roll back a release and forward
again without losing what was stored in the tables both versions have."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from newsmon.services.search import search
from pipeline.text import search_document
from storage import repository as repo
from storage.db import (
    _alembic_config,
    current_revision,
    downgrade,
    make_engine,
    session_factory,
    session_scope,
    table_names,
    upgrade,
)
from storage.models import Event

TITLE = "Hội nghị tập huấn thông tin đối ngoại"
TEXT = "Sở Thông tin và Truyền thông tổ chức hội nghị tập huấn về quyền con người."


def _revisions(engine: sa.Engine) -> list[str]:
    """Oldest first."""
    script = ScriptDirectory.from_config(_alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _fill(engine: sa.Engine) -> None:
    with session_scope(session_factory(engine)) as s:
        repo.upsert_source(
            s, id="src", name="Báo Mẫu", kind="paper", homepage="https://a.vn/", province="Hòa Bình"
        )
        run = repo.start_crawl_run(s, "src", hostname="h", pid=1)
        repo.record_fetch_error(s, run, "https://a.vn/404", "http_404", status=404)
        page_id, _ = repo.save_page(
            s, canonical_url="https://a.vn/1", url="https://a.vn/1", body=b"<html></html>"
        )
        article_id, _ = repo.upsert_article(
            s, "https://a.vn/1", url="https://a.vn/1", page_id=page_id, source_id="src", title=TITLE, text=TEXT,
            content_hash="h1", language="vi", search_text=search_document(TITLE, TEXT),
            published_at=datetime(2024, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        event = Event(
            type="training_conference", title=TITLE, date_held=date(2024, 3, 1), topics=["human_rights"]
        )
        s.add(event)
        s.flush()
        s.execute(
            sa.text("UPDATE articles SET event_id = :e WHERE id = :a"), {"e": event.id, "a": article_id}
        )
        repo.add_alerts(s, [{"key": f"event:{event.id}", "channel": "c", "channel_display": "json://x",
                             "kind": "new_event", "event_id": event.id}])  # fmt: skip


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def _found(engine: sa.Engine, query: str) -> list[str]:
    with session_scope(session_factory(engine)) as s:
        return [h.url for h in search(s, query).hits]


def _pg_search_index(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                sa.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_articles_search_tsv'")
            ).first()
        )


def test_each_migration_down_and_up_with_rows_in_the_tables(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    revisions = _revisions(engine)
    assert revisions[0] == "0001" and current_revision(engine) == revisions[-1]
    _fill(engine)
    assert _found(engine, "tap huan doi ngoai") == ["https://a.vn/1"]
    # Down one step at a time to the first revision, back to head each time: every downgrade and
    # every upgrade runs with rows present.
    for index in range(len(revisions) - 1, 0, -1):
        downgrade(engine, revisions[index - 1])
        assert current_revision(engine) == revisions[index - 1]
        assert _count(engine, "articles") == _count(engine, "pages") == _count(engine, "crawl_runs") == 1
        upgrade(engine)
        assert current_revision(engine) == revisions[-1]
        downgrade(engine, revisions[index - 1])
    assert current_revision(engine) == "0001"
    assert "events" not in table_names(engine) and "alerts" not in table_names(engine)
    upgrade(engine)
    # The tables 0001 made kept their rows; the article is found again once folded (0004 folds in
    # SQL: lower case only, which FTS5's tokenizer completes; ``newsmon search --reindex`` folds
    # exactly, which PostgreSQL needs).
    assert (_count(engine, "articles"), _count(engine, "fetch_errors"), _count(engine, "sources")) == (
        1,
        1,
        1,
    )
    assert _count(engine, "events") == _count(engine, "alerts") == 0
    from newsmon.services.search import reindex

    with session_scope(session_factory(engine)) as s:
        assert reindex(s) == 1
    assert _found(engine, "tap huan doi ngoai") == ["https://a.vn/1"]
    if engine.dialect.name == "postgresql":
        assert _pg_search_index(engine)
    engine.dispose()


def test_down_to_base_and_up_again(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    _fill(engine)
    if engine.dialect.name == "postgresql":
        assert _pg_search_index(engine)
        downgrade(engine, "0005")
        assert not _pg_search_index(engine)
        upgrade(engine)
        assert _pg_search_index(engine)
    downgrade(engine, "base")
    assert table_names(engine) == ["alembic_version"] and current_revision(engine) is None
    upgrade(engine)
    assert {"articles", "pages", "events", "alerts", "article_bands"} <= set(table_names(engine))
    assert _count(engine, "articles") == 0
    _fill(engine)  # the schema works again: unique keys, upserts, the search index
    assert _found(engine, '"thong tin doi ngoai"') == ["https://a.vn/1"]
    engine.dispose()
