"""Shared test fixtures. Nothing here reaches beyond 127.0.0.1.

Databases: tests of behaviour that must hold on every backend take ``database_url`` (or
``database_factory``) and are marked ``db`` automatically. It is a SQLite file by default; with
``NEWSMON_TEST_DATABASE_URL`` set to a PostgreSQL server URL each test gets a database of its
own there, dropped afterwards (``make test-pg`` runs the ``db`` tests that way against the
throwaway server of ``tests/services.sh``). ``sqlite_url`` is for what is SQLite's own (FTS5,
WAL, files); ``pg_url`` for what is PostgreSQL's own.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).resolve().parent.parent

SERVICES_HINT = "start it with `bash tests/services.sh start` and `. .services/env` (or run `make test-pg`)"


def pytest_configure(config: pytest.Config) -> None:
    """Files newsmon caches (language profiles) go to a folder of the run, not the user's home."""
    if "NEWSMON_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["NEWSMON_CACHE_DIR"] = tempfile.mkdtemp(prefix="newsmon-test-cache-")
        config.add_cleanup(lambda: _remove(os.environ.pop("NEWSMON_CACHE_DIR", "")))


def _remove(folder: str) -> None:
    import shutil

    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use the database under test ``db``, those that need PostgreSQL ``pg``
    (``make test-pg`` runs ``-m "db or pg"`` with ``NEWSMON_TEST_DATABASE_URL`` set)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "database_server" in names:
            item.add_marker(pytest.mark.db)
        if "pg_server" in names:
            item.add_marker(pytest.mark.pg)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file: for tests of what only SQLite has (FTS5, WAL, the file itself)."""
    return f"sqlite:///{tmp_path / 'test.db'}"


class PostgresDatabases:
    """Creates databases on a PostgreSQL server and drops them again (connections included)."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        self.url = make_url(server_url)
        if self.url.get_backend_name() != "postgresql":
            raise pytest.UsageError(
                f"NEWSMON_TEST_DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://user@host:port/db) "
                f"or unset for SQLite, not {server_url!r}"
            )
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.created: list[str] = []

    def create(self, label: str = "") -> str:
        from sqlalchemy import text

        slug = re.sub(r"[^a-z0-9]+", "_", label.lower())[:30].strip("_")
        name = f"t_{uuid.uuid4().hex[:10]}_{slug}".rstrip("_")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str | None = None) -> None:
        """Drop ``name`` (or every database made here), ending the connections still open to it."""
        from sqlalchemy import text

        names = [name] if name else list(self.created)
        with self.admin.connect() as conn:
            for n in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'))
                self.created.remove(n)

    def close(self) -> None:
        if self.created:
            self.drop()
        self.admin.dispose()


def _database_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


def _server_reachable(dbs: PostgresDatabases) -> str | None:
    from sqlalchemy.exc import OperationalError

    try:
        with dbs.admin.connect():
            return None
    except OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]


class DatabaseServer:
    """The backend under test: SQLite files, or databases on the PostgreSQL server named by
    ``NEWSMON_TEST_DATABASE_URL``."""

    def __init__(self, postgres: PostgresDatabases | None) -> None:
        self.postgres = postgres

    @property
    def backend(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def new(self, label: str, directory: Path) -> str:
        """A fresh, empty database: ``directory/label.db``, or a new PostgreSQL database."""
        if self.postgres is None:
            return f"sqlite:///{directory / (re.sub(r'[^A-Za-z0-9_-]+', '_', label)[:60] + '.db')}"
        return self.postgres.create(label)

    def drop(self, url: str) -> None:
        """Drop a database made by :meth:`new` (a SQLite file goes with its temporary directory)."""
        if self.postgres is not None:
            self.postgres.drop(_database_name(url))


@pytest.fixture(scope="session")
def database_server() -> Iterator[DatabaseServer]:
    """Session-wide access to the backend under test; module-scoped fixtures build on it (every
    test using it is marked ``db``)."""
    server = os.environ.get("NEWSMON_TEST_DATABASE_URL")
    if not server:
        yield DatabaseServer(None)
        return
    dbs = PostgresDatabases(server)
    problem = _server_reachable(dbs)
    if problem:
        raise pytest.UsageError(f"NEWSMON_TEST_DATABASE_URL: cannot connect ({problem}); {SERVICES_HINT}")
    yield DatabaseServer(dbs)
    dbs.close()


@pytest.fixture
def database_factory(database_server: DatabaseServer, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """``new(label) -> URL``: a fresh, empty database per call on the backend under test, for tests
    that need more than one; all are dropped when the test ends."""
    made: list[str] = []

    def new(label: str = "db") -> str:
        made.append(database_server.new(label, tmp_path))
        return made[-1]

    yield new
    for url in made:
        database_server.drop(url)


@pytest.fixture
def database_url(database_factory: Callable[[str], str], request: pytest.FixtureRequest) -> str:
    """An empty database for a backend-neutral test: a SQLite file, or a fresh PostgreSQL database
    when ``NEWSMON_TEST_DATABASE_URL`` names a server."""
    return database_factory(request.node.name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresDatabases]:
    server = os.environ.get("NEWSMON_TEST_DATABASE_URL") or os.environ.get("NEWSMON_TEST_PG_URL")
    if not server or not server.startswith("postgresql"):
        message = f"needs PostgreSQL (NEWSMON_TEST_PG_URL); {SERVICES_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    dbs = PostgresDatabases(server)
    problem = _server_reachable(dbs)
    if problem:
        message = f"PostgreSQL at NEWSMON_TEST_PG_URL unreachable ({problem}); {SERVICES_HINT}"
        dbs.admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield dbs
    dbs.close()


@pytest.fixture
def pg_url(pg_server: PostgresDatabases, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database, for what only PostgreSQL has (its full-text search); skipped
    without a server, failed in CI (env ``CI``)."""
    url = pg_server.create(request.node.name)
    yield url
    pg_server.drop(_database_name(url))
