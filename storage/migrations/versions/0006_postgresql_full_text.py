"""PostgreSQL full-text index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00

PostgreSQL only (SQLite has its FTS5 table): a GIN index on ``to_tsvector('simple',
search_text)``, the expression ``pipeline/search_pg.py`` queries. ``search_text`` holds the
folded words already, so the ``simple`` configuration (lower case, no stemming, no stop words)
is all it needs. Not a model: ``in_models`` hides it from Alembic's comparisons.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_articles_search_tsv"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles USING gin (to_tsvector('simple', search_text))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
