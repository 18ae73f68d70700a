"""The SQLite search index (migration 0005): phrases by word pairs, filters and copies as index
tokens kept in sync by triggers, counting capped, ranking windowed. SQLite only: PostgreSQL
search is tested in tests/test_search.py over both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import newsmon.services.search.engine as searching
from newsmon.services.search import Filters, search
from pipeline.text import search_document
from storage import repository as repo
from storage.db import downgrade, make_engine, session_factory, session_scope, upgrade
from storage.models import Article


@pytest.fixture
def sessions(tmp_path) -> Iterator:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def add(session, n: int, text: str, source: str = "a", **fields) -> int:
    url = f"https://x.vn/{n}"
    title = f"Bài {n}"
    article_id, _ = repo.upsert_article(
        session, url, url=url, source_id=source, title=title, text=text, content_hash=f"h{n}",
        language=fields.pop("language", "vi"), search_text=search_document(title, text),
        published_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n), **fields,
    )  # fmt: skip
    return article_id


def urls(page: searching.SearchPage) -> set[str]:
    return {h.url.rsplit("/", 1)[-1] for h in page.hits}


def test_phrases_match_adjacent_words_only(sessions):
    with session_scope(sessions) as s:
        add(s, 1, "Hội nghị tập huấn thông tin đối ngoại năm 2025.")
        add(s, 2, "Thông tin về đợt tập huấn; đối ngoại là chuyện khác.")
    with session_scope(sessions) as s:
        assert urls(search(s, '"tap huan thong tin doi ngoai"')) == {"1"}
        assert urls(search(s, '"thông tin đối ngoại"')) == {"1"}
        assert urls(search(s, "tap huan thong tin doi ngoai")) == {"1", "2"}  # words, anywhere
        assert urls(search(s, "hu* ngo*")) == {"1", "2"}  # prefixes: not pairs
        assert urls(search(s, '"hoi nghi tap huan" OR "ve dot"')) == {"1", "2"}


def test_filters_and_copies_follow_updates_of_the_row(sessions):
    with session_scope(sessions) as s:
        first = add(s, 1, "Tập huấn quyền con người.", source="hoabinh-stttt")
        second = add(s, 2, "Tập huấn quyền con người.", source="travinh", language="en")
    with session_scope(sessions) as s:
        assert urls(search(s, "tap huan", Filters(source_id="hoabinh-stttt"))) == {"1"}
        assert urls(search(s, "tap huan", Filters(language="en"))) == {"2"}
        assert urls(search(s, "tap huan")) == {"1", "2"}
        # The pipeline marks the second a copy and classifies the first: the index follows.
        s.execute(sa.update(Article).where(Article.id == second).values(duplicate_of=first))
        s.execute(sa.update(Article).where(Article.id == first).values(event_type="training"))
    with session_scope(sessions) as s:
        assert urls(search(s, "tap huan")) == {"1"}
        assert urls(search(s, "tap huan", Filters(with_duplicates=True))) == {"1", "2"}
        assert urls(search(s, "tap huan", Filters(event_type="training"))) == {"1"}
        assert urls(search(s, "tap huan", Filters(source_id="travinh", with_duplicates=True))) == {"2"}
        s.execute(sa.delete(Article).where(Article.id == first))
    with session_scope(sessions) as s:
        assert urls(search(s, "tap huan", Filters(with_duplicates=True))) == {"2"}
        # A contentless index deletes by being given the old values: an integrity check proves
        # that every delete above matched what had been inserted.
        s.execute(sa.text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)"))


def test_counting_is_capped_and_ranking_windowed(sessions, monkeypatch):
    monkeypatch.setattr(searching, "COUNT_CAP", 6)
    monkeypatch.setattr(searching, "RANK_WINDOW", 3)
    with session_scope(sessions) as s:
        for n in range(1, 9):  # article 8 is stored last: the newest
            add(s, n, "tập huấn " + "thông tin " * (n % 4))
    with session_scope(sessions) as s:
        first = search(s, "tap huan", limit=3)
        assert (first.total, first.total_at_least, first.ranked_window) == (6, True, 3)
        assert urls(first) == {"6", "7", "8"}  # the three most recently stored, ranked
        seen = [
            h.url for offset in range(0, 8, 2) for h in search(s, "tap huan", limit=2, offset=offset).hits
        ]
        assert len(seen) == len(set(seen)) == 8  # pages past the window: no repeat, none missing
        assert {u.rsplit("/", 1)[-1] for u in seen[:3]} == {"6", "7", "8"}
        small = search(s, '"thong tin thong tin thong tin"')
        assert (small.total, small.total_at_least, small.ranked_window) == (2, False, None)


def test_downgrade_and_upgrade_keep_the_index_whole(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with session_scope(sessions) as s:
        add(s, 1, "Tập huấn thông tin đối ngoại.")
    downgrade(engine, "0004")
    with session_scope(sessions) as s:  # stored under the old index: found again after upgrade
        s.execute(sa.text("DELETE FROM articles"))
        add(s, 2, "Tập huấn thông tin đối ngoại ở xã.")
    upgrade(engine)
    with session_scope(sessions) as s:
        assert urls(search(s, '"thong tin doi ngoai"')) == {"2"}
        s.execute(sa.text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)"))


def test_date_filters_use_year_and_month_tags_and_exact_bounds(sessions):
    with session_scope(sessions) as s:
        for n in range(3):  # published 2025-01-01, 01-02, 01-03 (see add)
            add(s, n, "Tập huấn thông tin đối ngoại.")
        moved = add(s, 9, "Tập huấn thông tin đối ngoại.")
        s.execute(
            sa.update(Article)
            .where(Article.id == moved)
            .values(published_at=datetime(2019, 5, 2, tzinfo=UTC))
        )
    day = lambda d: datetime(2025, 1, d, tzinfo=UTC)  # noqa: E731
    with session_scope(sessions) as s:
        assert urls(search(s, "tap huan", Filters(since=day(2)))) == {"1", "2"}
        assert urls(search(s, "tap huan", Filters(since=day(1), until=day(2)))) == {"0"}
        assert urls(search(s, "tap huan", Filters(since=datetime(2019, 1, 1, tzinfo=UTC), until=day(1)))) == {
            "9"
        }
        assert urls(search(s, "tap huan", Filters(since=datetime(2000, 1, 1, tzinfo=UTC)))) == {
            "0",
            "1",
            "2",
            "9",
        }
        assert urls(search(s, "tap huan", Filters(since=day(3), until=day(1)))) == set()
        s.execute(sa.text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)"))


def test_date_tags_cover_the_range_with_years_and_months():
    from newsmon.services.search import date_tags

    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert date_tags(utc(2023, 11, 15), utc(2025, 2, 1)) == [
        "m__2023_11",
        "m__2023_12",
        "y__2024",
        "m__2025_01",
    ]
    assert date_tags(utc(2024, 1, 1), None, now=utc(2024, 12, 1)) == ["y__2024"]
    assert date_tags(None, utc(2024, 1, 1)) is None  # open start: rows only
    assert date_tags(utc(2024, 3, 1), utc(2024, 3, 1)) == []
