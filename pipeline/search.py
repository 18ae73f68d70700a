"""Full-text search over stored articles, diacritic-insensitive, and the filtered article and
event streams that exports use.

Every article carries ``search_text``: the folded words of its title, lead and text
(:func:`pipeline.text.search_document`), so ``tap huan thong tin doi ngoai`` finds ``tập huấn
thông tin đối ngoại`` and both tone-mark styles (``hoà``/``hòa``) match. On SQLite the
contentless FTS5 table ``articles_fts`` (migration 0005; triggers keep it in sync with
``articles``) indexes its words, word pairs and filter tags, and the newest matches are ranked
here (:func:`rank`); on PostgreSQL :mod:`pipeline.search_pg` runs the same query over a GIN
index (migration 0006) and ranks with ts_rank_cd; without either, LIKE over the column.

Query language: words (all must occur), ``"a phrase"``, ``OR``, ``NOT word`` or ``-word``,
``(parentheses)``, ``word*`` for a prefix. The user's query is never handed to FTS5 as written:
it is parsed here and every term is re-quoted, so quotes, ``*``, ``:``, ``^``, ``NEAR(``,
unbalanced parentheses or SQL give results or an empty page, never a syntax error.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipeline.text import fold, fold_words, nfc, search_document
from storage.db import COPY_TAG, tag_token
from storage.models import Article, Event, Source

MAX_TERMS = 32  # terms beyond this are ignored (a pasted 10 kB query stays fast)
MAX_DEPTH = 8  # parentheses nested deeper are read as plain grouping-free text
SNIPPET_CHARS = 240
MARK = ("«", "»")  # highlight markers in snippets (plain text: safe in a terminal, JSON, CSV)


# --- the query language ----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # folded words; more than one is a phrase
    prefix: bool = False  # the last word is a prefix (``huan*``)


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Not | And | Or

_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|([()])|([^\s()"]+)')


def _tokens(query: str) -> list[tuple[str, Any, bool]]:
    """(kind, value, negated): kind is ``term``, ``(``, ``)``, ``OR``, ``AND`` or ``NOT``."""
    tokens: list[tuple[str, Any, bool]] = []
    for m in _TOKEN_RE.finditer(nfc(query)):
        neg, phrase, paren, word = m.groups()
        if paren:
            tokens.append((paren, None, False))
        elif word in ("OR", "AND", "NOT", "|", "&&", "||"):
            tokens.append(({"|": "OR", "||": "OR", "&&": "AND"}.get(word, word), None, False))
        elif phrase is not None:
            words = tuple(fold_words(phrase))
            if words:
                tokens.append(("term", Term(words), bool(neg)))
        elif word:
            negated = word.startswith("-") and len(word) > 1
            prefix = word.endswith("*")
            words = tuple(fold_words(word))
            if words:
                tokens.append(("term", Term(words, prefix), negated))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any, bool]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.terms = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        items: list[Node] = []
        while self.pos < len(self.tokens):
            node = self.parse_or(0)
            if node is not None:
                items.append(node)
            if self.peek() == ")":  # a stray closing parenthesis: ignore it
                self.pos += 1
        return _simplify(And(tuple(items))) if items else None

    def parse_or(self, depth: int) -> Node | None:
        items = [self.parse_and(depth)]
        while self.peek() == "OR":
            self.pos += 1
            items.append(self.parse_and(depth))
        kept = tuple(i for i in items if i is not None)
        return _simplify(Or(kept)) if kept else None

    def parse_and(self, depth: int) -> Node | None:
        items: list[Node] = []
        negate = False
        while (kind := self.peek()) is not None and kind not in (")", "OR"):
            self.pos += 1
            if kind == "AND":
                continue
            if kind == "NOT":
                negate = True
                continue
            node: Node | None
            if kind == "(":
                if depth >= MAX_DEPTH:
                    continue
                node = self.parse_or(depth + 1)
                if self.peek() == ")":
                    self.pos += 1
            else:
                _, term, negated = self.tokens[self.pos - 1]
                self.terms += 1
                node = term if self.terms <= MAX_TERMS else None
                negate = negate or negated
            if node is not None:
                items.append(Not(node) if negate else node)
            negate = False
        return _simplify(And(tuple(items))) if items else None


def _simplify(node: Node) -> Node:
    if isinstance(node, And | Or) and len(node.items) == 1:
        return node.items[0]
    return node


def parse_query(query: str) -> Node | None:
    """The query as a tree of terms, or None when it holds no searchable word."""
    return _Parser(_tokens(query[:20_000])).parse()


def _positive_terms(node: Node | None) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for item in node.items for t in _positive_terms(item)]
    return []


def _fts_term(term: Term, verify: bool = True) -> str:
    """One term in FTS5 syntax.

    Words, word pairs (``a_b``) and filter tags (``s__id``) are disjoint sets of tokens (migration
    0005), so a word or pair needs no column filter, which would make FTS5 read the positions of
    every occurrence. A phrase is looked up by its pairs, found without reading positions either:
    exact for two words; a longer phrase is then checked word by word on the few articles that
    have all its pairs (``"thong tin thong tin"`` has the pairs of ``"thong tin thong tin thong tin"``).
    A prefix needs the column: ``t*`` would otherwise match pairs and tags too. A phrase to leave
    out (``NOT``, ``-``) is not checked word by word (``verify=False``): FTS5 would look for its
    next occurrence at every candidate, reading the positions of its common words all over the
    index (10 times slower); only an article with every pair of it, apart, is left out too.
    """
    if len(term.words) == 1:
        return f'search_text : "{term.words[0]}"*' if term.prefix else f'"{term.words[0]}"'
    pairs = " ".join(f'"{a}_{b}"' for a, b in itertools.pairwise(term.words[: -1 if term.prefix else None]))
    phrase = f'"{" ".join(term.words)}"'
    if term.prefix:
        return f"{pairs} search_text : {phrase}*" if pairs else f"search_text : {phrase}*"
    return f"{pairs} {phrase}" if len(term.words) > 2 and verify else pairs


def to_fts(node: Node | None, verify: bool = True) -> str | None:
    """FTS5 syntax for ``node``; every term quoted, so the result is always valid. None when the
    query cannot match anything by itself (only negative terms)."""
    if node is None:
        return None
    if isinstance(node, Term):
        return _fts_term(node, verify)
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        parts = [p for p in (to_fts(i, verify) for i in node.items) if p]
        return " OR ".join(f"({p})" for p in parts) if parts else None
    positives = [p for p in (to_fts(i, verify) for i in node.items if not isinstance(i, Not)) if p]
    negatives = [p for p in (to_fts(i.item, verify=False) for i in node.items if isinstance(i, Not)) if p]
    if not positives:
        return None
    expr = " AND ".join(f"({p})" for p in positives)
    return f"({expr}) NOT ({' OR '.join(f'({n})' for n in negatives)})" if negatives else expr


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_like(node: Node | None) -> sa.ColumnElement[bool] | None:
    """The same query as LIKE conditions over ``articles.search_text`` (any database)."""
    if node is None or isinstance(node, Not):
        return None
    if isinstance(node, Term):
        pattern = "% " + _like_escape(" ".join(node.words)) + ("%" if node.prefix else " %")
        return Article.search_text.like(pattern, escape="\\")
    if isinstance(node, Or):
        parts = [p for p in (to_like(i) for i in node.items) if p is not None]
        return sa.or_(*parts) if parts else None
    positives = [p for p in (to_like(i) for i in node.items if not isinstance(i, Not)) if p is not None]
    negatives = [p for p in (to_like(i.item) for i in node.items if isinstance(i, Not)) if p is not None]
    if not positives:
        return None
    return sa.and_(*positives, *[sa.not_(n) for n in negatives])


# --- filters ---------------------------------------------------------------------------------


@dataclass
class Filters:
    since: datetime | None = None  # published on or after
    until: datetime | None = None  # published before
    source_id: str | None = None
    province: str | None = None  # old or 2025 name, any accents (resolved by resolve_province)
    event_type: str | None = None
    topic: str | None = None
    language: str | None = None
    with_duplicates: bool = False


def resolve_province(name: str) -> str:
    """The stored spelling of an old (pre-2025) province or a 2025 unit; ValueError if unknown."""
    from pipeline.gazetteer import find_province, units_2025

    unit = next((u for u in units_2025() if fold(u) == fold(name.strip())), None)
    found = find_province(name)
    resolved = unit or (found.name if found else None)
    if resolved is None:
        raise ValueError(f"unknown province {name!r} (old or 2025 name, e.g. 'Hòa Bình', 'Phú Thọ')")
    return resolved


def _topic_condition(column: Any, topic: str) -> sa.ColumnElement[bool]:
    return sa.cast(column, sa.Text).like('%"' + _like_escape(topic) + '"%', escape="\\")


def article_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    f = filters
    conds: list[sa.ColumnElement[bool]] = []
    if f.since:
        conds.append(Article.published_at >= f.since)
    if f.until:
        conds.append(Article.published_at < f.until)
    if f.source_id:
        conds.append(Article.source_id == f.source_id)
    if f.language:
        conds.append(Article.language == f.language)
    if f.event_type:
        conds.append(Article.event_type == f.event_type)
    if f.topic:
        conds.append(_topic_condition(Article.topics, f.topic))
    if f.province:
        p = resolve_province(f.province)
        conds.append(
            sa.or_(
                Article.source_id.in_(
                    sa.select(Source.id).where(sa.or_(Source.province == p, Source.province_2025 == p))
                ),
                Article.event_id.in_(
                    sa.select(Event.id).where(sa.or_(Event.province == p, Event.province_2025 == p))
                ),
            )
        )
    if not f.with_duplicates:
        conds.append(Article.duplicate_of.is_(None))
    return conds


# --- search ----------------------------------------------------------------------------------


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


_FTS = sa.literal_column("articles_fts")
_fts_table = sa.table("articles_fts", sa.column("rowid"))


_HAS_FTS: weakref.WeakKeyDictionary[sa.Engine, bool] = weakref.WeakKeyDictionary()


def uses_fts(session: Session) -> bool:
    """Whether this database has the FTS5 index (SQLite after migration 0005); asked once per engine."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    if engine not in _HAS_FTS:
        _HAS_FTS[engine] = bool(
            session.execute(
                sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles_fts'")
            ).first()
        )
    return _HAS_FTS[engine]


