"""The ``newsmon`` command group and what every command shares: the context (database,
registry, alert rules, created lazily so ``newsmon --help`` touches nothing), the consoles,
and the one place where library errors a user can cause (a bad sources file, an unreachable
database, a bad alerts file) become one-line messages with exit status 2."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import newsmon.settings as config
from newsmon.crawl.runner import CrawlSetupError
from newsmon.services.alerts import AlertsConfig, AlertsConfigError, load_alerts_config
from pipeline.sources import Registry, RegistryError, load_registry
from storage.db import DatabaseError, make_engine, session_factory, upgrade

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
            self._alerts = load_alerts_config(
                config.NEWSMON_ALERTS, config.NEWSMON_ALERT_URLS, config.NEWSMON_OPERATOR_URLS
            )
        return self._alerts

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = load_registry(self.sources_path)
        return self._registry

    @property
    def sessions(self) -> Any:
        if self._sessions is None:
            engine = make_engine(self.database_url)
            upgrade(engine)
            self._sessions = session_factory(engine)
        return self._sessions

    def store(self, registry: Registry | None = None) -> Any:
        from newsmon.services.store import ArticleStore

        reg = registry
        return ArticleStore(
            self.sessions,
            selectors_for=lambda sid: reg.get(sid).selectors() if reg and sid else None,
            alerts=self.alerts,
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
