"""Alembic environment: the engine comes from ``config.attributes`` (see storage.db)."""

from __future__ import annotations

from alembic import context

from storage.models import Base, in_models

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        include_name=in_models,  # the FTS5 search table is not a model
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