MAX_DATE_TAGS = 36  # a date range needing more year/month tags than this is checked on the rows only


def date_tags(
    since: datetime | None, until: datetime | None, now: datetime | None = None
) -> list[str] | None:
    """Year and month tags (see storage.db.search_tags) covering [since, until): whole years as
    ``y__YYYY``, the months at either end as ``m__YYYY_MM``. A superset: the exact bounds are
    still checked on the rows. None when the range is open at the start or needs too many tags."""
    if since is None:
        return None
    start = since.astimezone(UTC) if since.tzinfo else since
    end = until.astimezone(UTC) if until and until.tzinfo else until
    if end is None:  # up to now, and a month beyond for clocks and dates a little ahead
        end = (now or datetime.now(UTC)).replace(tzinfo=None) + timedelta(days=31)
    end = end.replace(tzinfo=None) - timedelta(microseconds=1)
    start = start.replace(tzinfo=None)
    if end < start:
        return []
    tags: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        whole_year = month == 1 and (year, 12) <= (end.year, end.month)
        if whole_year:
            tags.append(f"y__{year}")
            year += 1
            continue
        tags.append(f"m__{year}_{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(tags) > MAX_DATE_TAGS:
            return None
    return tags


def _fts_query(node: Node | None, filters: Filters) -> tuple[str, Filters] | None:
    """The FTS5 query for ``node`` with the filters the index holds as tokens (source, language,
    event type, copies, year and month; migration 0005) folded in, and the filters left to
    check on the rows (the exact date bounds among them)."""
    fts = to_fts(node)
    if fts is None:
        return None
    tags = [
        f'"{tag_token(kind, value)}"'
        for kind, value in (("s", filters.source_id), ("l", filters.language), ("t", filters.event_type))
        if value
    ]
    dates = date_tags(filters.since, filters.until)
    if dates is not None:
        tags.append("(" + " OR ".join(f'"{t}"' for t in dates) + ")" if dates else '"y__0000"')
    expr = " AND ".join([f"({fts})", *tags])
    if not filters.with_duplicates:
        expr = f'({expr}) NOT "{COPY_TAG}"'
    rest = replace(filters, source_id=None, language=None, event_type=None, with_duplicates=True)
    return expr, rest


def _matching(session: Session, node: Node | None, filters: Filters) -> tuple[sa.Select[Any], Any] | None:
    """A select of the ids (column ``id``) of articles matching ``node`` and ``filters``, with its
    ordering, or None if nothing can match."""
    if uses_fts(session):
        query = _fts_query(node, filters)
        if query is None:
            return None
        fts, rest = query
        rank = sa.func.bm25(_FTS, 1.0, 1.0, 0.0)  # tags say nothing of relevance
        if rest == Filters(with_duplicates=True):
            # Everything is in the index (the usual search): no row of ``articles`` is read.
            stmt = sa.select(_fts_table.c.rowid.label("id"), rank.label("rank")).where(_FTS.op("MATCH")(fts))
            return stmt, rank
        stmt = (
            sa.select(Article.id, rank.label("rank"))
            .select_from(Article)
            .join(_fts_table, _fts_table.c.rowid == Article.id)
            .where(_FTS.op("MATCH")(fts), *article_conditions(rest))
        )
        return stmt, rank
    if session.get_bind().dialect.name == "postgresql":
        from pipeline.search_pg import pg_matching  # PostgreSQL full text (GIN index, migration 0006)

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
    matching = _matching(session, node, filters)
    if matching is None:
        return SearchPage()
    stmt, order = matching
    ids = stmt.with_only_columns(stmt.selected_columns[0])  # counting needs no rank
    terms = _positive_terms(node)
    window = None
    if uses_fts(session):
        # One walk of the index, newest first (FTS5 reads its doclists backwards by rowid), gives
        # the count up to COUNT_CAP and the window of matches to rank.
        newest = session.scalars(ids.order_by(_fts_table.c.rowid.desc()).limit(COUNT_CAP + 1)).all()
        total = len(newest)
        if total > RANK_WINDOW:
            window = RANK_WINDOW
        ranked = rank(session, newest[:RANK_WINDOW], terms)
        page = ranked[offset : offset + limit]
        if len(page) < limit and total > RANK_WINDOW:  # past the window: older matches, newest first
            start = max(0, offset - RANK_WINDOW) + RANK_WINDOW
            older = ids.order_by(_fts_table.c.rowid.desc()).offset(start).limit(limit - len(page))
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
    terms = _positive_terms(node)
    hits = []
    for r in rows:
        a = articles[r.id]
        hits.append(
            Hit(
                a.id,
                a.url,
                a.title,
                a.published_at,
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
    matching = _matching(session, parse_query(query), filters)
    if matching is None:
        return None
    stmt = matching[0]
    ids = stmt.with_only_columns(stmt.selected_columns[0])
    key = _fts_table.c.rowid if uses_fts(session) else Article.id
    return ids.order_by(key.desc()).limit(limit)


def iter_articles(
    session: Session, filters: Filters | None = None, query: str | None = None, batch: int = 500
) -> Iterator[Article]:
    """Every article matching ``filters`` (and ``query`` if given), newest first, streamed."""
    stmt = sa.select(Article).where(*article_conditions(filters or Filters()))
    if query:
        matching = _matching(session, parse_query(query), Filters(with_duplicates=True))
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
        stmt = stmt.where(_topic_condition(Event.topics, f.topic))
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
            sa.select(Article.id, Article.title, Article.lead, Article.text)
            .where(Article.id > last)
            .order_by(Article.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        session.execute(
            sa.update(Article),
            [{"id": r.id, "search_text": search_document(r.title, r.lead, r.text)} for r in rows],
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


# --- snippets --------------------------------------------------------------------------------


def _folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """``fold(text)`` and, when lengths differ, the index in ``text`` of each folded character."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        chars.append(f)
        index.extend([i] * len(f))
    return "".join(chars), index


def _term_regex(terms: list[Term]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = sorted(
        {r"[\W_]+".join(map(re.escape, t.words)) + (r"[^\W_]*" if t.prefix else "") for t in terms},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def snippet(
    title: str | None, lead: str | None, text: str | None, terms: list[Term], mark: tuple[str, str] = MARK
) -> str:
    """About ``SNIPPET_CHARS`` characters of the body around the first match, every match
    between ``mark``; the start of the body when only the title matched."""
    body = " ".join(nfc(" ".join(p for p in (lead, text) if p)).split())
    if not body:
        body = " ".join(nfc(title or "").split())
    regex = _term_regex(terms)
    folded, index = _folded_with_map(body)
    matches = list(regex.finditer(folded)) if regex else []

    def orig(i: int) -> int:
        if index is None:
            return i
        return index[i] if i < len(index) else len(body)

    spans: list[tuple[int, int]] = []
    words: list[str] = []
    for m in matches[:500]:
        s, e = orig(m.start()), orig(m.end() - 1) + 1
        if spans and not body[spans[-1][1] : s].strip():  # adjacent words: one highlight
            spans[-1] = (spans[-1][0], e)
            words[-1] += " " + m.group(0)
        else:
            spans.append((s, e))
            words.append(m.group(0))
    start = 0
    if spans:
        # The window that shows the most distinct terms, the earliest of equals.
        reach = SNIPPET_CHARS * 2 // 3
        best = max(
            range(len(spans)),
            key=lambda i: (
                len({w for (s, _), w in zip(spans[i:], words[i:], strict=True) if s < spans[i][0] + reach}),
                -i,
            ),
        )
        first = spans[best][0]
        start = max(0, first - SNIPPET_CHARS // 3)
        if start:
            space = body.find(" ", start)
            start = space + 1 if 0 <= space < first else start
    end = min(len(body), start + SNIPPET_CHARS)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start and all(s[1] <= space or s[0] >= end for s in spans) else end
    out, pos = [], start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(body[pos:s] + mark[0] + body[s:e] + mark[1])
        pos = e
    out.append(body[pos:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(body) else "")
