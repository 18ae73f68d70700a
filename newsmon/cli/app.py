"""The ``newsmon`` command group and what every command shares: the context (database,
registry, alert rules, created lazily so ``newsmon --help`` touches nothing), the consoles,
and the one place where library errors a user can cause (a bad sources file, an unreachable
database, a bad alerts file) become one-line messages with exit status 2.

Commands are imported when they run, not before: ``COMMANDS`` says which module defines each
one and what ``newsmon --help`` says of it, so the help lists every command without loading
Scrapy, SQLAlchemy or apprise (half a second of imports); tests/test_cli_lazy.py keeps the
table equal to the commands themselves."""

from __future__ import annotations

import importlib
import logging
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import newsmon.settings as config

if TYPE_CHECKING:
    from newsmon.services.alerts import AlertsConfig
    from pipeline.sources import Registry

logger = logging.getLogger("newsmon")


VN = ZoneInfo("Asia/Ho_Chi_Minh")


# Piped output (a file, another program) gets wide tables instead of 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


err = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


class UsageError(click.ClickException):
    """A mistake the user can fix; printed on one line, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        err.print(f"[bold red]newsmon: error:[/] {self.format_message()}", markup=True, highlight=False)


class Context:
    """What every command needs, created lazily so `newsmon --help` touches nothing."""

    def __init__(self, database_url: str, sources_path: str) -> None:
        self.database_url = database_url
        self.sources_path = sources_path
        self._sessions: Any = None
        self._registry: Registry | None = None
        self._alerts: AlertsConfig | None = None

    @property
    def alerts(self) -> AlertsConfig:
        if self._alerts is None:
            from newsmon.services.alerts import load_alerts_config

            self._alerts = load_alerts_config(
                config.NEWSMON_ALERTS, config.NEWSMON_ALERT_URLS, config.NEWSMON_OPERATOR_URLS
            )
        return self._alerts

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            from pipeline.sources import load_registry

            self._registry = load_registry(self.sources_path)
        return self._registry

    @property
    def sessions(self) -> Any:
        if self._sessions is None:
            from storage.db import make_engine, session_factory, upgrade

            engine = make_engine(self.database_url)
            upgrade(engine)
            self._sessions = session_factory(engine)
        return self._sessions

    def store(self, registry: Registry | None = None, pool: Any = None) -> Any:
        from newsmon.services.store import ArticleStore

        reg = registry
        return ArticleStore(
            self.sessions,
            selectors_for=lambda sid: reg.get(sid).selectors() if reg and sid else None,
            alerts=self.alerts,
            pool=pool,
        )


def progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=True,
    )


def fmt_dt(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%Y-%m-%d %H:%M") if value else "-"


def iso(value: datetime | None) -> str | None:
    return value.astimezone(VN).isoformat() if value else None


def stated(value: datetime | None) -> str | None:
    """A publication time as the page stated it (``Article.published_local``), not moved to Vietnam's zone."""
    return value.isoformat() if value else None


def parse_date_option(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    from spiders.news import parse_since

    try:
        return parse_since(value)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


# name: (module under newsmon.cli, the help's first sentence)
COMMANDS: dict[str, tuple[str, str]] = {
    "alerts": (
        "alerts",
        "Alerts about new events (NEWSMON_ALERTS, NEWSMON_ALERT_URLS, NEWSMON_OPERATOR_URLS).",
    ),
    "analyze": (
        "ingest",
        "Show what the pipeline makes of saved pages (HTML, or a clean .txt body whose first line is the title): text, date, language, duplicates among the files, and the event.",
    ),
    "articles": ("articles", "Query stored articles."),
    "crawl": ("crawl", "Crawl sources now: `newsmon crawl ID...` or `newsmon crawl --all`."),
    "db": ("ops", "Database schema (Alembic migrations)."),
    "demo": ("ops", "Serve the bundled sample sites on 127.0.0.1, crawl them, and show what was stored."),
    "doctor": (
        "doctor",
        "Check the installation before a crawl: libraries, database, Redis, sources, alerts, data directory, Chromium.",
    ),
    "eval": (
        "ops",
        "Score detection (by language), event fields, clustering and near-duplicates on labelled cases: the project's own-words cases (or PATHS) and the study set's two parts.",
    ),
    "events": ("articles", "Events (conferences, trainings...) with every report of each."),
    "export": (
        "search",
        "Export articles or events, streamed: CSV (UTF-8 with a BOM, opens in Excel), JSON lines, or xlsx.",
    ),
    "ingest": (
        "ingest",
        'Run the pipeline over saved pages into the database: HTML/.txt files, directories, JSON lines ({"url": ..., "html": ...}) or WARC archives.',
    ),
    "reprocess": ("ingest", "Run the pipeline again over stored raw pages (after rules or code changed)."),
    "runs": ("crawl", "Recent crawl runs with their counts and errors."),
    "schedule": ("ops", "Run the scheduled crawls (one job per enabled source) until SIGTERM/SIGINT."),
    "search": (
        "search",
        'Search articles: words (all must occur, accents optional), "a phrase", OR, NOT word or -word, (parentheses), word* for a prefix; best matches first, copies folded.',
    ),
    "serve": ("ops", "Serve the web UI and the JSON API (read-only) until Ctrl-C or SIGTERM."),
    "sources": ("sources", "The source registry (sources.yaml)."),
    "subscriptions": (
        "subscriptions",
        "Users' subscriptions (saved searches, provinces, trainings): list them, URLs masked.",
    ),
    "users": (
        "users",
        "Web and API users: add, list, disable, enable, passwd, token (once one exists, the web app needs a login).",
    ),
    "worker": (
        "crawl",
        "Fetch queued requests from Redis (REDIS_URL) for every enabled source, or the IDs given, and store what comes back; several workers on several machines share one crawl.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (see the module's docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"newsmon.cli.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands:
                text = self.commands[name].get_short_help_str(limit)
            else:
                text = click.utils.make_default_short_help(COMMANDS[name][1], limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--database",
    "database_url",
    envvar="DATABASE_URL",
    default=None,
    metavar="URL",
    help="Database URL (env DATABASE_URL; default: SQLite file in the data directory).",
)
@click.option(
    "--sources",
    "sources_path",
    envvar="NEWSMON_SOURCES",
    default=None,
    metavar="PATH",
    help="Source registry (env NEWSMON_SOURCES; default: sources.yaml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(config.VERSION, prog_name="newsmon")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, sources_path: str | None, verbose: int) -> None:
    """newsmon: monitor Vietnamese government and press sites for training conferences."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = Context(database_url or config.DATABASE_URL, sources_path or config.NEWSMON_SOURCES)
    ctx.obj.verbose = verbose


def wrap_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's user-facing errors into one-line CLI errors."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from newsmon.crawl.runner import CrawlSetupError
        from newsmon.services.alerts import AlertsConfigError
        from pipeline.sources import RegistryError
        from storage.db import DatabaseError

        try:
            return func(*args, **kwargs)
        except (RegistryError, DatabaseError, AlertsConfigError, CrawlSetupError) as exc:
            raise UsageError(str(exc)) from None

    return wrapper


if __name__ == "__main__":  # pragma: no cover
    main()


def deliver_alerts(obj: Context) -> Counter[str]:
    """Send due alerts and say what happened, on stderr (stdout stays the command's own)."""
    from newsmon.services.alerts import deliver_pending

    counts = deliver_pending(obj.sessions, obj.alerts)
    if counts:
        err.print("alerts: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return counts
