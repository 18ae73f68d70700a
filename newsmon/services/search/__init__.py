"""Full-text search over stored articles, diacritic-insensitive, and the filtered article and
event streams that exports use (see :mod:`newsmon.services.search.engine`)."""

from newsmon.services.search.engine import (
    COUNT_CAP,
    RANK_WINDOW,
    Hit,
    SearchPage,
    iter_articles,
    iter_events,
    matching_ids,
    newest_matches,
    rank,
    reindex,
    search,
    to_like,
)
from newsmon.services.search.filters import Filters, article_conditions, resolve_province
from newsmon.services.search.fts5 import date_tags, to_fts, uses_fts
from newsmon.services.search.query import And, Node, Not, Or, Term, parse_query, positive_terms
from newsmon.services.search.snippets import MARK, SNIPPET_CHARS, snippet

__all__ = [
    "COUNT_CAP",
    "MARK",
    "RANK_WINDOW",
    "SNIPPET_CHARS",
    "And",
    "Filters",
    "Hit",
    "Node",
    "Not",
    "Or",
    "SearchPage",
    "Term",
    "article_conditions",
    "date_tags",
    "iter_articles",
    "iter_events",
    "matching_ids",
    "newest_matches",
    "parse_query",
    "positive_terms",
    "rank",
    "reindex",
    "resolve_province",
    "search",
    "snippet",
    "to_fts",
    "to_like",
    "uses_fts",
]
