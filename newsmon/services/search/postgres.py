"""PostgreSQL full-text search over ``articles.search_text``, for :mod:`newsmon.services.search.engine`.

``search_text`` already holds the folded words (``tap huan thong tin doi ngoai``), so the
``simple`` configuration (lower case, no stemming, no stop words) indexes it as it is: every word
keeps its position, which phrases need. Migration 0006 stores that vector in the generated column
``articles.search_tsv`` with a GIN index on it; matching and ranking read the stored vector.

The parsed query (:func:`newsmon.services.search.query.parse_query`) becomes ``to_tsquery`` text in which every
word is a quoted lexeme: nothing the user typed is read as tsquery syntax, so ``'":*()&|!`` give
results or nothing, never an error. It follows :func:`newsmon.services.search.fts5.to_fts` exactly, so both
backends find the same articles: a phrase is ``<->``, a prefix ``:*`` on its last word, a query
of negative terms only matches nothing. Results are ranked by ``ts_rank_cd`` (cover density,
divided by one plus the log of the document's length), best first.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsmon.services.search.filters import Filters, article_conditions
from newsmon.services.search.query import Node, Not, Or, Term
from storage.models import Article

# PostgreSQL ignores words longer than 2047 bytes in a tsvector; a longer query word is cut
# to this, so it still matches nothing instead of being dropped from the query (which would
# widen it).
MAX_LEXEME_BYTES = 2000
CONFIG = sa.literal_column("'simple'::regconfig")
RANK_NORMALIZATION = 1  # divide by 1 + log(document length): long articles don't win by size


def search_vector() -> sa.ColumnElement[Any]:
    """The indexed vector: the generated column of migration 0006 (not a model attribute)."""
    return sa.literal_column(f"{Article.__tablename__}.search_tsv")


def _lexeme(word: str) -> str:
    """``word`` as a quoted tsquery lexeme (quotes and backslashes escaped)."""
    raw = word.encode("utf-8")
    if len(raw) > MAX_LEXEME_BYTES:
        word = raw[:MAX_LEXEME_BYTES].decode("utf-8", "ignore")
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def to_tsquery_text(node: Node | None) -> str | None:
    """``to_tsquery`` text for ``node``; None when it cannot match anything by itself (no term,
    or only negative ones), as :func:`newsmon.services.search.fts5.to_fts`."""

    if node is None or isinstance(node, Not):
        return None
    if isinstance(node, Term):
        lexemes = [_lexeme(w) for w in node.words]
        if node.prefix:
            lexemes[-1] += ":*"
        return " <-> ".join(lexemes)
    if isinstance(node, Or):
        parts = [p for p in (to_tsquery_text(i) for i in node.items) if p]
        return " | ".join(f"({p})" for p in parts) if parts else None
    positives = [p for p in (to_tsquery_text(i) for i in node.items if not isinstance(i, Not)) if p]
    negatives = [p for p in (to_tsquery_text(i.item) for i in node.items if isinstance(i, Not)) if p]
    if not positives:
        return None
    expr = " & ".join(f"({p})" for p in positives)
    return f"({expr}) & !({' | '.join(f'({n})' for n in negatives)})" if negatives else expr


def pg_matching(session: Session, node: Node | None, filters: Filters) -> tuple[sa.Select[Any], Any] | None:
    """A select of the matching articles' ``id`` and ``rank`` (``ts_rank_cd``) with its ordering,
    best first; None if nothing can match. Same contract as ``newsmon.services.search.matching``."""

    text = to_tsquery_text(node)
    if text is None:
        return None
    query = sa.func.to_tsquery(CONFIG, sa.literal(text, sa.Text))
    vector = search_vector()
    rank = sa.func.ts_rank_cd(vector, query, RANK_NORMALIZATION)
    stmt = sa.select(Article.id, rank.label("rank")).where(
        vector.bool_op("@@")(query), *article_conditions(filters)
    )
    return stmt, rank.desc()
