"""Engines, sessions and migrations.

``DATABASE_URL`` is resolved by the caller (settings.py) and passed in: this module reads
no environment. SQLite runs in WAL mode with a busy timeout so that a crawl and a CLI
query can share the file; PostgreSQL needs nothing special.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says what to fix."""


_WORDS = re.compile(r"[^\W_]+")


def word_pairs(search_text: str | None) -> str:
    """The consecutive word pairs of a folded search document, as ``a_b`` tokens.

    The SQLite search index (migration 0005) holds them beside the words, so a phrase is found
    by looking up its pairs, not by reading the positions of every occurrence of its (often
    very common) words: 20 to 50 times faster for phrases such as ``thong tin doi ngoai``.
    """
    if not search_text:
        return ""
    words = _WORDS.findall(search_text.lower())  # folded text is words and spaces; older rows may not be
    return " ".join(f"{a}_{b}" for a, b in itertools.pairwise(words))


def tag_token(kind: str, value: str) -> str:
    """One filter token of the search index: ``s__hoabinh_stttt`` for source ``hoabinh-stttt``.
    The double underscore keeps tags apart from words (no ``_``) and word pairs (one ``_``)."""
    return kind + "__" + re.sub(r"[^0-9a-z]+", "_", value.lower()).strip("_")


COPY_TAG = "c__copy"  # the search-index tag of an article that is a copy of another


def search_tags(source_id: str | None, language: str | None, event_type: str | None, copy_of: Any) -> str:
    """The filter tokens of an article in the search index: its source, language, event type and
    whether it is a copy, so that the usual filters narrow the index lookup itself instead of
    being checked row by row afterwards (a filter on one source of forty over a million articles)."""
    tags = [tag_token("s", source_id or ""), tag_token("l", language or ""), tag_token("t", event_type or "")]
    if copy_of is not None:
        tags.append(COPY_TAG)
    return " ".join(tags)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """SQL functions the schema's triggers call (every connection that writes articles needs them)."""
    dbapi_connection.create_function("nm_word_pairs", 1, word_pairs, deterministic=True)
    dbapi_connection.create_function("nm_search_tags", 4, search_tags, deterministic=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    register_sqlite_functions(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; for a SQLite file the parent directory is created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"DATABASE_URL {url!r} is not a database URL (e.g. sqlite:///data/newsmon.db, "
            "postgresql+psycopg://user@host/newsmon)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise DatabaseError(
            f"DATABASE_URL names an unknown database {parsed.drivername!r}: use sqlite:///PATH or postgresql+psycopg://..."
        ) from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"no driver for {parsed.drivername}: install it (e.g. pip install 'newsmon[postgres]'): {exc}"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("storage").joinpath("migrations")))
    config.attributes["engine"] = engine
    return config


_MIGRATION_LOCK_KEY = 0x6E65_7773  # "news": PostgreSQL advisory lock held while migrating


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: two workers started at once on a new database would
    otherwise both create the tables ("table crawl_runs already exists")."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    import fcntl

    with open(f"{database}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent; safe to call at every start, from several
    processes at once)."""
    from alembic import command

    try:
        with _migration_lock(engine):
            command.upgrade(_alembic_config(engine), revision)
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot migrate {engine.url.render_as_string(hide_password=True)}: {exc.orig}"
        ) from None


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
