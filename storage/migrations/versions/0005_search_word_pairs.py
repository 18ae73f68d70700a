"""search index of words and word pairs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:40:00

SQLite only. ``articles_fts`` (0004) indexed the original title, lead and text as well as the
folded ``search_text``, although search only ever queries the folded column: twice the index
and a column filter on every lookup. It becomes a contentless FTS5 table of two columns:
``search_text`` (the folded words), ``pairs`` (consecutive word pairs ``a_b``, made by the
SQL function ``nm_word_pairs`` that storage/db.py registers on every connection), so that
a phrase is looked up by its pairs instead of by the positions of its common words, and
``tags`` (``nm_search_tags``: source, language, event type, a tag for a copy, year and month
of publication), so that the usual filters and the folding of copies narrow the lookup itself. Triggers
keep it in sync with ``articles``; a contentless table deletes by being given the old values,
which the triggers have. PostgreSQL is not touched.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TRIGGERS = ("articles_fts_ai", "articles_fts_ad", "articles_fts_au")


def _values(row: str) -> str:
    return (
        f"{row}.search_text, nm_word_pairs({row}.search_text), "
        f"nm_search_tags({row}.source_id, {row}.language, {row}.event_type, {row}.duplicate_of, {row}.published_at)"
    )


_DELETE = (
    "INSERT INTO articles_fts(articles_fts, rowid, search_text, pairs, tags) "
    f"VALUES ('delete', old.id, {_values('old')});"
)
_INSERT = f"INSERT INTO articles_fts(rowid, search_text, pairs, tags) VALUES (new.id, {_values('new')});"
INDEXED = "search_text, source_id, language, event_type, duplicate_of, published_at"
PAIRS_DDL = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(search_text, pairs, tags, content='', "
    "tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
    f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {_INSERT} END",
    f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {_DELETE} END",
    f"CREATE TRIGGER articles_fts_au AFTER UPDATE OF {INDEXED} ON articles BEGIN {_DELETE} {_INSERT} END",
)
FILL = f"INSERT INTO articles_fts(rowid, search_text, pairs, tags) SELECT id, {_values('articles')} FROM articles"


def _drop() -> None:
    for name in OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS articles_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop()
    for statement in PAIRS_DDL:
        op.execute(statement)
    op.execute(FILL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    from importlib import import_module

    previous = import_module("storage.migrations.versions.0004_search")
    _drop()
    for statement in previous.FTS_DDL:
        op.execute(statement)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
