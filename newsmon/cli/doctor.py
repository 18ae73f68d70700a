"""``newsmon doctor``: is this installation able to crawl? One line per check (ok, FAIL or
warn) with the fix for each failure, so that a missing extra, an unreachable database or a
bad configuration file is found before a crawl instead of as a traceback in its log."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import click
from rich.table import Table

import newsmon.settings as config
from newsmon.cli.app import Context, main, out
from pipeline.sources import Registry

OK, FAIL, WARN = "ok", "FAIL", "warn"

# (module, what to pip install): the libraries a crawl cannot do without.
DEPENDENCIES = (
    ("trafilatura", "trafilatura"),
    ("lxml_html_clean", "lxml_html_clean"),
    ("langdetect", "langdetect"),
    ("scrapy", "scrapy"),
)
VIETNAMESE = "Hội nghị tập huấn công tác thông tin đối ngoại của tỉnh Thanh Hóa năm nay"
DATABASE_FIX = "check DATABASE_URL / --database"


@dataclass(frozen=True)
class Check:
    """One finding: ``status`` is ok, FAIL or warn; ``fix`` says what to do when it is not ok."""

    name: str
    status: str
    detail: str
    fix: str = ""


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {text}" if text else type(orig).__name__


def check_import(module: str, package: str) -> Check:
    """The module imports (any error counts: a broken install raises more than ImportError)."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    try:
        importlib.import_module(module)
    except Exception as exc:
        return Check(
            module,
            FAIL,
            f"cannot import {module}: {_first_line(exc)}",
            f"pip install {package}; `.venv/bin/pip install -e .` reinstalls every dependency",
        )
    try:
        return Check(module, OK, f"{package} {version(package)}")
    except PackageNotFoundError:
        return Check(module, OK, "imports")


def check_language_profiles() -> Check:
    """langdetect's profiles load and tell Vietnamese (a damaged install imports but cannot)."""
    name = "language profiles"
    try:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        factory.set_seed(0)
        detector = factory.create()
        detector.append(VIETNAMESE)
        found = detector.detect()
    except Exception as exc:
        return Check(
            name,
            FAIL,
            f"langdetect cannot detect languages: {_first_line(exc)}",
            "pip install --force-reinstall langdetect",
        )
    if found != "vi":
        return Check(
            name,
            FAIL,
            f"a Vietnamese sentence detected as {found!r}",
            "pip install --force-reinstall langdetect",
        )
    return Check(name, OK, "a Vietnamese sentence is detected as 'vi'")


def dependency_checks() -> list[Check]:
    """The libraries and language profiles (``newsmon demo`` shows the failing ones as a reason)."""
    return [*(check_import(m, p) for m, p in DEPENDENCIES), check_language_profiles()]


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _creatable(path: Path) -> Path | None:
    """The nearest existing ancestor of ``path`` when it is a writable directory, else None."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent if parent.is_dir() and os.access(parent, os.W_OK) else None


def check_database(url: str) -> Check:
    """Reachable, and its schema at the newest migration (checked, not migrated)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return Check(
            "database",
            FAIL,
            f"{url!r} is not a database URL",
            f"{DATABASE_FIX} (e.g. sqlite:///data/newsmon.db)",
        )
    shown = _safe_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not file.startswith("file:") and not Path(file).expanduser().exists():
        path = Path(file).expanduser()
        if _creatable(path) is None:
            return Check(
                "database",
                FAIL,
                f"{shown}: cannot create {path}: no writable directory for it",
                f"{DATABASE_FIX}; or create the directory and make it writable",
            )
        return Check("database", OK, f"{shown}: not created yet; the first command creates and migrates it")
    return _check_schema(url, shown, parsed.get_backend_name())


def _check_schema(url: str, shown: str, backend: str) -> Check:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import DatabaseError, current_revision, head_revision, known_revision, make_engine

    try:
        engine = make_engine(url, **({} if backend == "sqlite" else {"connect_args": {"connect_timeout": 5}}))
    except DatabaseError as exc:
        return Check("database", FAIL, str(exc), DATABASE_FIX)
    try:
        current = current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        return Check(
            "database",
            FAIL,
            f"{shown}: cannot connect: {_first_line(exc)}",
            f"{DATABASE_FIX}; is the server up and the database created?",
        )
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return Check("database", OK, f"{shown}: reachable, schema at the newest revision ({head})")
    if current is None:
        return Check(
            "database",
            WARN,
            f"{shown}: reachable, no schema yet",
            "newsmon db upgrade (every command also migrates on start)",
        )
    if not known_revision(current):
        return Check(
            "database",
            FAIL,
            f"{shown}: schema at {current}, which this newsmon does not know (a newer release migrated it)",
            "run the newer newsmon, or downgrade the schema with it",
        )
    return Check(
        "database",
        WARN,
        f"{shown}: schema at {current}, the newest is {head}",
        "newsmon db upgrade (every command also migrates on start)",
    )


def check_redis(url: str) -> Check:
    """Only when REDIS_URL is set: distributed crawls and workers need it. Pinged with the redis
    client itself, so that a broken extraction library cannot hide the answer."""
    if not url:
        return Check("redis", OK, "not configured (REDIS_URL unset; only distributed crawls need it)")
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    shown = _masked_redis(url)
    fix = "start redis-server or fix REDIS_URL (unset it if no workers are used)"
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=3, socket_connect_timeout=3, retry=Retry(NoBackoff(), 0)
        )
        client.ping()
        client.close()
    except ValueError as exc:
        return Check("redis", FAIL, f"REDIS_URL={shown} is not a Redis URL ({exc})", fix)
    except redis.RedisError as exc:
        return Check("redis", FAIL, f"cannot reach Redis at REDIS_URL={shown}: {exc}", fix)
    return Check("redis", OK, f"{shown} answers")


