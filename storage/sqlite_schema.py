"""The SQLite schema at the newest migration, as one SQL script, for throw-away databases.

``newsmon analyze`` and ``newsmon eval`` build a database per run that nobody keeps. Running
the migrations for it costs about 0.3 s (importing alembic and replaying nine revisions),
more than the work on a single page; executing the schema they produce takes 2 ms.
``schema.sql`` is that schema, dumped from a freshly migrated database
(``python -m storage.sqlite_schema --write`` after adding a migration); a test compares it
with what the migrations make, so it cannot fall behind them. Databases that are kept are
always migrated (:func:`storage.db.upgrade`).
"""

from __future__ import annotations

import re
import sqlite3
import sys
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

__all__ = ["SCHEMA_FILE", "create", "dump"]

SCHEMA_FILE = "schema.sql"
_FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")


def dump(connection: sqlite3.Connection) -> str:
    """The statements that recreate the database's schema and its migration revision."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'sqlite_sequence' "
        "ORDER BY rowid"
    ).fetchall()
    virtual = {
        name for kind, name, sql in rows if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")
    }
    # FTS5 makes its shadow tables itself when its virtual table is created.
    shadows = {v + suffix for v in virtual for suffix in _FTS_SHADOWS}
    kept = [(kind, name, sql) for kind, name, sql in rows if not (kind == "table" and name in shadows)]
    # The migrations recreate tables from sets, so two runs list constraints and indexes in
    # different orders: a canonical order makes the dump comparable.
    rank = {"table": 0, "index": 1, "trigger": 2, "view": 3}
    kept.sort(key=lambda row: (row[2].upper().startswith("CREATE VIRTUAL"), rank.get(row[0], 4), row[1]))
    statements = [_canonical_table(sql) if kind == "table" else sql for kind, name, sql in kept]
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    statements += [f"INSERT INTO alembic_version (version_num) VALUES ('{v}')" for (v,) in revision]
    return "".join(f"{statement};\n" for statement in statements)


_BODY_RE = re.compile(r"(?s)^(CREATE TABLE [^(]+\()(.*)(\n\))$")


def _canonical_table(sql: str) -> str:
    """The table's columns as they are, its constraints sorted (their order means nothing)."""
    match = _BODY_RE.match(sql)
    if match is None:
        return sql
    head, body, tail = match.groups()
    items = re.split(r",\s*\n", body)
    columns = [i for i in items if not i.strip().startswith("CONSTRAINT")]
    constraints = sorted(i for i in items if i.strip().startswith("CONSTRAINT"))
    return head + ", \n".join(columns + constraints) + tail


def _script() -> str:
    return resources.files("storage").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def create(engine: Engine) -> None:
    """Give a new, empty SQLite database the current schema without running the migrations."""
    if engine.dialect.name != "sqlite":
        raise ValueError(f"the schema script is SQLite's; migrate {engine.url.drivername} instead")
    with engine.begin() as conn:
        conn.connection.driver_connection.executescript(_script())


def main(argv: list[str] | None = None) -> int:
    """``--write``: regenerate schema.sql from the migrations; ``--check``: exit 1 if it is stale."""
    import tempfile

    from storage.db import make_engine, upgrade

    args = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schema.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        with sqlite3.connect(path) as connection:
            fresh = dump(connection)
    target = Path(__file__).with_name(SCHEMA_FILE)
    if "--write" in args:
        target.write_text(fresh, encoding="utf-8")
        print(f"wrote {target.name}")
        return 0
    if fresh != _script():
        print(f"{target.name} is behind the migrations: run python -m storage.sqlite_schema --write")
        return 1
    print(f"{target.name} matches the migrations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
