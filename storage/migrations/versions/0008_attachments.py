"""attachments: PDF and DOCX documents linked from articles, raw and as text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:30:00

Plans and decisions of trainings are published as attachments; their text is searched
with the linking article's (its ``search_text`` includes it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_url", sa.String(length=2048), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_attachments_canonical_url")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_article_url"), ["article_url"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_status"))
        batch_op.drop_index(batch_op.f("ix_attachments_source_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_article_url"))
    op.drop_table("attachments")
