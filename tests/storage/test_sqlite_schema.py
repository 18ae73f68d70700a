"""storage/schema.sql: the migrations' SQLite schema for throw-away databases, never behind them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from storage import sqlite_schema
from storage.db import current_revision, head_revision, make_engine, upgrade


def _migrated(path: Path) -> str:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        return sqlite_schema.dump(connection)


def test_schema_file_is_what_the_migrations_make(tmp_path: Path) -> None:
    # Fails when a migration is added without `python -m storage.sqlite_schema --write`.
    assert sqlite_schema._script() == _migrated(tmp_path / "migrated.db")


def test_dump_does_not_depend_on_the_run(tmp_path: Path) -> None:
    # The migrations list constraints and indexes in a different order from run to run.
    assert {_migrated(tmp_path / f"{i}.db") for i in range(3)} == {sqlite_schema._script()}


def test_created_database_is_a_migrated_one(tmp_path: Path) -> None:
    path = tmp_path / "created.db"
    engine = make_engine(f"sqlite:///{path}")
    sqlite_schema.create(engine)
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # nothing left to do
    engine.dispose()
    with sqlite3.connect(path) as connection:
        assert sqlite_schema.dump(connection) == _migrated(tmp_path / "migrated.db")


def test_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert sqlite_schema.main(["--check"]) == 0
    assert "matches the migrations" in capsys.readouterr().out


def test_refuses_postgresql() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(ValueError, match="migrate"):
        sqlite_schema.create(engine)
