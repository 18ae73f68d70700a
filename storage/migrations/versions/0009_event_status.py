"""events.status: a training announced by a plan (planned) or reported as held (held)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:30:00

A plan or announcement of a training makes a ``planned`` event; when a report of the
training arrives it joins that event, which becomes ``held`` (and alerts then). Existing
events are all reports of held events.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="held"))
        batch.create_index("ix_events_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_status")
        batch.drop_column("status")
