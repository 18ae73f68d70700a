"""Full-text search over stored articles, diacritic-insensitive, and the filtered article and
event streams that exports use.

Every article carries ``search_text``: the folded words of its title, lead and text
(:func:`pipeline.text.search_document`), so ``tap huan thong tin doi ngoai`` finds ``tập huấn
thông tin đối ngoại`` and both tone-mark styles (``hoà``/``hòa``) match. On SQLite the
contentless FTS5 table ``articles_fts`` (migration 0005; triggers keep it in sync with
``articles``) indexes its words, word pairs and filter tags, and the newest matches are ranked
here (:func:`rank`); on PostgreSQL :mod:`newsmon.services.search.postgres` runs the same query over a GIN
index (migration 0006) and ranks with ts_rank_cd; without either, LIKE over the column.

Query language: words (all must occur), ``"a phrase"``, ``OR``, ``NOT word`` or ``-word``,
``(parentheses)``, ``word*`` for a prefix. The user's query is never handed to FTS5 as written:
it is parsed here and every term is re-quoted, so quotes, ``*``, ``:``, ``^``, ``NEAR(``,
unbalanced parentheses or SQL give results or an empty page, never a syntax error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsmon.services.search.filters import (
    Filters,
    article_conditions,
    like_escape,
    resolve_province,
    topic_condition,
)
from newsmon.services.search.fts5 import FTS, fts_query, fts_table, uses_fts
from newsmon.services.search.postgres import pg_matching  # PostgreSQL full text (GIN index, migration 0006)
from newsmon.services.search.query import Node, Not, Or, Term, parse_query, positive_terms
from newsmon.services.search.snippets import snippet
from pipeline.text import search_document
from storage.models import Article, Attachment, Event


def to_like(node: Node | None) -> sa.ColumnElement[bool] | None:
    """The same query as LIKE conditions over ``articles.search_text`` (any database)."""
    if node is None or isinstance(node, Not):
        return None
    if isinstance(node, Term):
        pattern = "% " + like_escape(" ".join(node.words)) + ("%" if node.prefix else " %")
        return Article.search_text.like(pattern, escape="\\")
    if isinstance(node, Or):
        parts = [p for p in (to_like(i) for i in node.items) if p is not None]
        return sa.or_(*parts) if parts else None
    positives = [p for p in (to_like(i) for i in node.items if not isinstance(i, Not)) if p is not None]
    negatives = [p for p in (to_like(i.item) for i in node.items if isinstance(i, Not)) if p is not None]
    if not positives:
        return None
    return sa.and_(*positives, *[sa.not_(n) for n in negatives])


@dataclass
class Hit:
    id: int
    url: str
    title: str | None
    published: datetime | None
    source: str | None
    language: str | None
    event_id: int | None
    duplicate_of: int | None
    snippet: str
    rank: float | None = None


@dataclass
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    # When more than RANK_WINDOW articles match, the most recently stored RANK_WINDOW of them are
    # ranked first (then the older ones): the window's size, else None.
    ranked_window: int | None = None
    total_at_least: bool = False  # more than COUNT_CAP matched: ``total`` is COUNT_CAP ("10,000+")


# Ranking every match by bm25 costs time in proportion to the matches (0.6 s for 400 thousand
# matches of a common word; a phrase's positions cost more). Monitoring wants recent reports
# first anyway: past this many matches, the most recently stored this many are ranked and shown
# first; older matches follow, ranked too.
RANK_WINDOW = 200


# Counting stops here: "1,000+ matches" says as much to a reader as the exact figure, and counting
# every match of a common phrase over a million articles would be most of a search's time
# (``newsmon export`` streams every match when the whole set is wanted).
COUNT_CAP = 1_000


def matching_ids(session: Session, node: Node | None, filters: Filters) -> tuple[sa.Select[Any], Any] | None:
    """A select of the ids (column ``id``) of articles matching ``node`` and ``filters``, with its
    ordering, or None if nothing can match."""
    if uses_fts(session):
        query = fts_query(node, filters)
        if query is None:
            return None
        fts, rest = query
        rank = sa.func.bm25(FTS, 1.0, 1.0, 0.0)  # tags say nothing of relevance
        if rest == Filters(with_duplicates=True):
            # Everything is in the index (the usual search): no row of ``articles`` is read.
            stmt = sa.select(fts_table.c.rowid.label("id"), rank.label("rank")).where(FTS.op("MATCH")(fts))
            return stmt, rank
        stmt = (
            sa.select(Article.id, rank.label("rank"))
            .select_from(Article)
            .join(fts_table, fts_table.c.rowid == Article.id)
            .where(FTS.op("MATCH")(fts), *article_conditions(rest))
        )
        return stmt, rank
    if session.get_bind().dialect.name == "postgresql":
        return pg_matching(session, node, filters)
    like = to_like(node)
    if like is None:
        return None
    stmt = sa.select(Article.id, sa.null().label("rank")).where(like, *article_conditions(filters))
    return stmt, Article.published_at.desc().nulls_last()


@dataclass
class _Row:
    id: int
    rank: float | None


def _term_score(text: str, title_end: int, term: Term, norm: float) -> float:
    """BM25's saturating term frequency (k1 = 1.2) for one term, weighted by its length in words,
    plus a bonus when the term is in the title (the first ``title_end`` characters)."""
    needle = " " + " ".join(term.words) + ("" if term.prefix else " ")
    tf = text.count(needle)
    if not tf:
        return 0.0
    score = tf * 2.2 / (tf + 1.2 * norm)
    if text.find(needle, 0, title_end + 1) >= 0:
        score += 1.0
    return score * len(term.words)


def _nth_space(text: str, n: int) -> int:
    """The index of the ``n``-th space of ``text`` (its end if fewer): where the title's words end,
    since the folded document starts with them (about: punctuation-only words are dropped)."""
    parts = text.split(" ", n)
    return len(text) if len(parts) <= n else len(text) - len(parts[-1]) - 1


def rank(session: Session, article_ids: Sequence[int], terms: list[Term]) -> list[tuple[int, float]]:
    """``article_ids`` best first, by the query's terms in each article's folded text.

    FTS5's own bm25() first counts, for each phrase of the query, the articles of the whole index
    that hold it: a scan of every occurrence of a common word or phrase at each search (0.4 s for
    ``"thong tin doi ngoai"`` over a million articles). This ranks the window instead: BM25's
    term-frequency part with length normalisation, longer terms (phrases) weighing more, a bonus
    for the title, and no inverse document frequency (the terms of one query are rarely so
    unequal that it matters, and it is what costs)."""
    if not article_ids:
        return []
    rows = session.execute(
        sa.select(Article.id, Article.search_text, Article.title).where(Article.id.in_(article_ids))
    ).all()
    lengths = {r.id: (r.search_text or "").count(" ") for r in rows}
    average = max(1.0, sum(lengths.values()) / max(1, len(lengths)))
    scores: dict[int, float] = {}
    for r in rows:
        text = r.search_text or ""
        title_end = _nth_space(text, r.title.count(" ") + 2) if r.title else 0
        norm = 0.25 + 0.75 * lengths[r.id] / average
        scores[r.id] = round(sum(_term_score(text, title_end, t, norm) for t in terms), 6)
    return sorted(((i, scores.get(i, 0.0)) for i in article_ids), key=lambda p: (-p[1], -p[0]))


def search(
    session: Session, query: str, filters: Filters | None = None, limit: int = 20, offset: int = 0
) -> SearchPage:
    """One page of the articles matching ``query`` and ``filters``, best first, with the total.

    Raises ValueError only for an unknown province in ``filters``; any query string is accepted.
    """
    filters = filters or Filters()
    node = parse_query(query)
    matching = matching_ids(session, node, filters)
    if matching is None:
        return SearchPage()
    stmt, order = matching
    ids = stmt.with_only_columns(stmt.selected_columns[0])  # counting needs no rank
    terms = positive_terms(node)
    window = None
    if uses_fts(session):
        # One walk of the index, newest first (FTS5 reads its doclists backwards by rowid), gives
        # the count up to COUNT_CAP and the window of matches to rank.
        newest = session.scalars(ids.order_by(fts_table.c.rowid.desc()).limit(COUNT_CAP + 1)).all()
        total = len(newest)
        if total > RANK_WINDOW:
            window = RANK_WINDOW
        ranked = rank(session, newest[:RANK_WINDOW], terms)
        page = ranked[offset : offset + limit]
        if len(page) < limit and total > RANK_WINDOW:  # past the window: older matches, newest first
            start = max(0, offset - RANK_WINDOW) + RANK_WINDOW
            older = ids.order_by(fts_table.c.rowid.desc()).offset(start).limit(limit - len(page))
            page += [(i, None) for i in session.scalars(older)]
    else:
        total = (
            session.scalar(sa.select(sa.func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery())) or 0
        )
        ordered = stmt.order_by(order, sa.literal_column("id").desc()).limit(limit).offset(offset)
        page = [(r.id, r.rank) for r in session.execute(ordered)]
    if not total:
        return SearchPage(total=0)
    at_least = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    rows = [_Row(i, score) for i, score in page]
    articles = {
        a.id: a for a in session.scalars(sa.select(Article).where(Article.id.in_([r.id for r in rows])))
    }
    terms = positive_terms(node)
    hits = []
    for r in rows:
        a = articles[r.id]
        hits.append(
            Hit(
                a.id,
                a.url,
                a.title,
                a.published_local,
                a.source_id,
                a.language,
                a.event_id,
                a.duplicate_of,
                snippet(a.title, a.lead, a.text, terms),
                r.rank,
            )
        )
    return SearchPage(hits, total, window, at_least)


def newest_matches(session: Session, query: str, filters: Filters, limit: int) -> sa.Select[Any] | None:
    """A select of the ids of the newest ``limit`` articles matching ``query`` and ``filters``
    (most recently stored first on SQLite, where the index walks backwards by rowid; newest id
    elsewhere): what facets count, bounded however common the words. None if nothing can match."""
    matching = matching_ids(session, parse_query(query), filters)
    if matching is None:
        return None
    stmt = matching[0]
    ids = stmt.with_only_columns(stmt.selected_columns[0])
    key = fts_table.c.rowid if uses_fts(session) else Article.id
    return ids.order_by(key.desc()).limit(limit)


def iter_articles(
    session: Session, filters: Filters | None = None, query: str | None = None, batch: int = 500
) -> Iterator[Article]:
    """Every article matching ``filters`` (and ``query`` if given), newest first, streamed."""
    stmt = sa.select(Article).where(*article_conditions(filters or Filters()))
    if query:
        matching = matching_ids(session, parse_query(query), Filters(with_duplicates=True))
        if matching is None:
            return
        stmt = stmt.where(Article.id.in_(sa.select(matching[0].subquery().c.id)))
    stmt = stmt.order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
    yield from session.scalars(stmt.execution_options(yield_per=batch))


def iter_events(session: Session, filters: Filters | None = None, batch: int = 500) -> Iterator[Event]:
    """Events matching ``filters`` (date held for since/until; source and language: one of its
    reports), newest date held first, streamed."""
    f = filters or Filters()
    stmt = sa.select(Event).order_by(Event.date_held.desc().nulls_last(), Event.id.desc())
    if f.since:
        stmt = stmt.where(Event.date_held >= f.since.date())
    if f.until:
        stmt = stmt.where(Event.date_held < f.until.date())
    if f.event_type:
        stmt = stmt.where(Event.type == f.event_type)
    if f.topic:
        stmt = stmt.where(topic_condition(Event.topics, f.topic))
    if f.province:
        p = resolve_province(f.province)
        stmt = stmt.where(sa.or_(Event.province == p, Event.province_2025 == p))
    report = []
    if f.source_id:
        report.append(Article.source_id == f.source_id)
    if f.language:
        report.append(Article.language == f.language)
    if report:
        stmt = stmt.where(Event.id.in_(sa.select(Article.event_id).where(*report)))
    yield from session.scalars(stmt.execution_options(yield_per=batch))


def reindex(session: Session, batch: int = 1000) -> int:
    """Fold every article again and rebuild the FTS5 index; returns the number of articles."""
    last, count = 0, 0
    while True:
        rows = session.execute(
            sa.select(Article.id, Article.canonical_url, Article.title, Article.lead, Article.text)
            .where(Article.id > last)
            .order_by(Article.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        documents: dict[str, list[str]] = {}  # the text of the PDF/DOCX files each article links
        for article_url, text in session.execute(
            sa.select(Attachment.article_url, Attachment.text)
            .where(Attachment.article_url.in_([r.canonical_url for r in rows]), Attachment.status == "text")
            .order_by(Attachment.id)
        ):
            documents.setdefault(article_url, []).append(text or "")
        session.execute(
            sa.update(Article),
            [
                {
                    "id": r.id,
                    "search_text": search_document(
                        r.title, r.lead, r.text, *documents.get(r.canonical_url, ())
                    ),
                }
                for r in rows
            ],
        )
        last, count = rows[-1].id, count + len(rows)
    if uses_fts(session):
        # Contentless index: empty it and fill it again from the stored folded text.
        session.execute(sa.text("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')"))
        session.execute(
            sa.text(
                "INSERT INTO articles_fts(rowid, search_text, pairs, tags) SELECT id, search_text, "
                "nm_word_pairs(search_text), "
                "nm_search_tags(source_id, language, event_type, duplicate_of, published_at) "
                "FROM articles"
            )
        )
    return count
