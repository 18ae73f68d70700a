"""Engines, sessions and migrations.

``DATABASE_URL`` is resolved by the caller (newsmon/settings.py) and passed in. The only environment
this module reads is SQLite's: ``NEWSMON_DB_BUSY_TIMEOUT`` (seconds a writer waits for another
process's lock, default 30) and ``NEWSMON_SQLITE_MAX_PAGE_COUNT`` (a test hook: caps the file's
pages, so that a test can fill the "disk"). SQLite runs in WAL mode with that busy timeout so
that a crawl and a CLI query can share the file; PostgreSQL needs nothing special.
"""

from __future__ import annotations

import itertools
import logging
import os
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


DEFAULT_BUSY_TIMEOUT = 30.0


def busy_timeout() -> float:
    """Seconds a SQLite writer waits for another process's lock (env NEWSMON_DB_BUSY_TIMEOUT)."""
    raw = os.environ.get("NEWSMON_DB_BUSY_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise DatabaseError(f"NEWSMON_DB_BUSY_TIMEOUT={raw!r} is not a number of seconds (e.g. 30)") from None
    if value < 0:
        raise DatabaseError(f"NEWSMON_DB_BUSY_TIMEOUT={raw!r} must be 0 or more seconds")
    return value


def _max_page_count() -> int | None:
    raw = os.environ.get("NEWSMON_SQLITE_MAX_PAGE_COUNT", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise DatabaseError(f"NEWSMON_SQLITE_MAX_PAGE_COUNT={raw!r} must be a positive number of pages")
    return int(raw)


_DISCONNECT_HINTS = (
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "could not connect",
    "connection is closed",
    "connection already closed",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "consuming input failed",
    "ssl syscall error",
)


def database_error_kind(exc: BaseException) -> str | None:
    """``locked``, ``full`` or ``disconnect`` when ``exc`` is a database that cannot take writes
    now (another process's lock, no space, the server gone); None for anything else (a bug).

    The causes are searched too: SQLite rolls back the whole transaction on a full disk, so a
    savepoint's rollback then fails with "no such savepoint" caused by the real error.
    """
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        kind = _own_kind(node)
        if kind:
            return kind
        node = node.__cause__ or node.__context__
    return None


def _own_kind(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    lowered = str(orig).lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return "locked"
    if any(hint in lowered for hint in ("database or disk is full", "no space left on device", "disk full")):
        return "full"
    if getattr(exc, "connection_invalidated", False) or any(hint in lowered for hint in _DISCONNECT_HINTS):
        return "disconnect"
    return None


def describe_database_error(exc: BaseException, url: str | Any | None = None) -> str | None:
    """One line for the operator, naming the database and what to do, for the errors
    :func:`database_error_kind` knows; None for anything else."""
    kind = database_error_kind(exc)
    where = _describe_url(url)
    if kind == "locked":
        return (
            f"database is locked by another process (waited {busy_timeout():g} s){where}: "
            "stop the other writer or raise NEWSMON_DB_BUSY_TIMEOUT"
        )
    if kind == "full":
        place = _folder(url) or "the database server"
        return f"disk full{where}: free space on {place} and run the crawl again"
    if kind == "disconnect":
        orig = getattr(exc, "orig", None) or exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return f"lost the connection to the database{where} ({first}): check that the server is up"
    return None


def _describe_url(url: str | Any | None) -> str:
    if url is None:
        return ""
    try:
        return f" ({make_url(url).render_as_string(hide_password=True)})"
    except ArgumentError:
        return ""


def _folder(url: str | Any | None) -> str | None:
    """The folder of a SQLite file (where space must be freed); None for a server database."""
    if url is None:
        return None
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return str(Path(parsed.database).expanduser().resolve().parent)


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


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def search_tags(
    source_id: str | None, language: str | None, event_type: str | None, copy_of: Any, published: Any = None
) -> str:
    """The filter tokens of an article in the search index: its source, language, event type,
    whether it is a copy, and the year and month it was published (UTC, as stored), so that
    the usual filters narrow the index lookup itself instead of being checked row by row
    afterwards (one source of forty, or a year long past, over a million articles)."""
    tags = [tag_token("s", source_id or ""), tag_token("l", language or ""), tag_token("t", event_type or "")]
    if copy_of is not None:
        tags.append(COPY_TAG)
    month = _MONTH.match(str(published)) if published is not None else None
    if month:
        tags += [f"y__{month[1]}", f"m__{month[1]}_{month[2]}"]
    return " ".join(tags)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """SQL functions the schema's triggers call (every connection that writes articles needs them)."""
    dbapi_connection.create_function("nm_word_pairs", 1, word_pairs, deterministic=True)
    dbapi_connection.create_function("nm_search_tags", 5, search_tags, deterministic=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    register_sqlite_functions(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout() * 1000)}")
    max_pages = _max_page_count()
    if max_pages is not None:
        cursor.execute(f"PRAGMA max_page_count={max_pages}")
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
        kwargs.setdefault("connect_args", {"timeout": busy_timeout()})
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


def _alembic_config(engine: Engine | None) -> Any:
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


def head_revision() -> str | None:
    """The newest migration: what :func:`upgrade` brings a database to (``newsmon doctor``
    compares it with :func:`current_revision`)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether this code has the migration ``revision`` (False: a newer release migrated the database)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_alembic_config(None)).get_revision(revision) is not None
    except CommandError:
        return False


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
