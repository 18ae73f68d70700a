"""corrections, saved searches and subscriptions: what analysts know and what they follow

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 13:30:00

``corrections`` is the history of analysts' corrections (who, when, what, the old and new
value); it is applied after the rules, so it survives ``newsmon reprocess``. Corrections
are tied to articles by canonical URL (``correction_articles``), not to event ids: events
are rebuilt by reprocessing, articles keep their URL.

``saved_searches`` are a user's named searches (words and filters); ``subscriptions`` say
what a user is told about (a saved search, a province or every new training event), on
which apprise URL, at once or in a daily digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("field", sa.String(32), nullable=True),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
        sa.Column("event_id", sa.Integer, nullable=True),
        sa.Column("article_id", sa.Integer, nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_corrections_user_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_corrections"),
    )
    op.create_index("ix_corrections_kind", "corrections", ["kind"])
    op.create_index("ix_corrections_created_at", "corrections", ["created_at"])
    op.create_table(
        "correction_articles",
        sa.Column("correction_id", sa.Integer, nullable=False),
        sa.Column("article_url", sa.String(2048), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["corrections.id"],
            name="fk_correction_articles_correction_id_corrections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("correction_id", "article_url", name="pk_correction_articles"),
    )
    op.create_index("ix_correction_articles_article_url", "correction_articles", ["article_url"])
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_saved_searches_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_searches"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("saved_search_id", sa.Integer, nullable=True),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_subscriptions_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name="fk_subscriptions_saved_search_id_saved_searches",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_user_id", "subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("saved_searches")
    op.drop_index("ix_correction_articles_article_url", "correction_articles")
    op.drop_table("correction_articles")
    op.drop_index("ix_corrections_created_at", "corrections")
    op.drop_index("ix_corrections_kind", "corrections")
    op.drop_table("corrections")
