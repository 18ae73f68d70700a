"""near duplicates, classification, events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("date_held", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("province", sa.String(length=64), nullable=True),
        sa.Column("province_2025", sa.String(length=64), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("organizers", sa.JSON(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("provinces_covered", sa.Integer(), nullable=True),
        sa.Column("legal_refs", sa.JSON(), nullable=False),
        sa.Column("speakers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_date_held"), ["date_held"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_first_seen_at"), ["first_seen_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_province"), ["province"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_province_2025"), ["province_2025"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_type"), ["type"], unique=False)

    op.create_table(
        "article_bands",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "hash", "article_id", name=op.f("pk_article_bands")),
    )
    with op.batch_alter_table("article_bands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_bands_article_id"), ["article_id"], unique=False)

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("event_type", sa.String(length=32), nullable=True))
        # Existing rows get empty values: they are classified by `newsmon reprocess`.
        batch_op.add_column(sa.Column("topics", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("classification", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_event_type"), ["event_type"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_articles_event_id_events"), "events", ["event_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_articles_event_id_events"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_articles_event_type"))
        batch_op.drop_index(batch_op.f("ix_articles_event_id"))
        batch_op.drop_column("event_id")
        batch_op.drop_column("fields")
        batch_op.drop_column("classification")
        batch_op.drop_column("topics")
        batch_op.drop_column("event_type")
        batch_op.drop_column("minhash")

    with op.batch_alter_table("article_bands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_bands_article_id"))

    op.drop_table("article_bands")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_type"))
        batch_op.drop_index(batch_op.f("ix_events_province_2025"))
        batch_op.drop_index(batch_op.f("ix_events_province"))
        batch_op.drop_index(batch_op.f("ix_events_first_seen_at"))
        batch_op.drop_index(batch_op.f("ix_events_date_held"))

    op.drop_table("events")
