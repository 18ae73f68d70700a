"""SQLite's FTS5 index ``articles_fts`` (migration 0005): the query in FTS5 syntax, with the
filters the index holds as tags (source, language, event type, copies, year and month)."""

from __future__ import annotations

import itertools
import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsmon.services.search.filters import Filters
from newsmon.services.search.query import Node, Not, Or, Term
from storage.db import COPY_TAG, tag_token


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


FTS = sa.literal_column("articles_fts")


fts_table = sa.table("articles_fts", sa.column("rowid"))


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


def fts_query(node: Node | None, filters: Filters) -> tuple[str, Filters] | None:
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