def _masked_redis(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def check_registry(obj: Context) -> Check:
    from pipeline.sources import RegistryError

    try:
        registry = obj.registry
    except RegistryError as exc:
        return Check(
            "sources",
            FAIL,
            str(exc),
            "correct the file (`newsmon sources validate` rechecks it; docs/sources.md lists the fields) "
            "or point NEWSMON_SOURCES / --sources at another",
        )
    enabled = len(registry.enabled())
    return Check("sources", OK, f"{registry.path}: {len(registry.sources)} source(s), {enabled} enabled")


def check_alerts(obj: Context) -> Check:
    from newsmon.services.alerts import AlertsConfigError

    try:
        alerts = obj.alerts
    except AlertsConfigError as exc:
        return Check(
            "alerts",
            FAIL,
            str(exc),
            f"correct {config.NEWSMON_ALERTS} (NEWSMON_ALERTS) or NEWSMON_ALERT_URLS / NEWSMON_OPERATOR_URLS",
        )
    where = alerts.path or "no alerts file"
    summary = f"{where}: {len(alerts.rules)} rule(s), {len(alerts.channels)} channel(s), {len(alerts.operator)} operator channel(s)"
    if not alerts.channels:
        return Check(
            "alerts",
            WARN,
            f"{summary}: new events alert nobody",
            "add `channels:` to the alerts file or set NEWSMON_ALERT_URLS",
        )
    return Check("alerts", OK, summary)


def check_data_dir(path: Path) -> Check:
    """Writable (tried, not guessed from permissions: root passes os.access on a read-only mount)."""
    fix = "set NEWSMON_DATA_DIR to a writable directory, or fix its permissions"
    if not path.exists():
        if _creatable(path) is None:
            return Check("data directory", FAIL, f"{path} does not exist and cannot be created", fix)
        return Check("data directory", OK, f"{path}: not created yet; the first command creates it")
    if not path.is_dir():
        return Check("data directory", FAIL, f"{path} is not a directory", fix)
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data directory", FAIL, f"{path}: cannot write: {exc.strerror or exc}", fix)
    return Check("data directory", OK, f"{path.resolve()}: writable")


def check_browser(registry: Registry | None) -> Check:
    """Chromium, only when an enabled source is read through a browser (``render: browser``)."""
    if registry is None:
        return Check(
            "chromium", WARN, "not checked: the source registry is invalid", "fix the sources check first"
        )
    ids = [s.id for s in registry.enabled() if s.request.render == "browser"]
    if not ids:
        return Check("chromium", OK, "not needed (no enabled source has request: {render: browser})")
    from scrapy.settings import Settings

    from spiders.browser import BrowserMissing, browser_executable

    try:
        executable = browser_executable(Settings())
        import scrapy_playwright  # noqa: F401
    except BrowserMissing as exc:
        return Check(
            "chromium",
            FAIL,
            f"{', '.join(ids)}: {exc}",
            "Debian: apt-get install chromium; or set NEWSMON_BROWSER to Chromium's path",
        )
    except ImportError as exc:
        return Check(
            "chromium",
            FAIL,
            f"{', '.join(ids)}: cannot import scrapy_playwright: {_first_line(exc)}",
            "pip install scrapy-playwright",
        )
    return Check("chromium", OK, f"{executable} for {', '.join(ids)}")


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    """A check that crashes is a failed check, not a doctor that crashes."""
    try:
        return run()
    except Exception as exc:
        return Check(name, FAIL, f"the check itself failed: {_first_line(exc)}", "report this as a bug")


def run_checks(obj: Context) -> list[Check]:
    """Every check, in the order a crawl needs them."""
    checks = dependency_checks()
    checks.append(_guarded("database", lambda: check_database(obj.database_url)))
    checks.append(_guarded("redis", lambda: check_redis(config.REDIS_URL)))
    sources = _guarded("sources", lambda: check_registry(obj))
    checks.append(sources)
    checks.append(_guarded("alerts", lambda: check_alerts(obj)))
    checks.append(_guarded("data directory", lambda: check_data_dir(config.DATA_DIR)))
    registry = obj.registry if sources.status == OK else None
    checks.append(_guarded("chromium", lambda: check_browser(registry)))
    return checks


_STYLE = {OK: "green", FAIL: "bold red", WARN: "yellow"}


def print_checks(checks: list[Check]) -> None:
    table = Table(title="newsmon doctor")
    for col in ("check", "status", "detail", "fix"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(c.name, f"[{_STYLE[c.status]}]{c.status}[/]", c.detail, c.fix or "-")
    out.print(table)
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    out.print(f"{failed} failed, {warned} warning(s), {len(checks) - failed - warned} ok")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def doctor(ctx: click.Context, fmt: str) -> None:
    """Check the installation before a crawl: libraries, database, Redis, sources, alerts, data
    directory, Chromium. Exit 1 if any check FAILs (warnings do not fail)."""
    checks = run_checks(ctx.obj)
    if fmt == "json":
        ok = not any(c.status == FAIL for c in checks)
        out.print_json(json.dumps({"ok": ok, "checks": [asdict(c) for c in checks]}, ensure_ascii=False))
    else:
        print_checks(checks)
    if any(c.status == FAIL for c in checks):
        ctx.exit(1)
