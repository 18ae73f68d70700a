"""articles.published_offset: the UTC offset a page stated with its publication time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:00:00

``published_at`` is stored in UTC; the offset (minutes east of UTC) keeps the day the page
states: a page dated 15 January 23:30 in New York is a 15 January page, though it was 16
January in Hanoi. NULL: the page gave no zone (Vietnam's is assumed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("published_offset", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("published_offset")
