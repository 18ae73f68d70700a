"""The ``newsmon`` command: a thin layer over the pipeline, storage and crawler.

Library errors a user can cause (a bad sources file, an unreachable database, a missing
file) are turned into one-line messages here, in one place, with exit status 2.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import settings as config
from pipeline.alerts import AlertsConfig, AlertsConfigError, load_alerts_config
from pipeline.sources import Registry, RegistryError, load_registry
from pipeline.types import Page
from storage import repository as repo
from storage.db import DatabaseError, make_engine, session_factory, session_scope, upgrade

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
        from pipeline.store import ArticleStore

        reg = registry
        return ArticleStore(
            self.sessions,
            selectors_for=lambda sid: reg.get(sid).selectors() if reg and sid else None,
            alerts=self.alerts,
        )


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=True,
    )


def _fmt_dt(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%Y-%m-%d %H:%M") if value else "-"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN).isoformat() if value else None


def _parse_date_option(value: str | None, name: str) -> datetime | None:
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


def _wrap_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's user-facing errors into one-line CLI errors."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (RegistryError, DatabaseError, AlertsConfigError) as exc:
            raise UsageError(str(exc)) from None

    return wrapper


# --- sources -----------------------------------------------------------------------


@main.group()
def sources() -> None:
    """The source registry (sources.yaml)."""


@sources.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--all", "show_all", is_flag=True, help="Include disabled sources.")
@click.pass_obj
@_wrap_errors
def sources_list(obj: Context, fmt: str, show_all: bool) -> None:
    """List the configured sources."""
    items = obj.registry.sources if show_all else obj.registry.enabled()
    if fmt == "json":
        out.print_json(json.dumps([s.public_dump() for s in items], ensure_ascii=False))
        return
    table = Table(title=f"{len(items)} sources in {obj.registry.path}")
    for col in ("id", "kind", "province", "2025 unit", "discovery", "schedule", "enabled"):
        table.add_column(col)
    for s in items:
        d = s.discovery
        disc = ", ".join(
            f"{n} {k}"
            for k, n in (
                ("feeds", len(d.feeds)),
                ("sitemaps", len(d.sitemaps)),
                ("listings", len(d.listings)),
            )
            if n
        )
        sched = (s.schedule.every and f"every {s.schedule.every}") or f"cron {s.schedule.cron}"
        table.add_row(
            s.id,
            s.kind.value,
            s.province or "-",
            s.province_2025 or "-",
            disc,
            sched,
            "yes" if s.enabled else "no",
        )
    out.print(table)


@sources.command("validate")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.pass_obj
@_wrap_errors
def sources_validate(obj: Context, path: str | None) -> None:
    """Check a sources file; print one line per problem and exit 2 if it is invalid."""
    registry = load_registry(path or obj.sources_path)
    enabled = len(registry.enabled())
    out.print(f"{registry.path}: OK, {len(registry.sources)} sources ({enabled} enabled)")


def _source_ids(obj: Context) -> list[str]:
    """Every source in the registry (enabled first), then any other source the database knows."""
    from sqlalchemy import select

    from storage.models import CrawlRun

    ids = [s.id for s in obj.registry.enabled()] + [s.id for s in obj.registry.sources if not s.enabled]
    with session_scope(obj.sessions) as session:
        known = set(session.scalars(select(CrawlRun.source_id).distinct()))
    return ids + sorted(known - set(ids))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@sources.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@_wrap_errors
def sources_status(obj: Context, fmt: str) -> None:
    """Health of each source: last success, last new article, articles per week, error rates."""
    from pipeline.health import source_status
    from storage.models import utcnow

    now = utcnow()
    ids = _source_ids(obj)
    with session_scope(obj.sessions) as session:
        rows = [source_status(session, sid, obj.alerts, now) for sid in ids]
    if fmt == "json":
        for r in rows:
            for key in ("last_success", "last_new_article", "first_run"):
                r[key] = _iso(r[key])
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} source(s); rates over 28 days, extraction over the last "
                        f"{obj.alerts.health.extraction_recent_days} days")  # fmt: skip
    for col in ("source", "last success", "last new article", "new/week (4 wk)", "failed runs",
                "fetch errors", "extraction failures", "last runs"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in rows:
        failing = r["last_runs"] and r["last_runs"][0] == "failed"
        table.add_row(
            r["source"],
            _fmt_dt(r["last_success"]),
            _fmt_dt(r["last_new_article"]),
            " ".join(str(n) for n in r["articles_per_week"]),
            f"{r['failed_runs']}/{r['runs']} ({_pct(r['run_error_rate'])})",
            f"{r['fetch_errors']}/{r['requests']} ({_pct(r['fetch_error_rate'])})",
            f"{r['extraction_failures']}/{r['pages']} ({_pct(r['extraction_failure_rate'])})",
            ("[red]" if failing else "") + (", ".join(r["last_runs"]) or "-") + ("[/]" if failing else ""),
        )
    out.print(table)


@sources.command("check")
@click.argument("source_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--enabled",
    "only_enabled",
    is_flag=True,
    help="Only enabled sources (default: all, to find which to enable).",
)
@click.option(
    "--timeout", type=click.FloatRange(1, 120), default=10.0, show_default=True, help="Seconds per request."
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=16, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@_wrap_errors
def sources_check(obj: Context, source_ids: tuple[str, ...], only_enabled: bool, timeout: float,
                  concurrency: int, fmt: str) -> None:  # fmt: skip
    """Fetch each source's discovery URLs live and report what works: reachable, redirects to a
    new domain, feed/sitemap valid, article links found, one article extracted. Exit 1 if any
    source is not ok."""
    import time

    from pipeline.source_check import check_sources, exit_status, format_report

    registry = obj.registry
    if source_ids:
        chosen = [registry.get(sid) for sid in source_ids]
    else:
        chosen = registry.enabled() if only_enabled else list(registry.sources)
    started = time.monotonic()
    with _progress(err.is_terminal) as progress:
        progress.add_task(f"checking {len(chosen)} source(s)", total=None)
        results = check_sources(
            chosen, timeout=timeout, concurrency=concurrency, user_agent=config.USER_AGENT
        )
    if fmt == "json":
        out.print_json(json.dumps([r.as_dict() for r in results], ensure_ascii=False))
    else:
        out.print(format_report(results, time.monotonic() - started), markup=False)
    sys.exit(exit_status(results))


@sources.command("check-health")
@click.option("--deliver/--no-deliver", default=True, help="Send the operator alerts now (default).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@_wrap_errors
def sources_check_health(obj: Context, deliver: bool, fmt: str) -> None:
    """Alert the operator (NEWSMON_OPERATOR_URLS / `operator:`) about sources that went silent,
    keep failing, or stopped extracting; once per problem until it is resolved."""
    from pipeline.health import check_health

    problems = check_health(obj.sessions, [s.id for s in obj.registry.enabled()], obj.alerts)
    if deliver:
        _deliver(obj)
    if fmt == "json":
        out.print_json(json.dumps([p.__dict__ for p in problems], ensure_ascii=False))
        return
    if not obj.alerts.operator:
        err.print(
            "[yellow]warning:[/] no operator channel (NEWSMON_OPERATOR_URLS or `operator:`): nobody is told"
        )
    for p in problems:
        out.print(f"{p.source_id}: {p.kind}: {p.detail}")
    out.print(f"{len(problems)} problem(s) in {len(obj.registry.enabled())} enabled source(s)")


# --- crawl -------------------------------------------------------------------------


def scrapy_settings(obj: Context, overrides: Iterable[str] = (), **extra: Any) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(config, priority="project")
    settings.set("DATABASE_URL", obj.database_url, priority="cmdline")
    settings.set("NEWSMON_SOURCES", obj.sources_path, priority="cmdline")
    for key, value in extra.items():
        settings.set(key, value, priority="cmdline")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set {item!r}: use KEY=VALUE, e.g. --set DOWNLOAD_DELAY=0")
        settings.set(key.strip(), value.strip(), priority="cmdline")
    return settings


class _OneLineRobotsErrors(logging.Filter):
    """robots.txt that cannot be fetched (a dead or unknown host) is a crawl error already
    counted by its discovery request: log it as one warning line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def run_crawls(
    obj: Context,
    source_ids: list[str],
    *,
    since: str | None = None,
    max_pages: int | None = None,
    max_articles: int | None = None,
    overrides: Iterable[str] = (),
    **extra: Any,
) -> list[int]:
    """Crawl the given sources concurrently in this process; return their crawl_run ids.

    Twisted's reactor cannot restart, so this runs once per process.
    """
    import socket

    from scrapy.crawler import CrawlerProcess

    from scheduler import pid_alive

    registry = obj.registry
    for sid in source_ids:
        registry.get(sid)  # unknown ids fail before anything starts
    obj.alerts  # noqa: B018 - a bad alerts config fails before anything starts
    with session_scope(obj.sessions) as session:
        stale = repo.mark_stale_runs(session, socket.gethostname(), pid_alive)
    if stale:
        err.print(f"marked {stale} crawl run(s) left by a dead process as interrupted")
    settings = scrapy_settings(obj, overrides, **{"STATS_DUMP": False, **extra})
    logging.root.handlers.clear()  # Scrapy installs its own handler; avoid every line twice
    process = CrawlerProcess(settings, install_root_handler=True)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_OneLineRobotsErrors())
    for sid in source_ids:
        kwargs: dict[str, Any] = {"source": sid}
        if since:
            kwargs["since"] = since
        if max_pages:
            kwargs["max_pages"] = max_pages
        if max_articles:
            kwargs["max_articles"] = max_articles
        process.crawl("news", **kwargs)
    crawlers = list(process.crawlers)
    process.start()
    return sorted(c.spider.crawl_run_id for c in crawlers if c.spider is not None and c.spider.crawl_run_id)


def print_runs(obj: Context, run_ids: list[int], fmt: str = "table") -> None:
    from storage.models import CrawlRun

    with session_scope(obj.sessions) as session:
        runs = [session.get(CrawlRun, rid) for rid in run_ids]
        runs = [r for r in runs if r is not None]
        rows = [
            {
                "run": r.id,
                "source": r.source_id,
                "status": r.status,
                "requests": r.requests,
                "pages_stored": r.pages_stored,
                "articles_new": r.articles_new,
                "articles_updated": r.articles_updated,
                "fetch_errors": r.fetch_errors,
                "process_errors": r.process_errors,
                "error_counts": r.error_counts,
                "started": _iso(r.started_at),
                "finished": _iso(r.finished_at),
            }
            for r in runs
        ]
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title="crawl runs")
    for col in ("run", "source", "status", "requests", "new pages", "new articles", "updated", "errors"):
        table.add_column(col, justify="right" if col not in ("source", "status", "errors") else "left")
    for r in rows:
        errors = ", ".join(f"{k}={v}" for k, v in sorted(r["error_counts"].items())) or "-"
        style = {"finished": "green", "failed": "red", "interrupted": "yellow"}.get(r["status"], "")
        table.add_row(
            str(r["run"]),
            r["source"],
            f"[{style}]{r['status']}[/]",
            str(r["requests"]),
            str(r["pages_stored"]),
            str(r["articles_new"]),
            str(r["articles_updated"]),
            errors,
        )
    out.print(table)


@main.command()
@click.argument("source_ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every enabled source.")
@click.option("--since", help="Skip articles older than this (YYYY-MM-DD, ISO datetime, or 7d, 12h).")
@click.option(
    "--max-pages", type=click.IntRange(1), help="Listing pages per listing (overrides the registry)."
)
@click.option("--max-articles", type=click.IntRange(1), help="Stop each source after this many articles.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a Scrapy setting.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--strict", is_flag=True, help="Exit 1 if any source's crawl failed.")
@click.option(
    "--trigger", default="cli", hidden=True, help="What started the crawl (recorded in crawl_runs)."
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Only queue the sources' discovery requests in Redis (REDIS_URL) for `newsmon worker`s.",
)
@click.pass_obj
@_wrap_errors
def crawl(
    obj: Context,
    source_ids: tuple[str, ...],
    crawl_all: bool,
    since: str | None,
    max_pages: int | None,
    max_articles: int | None,
    overrides: tuple[str, ...],
    fmt: str,
    strict: bool,
    trigger: str,
    distributed: bool,
) -> None:
    """Crawl sources now: `newsmon crawl ID...` or `newsmon crawl --all`."""
    if crawl_all == bool(source_ids):
        raise UsageError("name the sources to crawl, or give --all (not both)")
    _parse_date_option(since, "--since")
    ids = [s.id for s in obj.registry.enabled()] if crawl_all else list(source_ids)
    if not ids:
        raise UsageError(f"no enabled source in {obj.registry.path}")
    if distributed:
        if since or max_pages or max_articles or strict:
            raise UsageError(
                "--since, --max-pages, --max-articles and --strict apply to local crawls, not --distributed"
            )
        enqueue_crawls(obj, ids, overrides, fmt)
        return
    from sqlalchemy.exc import SQLAlchemyError

    from crawl.extensions import database_failures
    from storage.db import describe_database_error

    try:
        run_ids = run_crawls(
            obj,
            ids,
            since=since,
            max_pages=max_pages,
            max_articles=max_articles,
            overrides=overrides,
            NEWSMON_TRIGGER=trigger,
        )
        print_runs(obj, run_ids, fmt)
    except SQLAlchemyError as exc:  # the database refused writes before or after the crawl
        message = describe_database_error(exc, obj.database_url)
        if message is None:
            raise
        err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    failures = database_failures()
    if failures:  # a crawl stopped with reason database_error: say why, once per distinct error
        for message in failures:
            err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    if strict:
        _exit_if_failed(obj, run_ids)


# --- distributed crawling (crawl/distributed.py) -----------------------------------------


def _redis(settings: Any) -> Any:
    from crawl.distributed import RedisUnavailable, connect

    try:
        return connect(settings.get("REDIS_URL"))
    except RedisUnavailable as exc:
        raise UsageError(str(exc)) from None


def enqueue_crawls(obj: Context, source_ids: list[str], overrides: Iterable[str], fmt: str) -> None:
    """`crawl --distributed`: queue each source's discovery requests; workers do the rest."""
    from crawl.distributed import enqueue
    from spiders.news import NewsSpider

    settings = scrapy_settings(obj, overrides)
    server = _redis(settings)
    obj.sessions  # noqa: B018 - the database must be usable (and migrated) before workers get work
    results = []
    for sid in source_ids:
        source = obj.registry.get(sid)
        spider = NewsSpider(source=sid)
        spider.source = source
        spider.allowed_domains = list(source.allowed_domains)
        requests = [] if source.request.unsupported else spider.start_requests_list()
        results.append(enqueue(server, settings, spider, requests))
    if fmt == "json":
        out.print_json(json.dumps([r.__dict__ for r in results], ensure_ascii=False))
        return
    for r in results:
        out.print(f"{r.source}: skipped, {r.skipped}" if r.skipped else f"{r.source}: {r.requests} queued")


@main.command()
@click.argument("source_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--idle-exit",
    type=click.FloatRange(0, min_open=True),
    metavar="SECONDS",
    help="Exit after this long with nothing to do (default: run until SIGTERM).",
)
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a Scrapy setting.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@_wrap_errors
def worker(
    obj: Context, source_ids: tuple[str, ...], idle_exit: float | None, overrides: tuple[str, ...], fmt: str
) -> None:
    """Fetch queued requests from Redis (REDIS_URL) for every enabled source, or the IDs given,
    and store what comes back; several workers on several machines share one crawl."""
    import socket

    from scrapy.crawler import CrawlerProcess

    from crawl.distributed import run_worker, worker_settings
    from scheduler import pid_alive
    from spiders.worker import WorkerSpider

    registry = obj.registry
    ids = list(source_ids) or [s.id for s in registry.enabled()]
    for sid in ids:
        registry.get(sid)  # unknown ids fail before anything starts
    if not ids:
        raise UsageError(f"no enabled source in {registry.path}")
    obj.alerts  # noqa: B018 - a bad alerts config fails before anything starts
    settings = worker_settings(scrapy_settings(obj, overrides, STATS_DUMP=False))
    _redis(settings)
    with session_scope(obj.sessions) as session:
        repo.mark_stale_runs(session, socket.gethostname(), pid_alive)
    logging.root.handlers.clear()  # Scrapy installs its own handler; avoid every line twice
    process = CrawlerProcess(settings, install_root_handler=True)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_OneLineRobotsErrors())
    run_ids = run_worker(process, WorkerSpider, ids, idle_exit)
    print_runs(obj, run_ids, fmt)


def _exit_if_failed(obj: Context, run_ids: list[int]) -> None:
    from storage.models import CrawlRun

    with session_scope(obj.sessions) as session:
        failed = [
            r.source_id for r in (session.get(CrawlRun, i) for i in run_ids) if r and r.status != "finished"
        ]
    if failed:
        err.print(f"failed: {', '.join(failed)}")
        sys.exit(1)


@main.command()
@click.option("--source", "source_id", help="Only this source's runs.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@_wrap_errors
def runs(obj: Context, source_id: str | None, limit: int, fmt: str) -> None:
    """Recent crawl runs with their counts and errors."""
    with session_scope(obj.sessions) as session:
        ids = [r.id for r in repo.recent_runs(session, source_id, limit)]
    print_runs(obj, list(reversed(ids)), fmt)


# --- analyze / ingest / reprocess ----------------------------------------------------


def _page_from_file(path: Path, url: str | None, source_id: str | None = None) -> Page:
    body = path.read_bytes()
    headers = {"content-type": "text/plain; charset=utf-8"} if path.suffix.lower() == ".txt" else {}
    if url is None:
        url = _declared_url(body) or path.resolve().as_uri()
    return Page(url=url, body=body, headers=headers, source_id=source_id, fetched_at=datetime.now(UTC))


def _declared_url(body: bytes) -> str | None:
    """The page's own URL from <link rel=canonical> or og:url, for saved pages."""
    import re

    head = body[:65536].decode("utf-8", "replace")
    for pattern in (
        r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"'](https?://[^\"']+)",
        r"<link[^>]+href=[\"'](https?://[^\"']+)[\"'][^>]+rel=[\"']canonical",
        r"<meta[^>]+property=[\"']og:url[\"'][^>]+content=[\"'](https?://[^\"']+)",
    ):
        m = re.search(pattern, head, re.IGNORECASE)
        if m:
            return m.group(1)
    return None


def _article_dict(session: Any, article: Any) -> dict[str, Any]:
    """The output contract of `analyze --format json` for one stored article."""
    from storage.models import Article, Event

    original = session.get(Article, article.duplicate_of) if article.duplicate_of else None
    event = session.get(Event, article.event_id) if article.event_id else None
    classification = article.classification or {}
    result: dict[str, Any] = {
        "url": article.url,
        "title": article.title,
        "published": _iso(article.published_at),
        "published_from": article.published_from,
        "language": article.language,
        "author": article.author,
        "lead": article.lead,
        "text": article.text,
        "duplicate_of": original.url if original else None,
        "classification": {k: classification.get(k) for k in ("type", "topics", "score")},
        "event": None,
    }
    if event is not None:
        result["event"] = {
            "id": event.id,
            "type": event.type,
            "topics": event.topics,
            "score": classification.get("score"),
            "evidence": classification.get("evidence", []),
            "date": event.date_held.isoformat() if event.date_held else None,
            "date_end": event.date_end.isoformat() if event.date_end else None,
            "province": event.province,
            "province_2025": event.province_2025,
            "venue": event.venue,
            "organizers": event.organizers,
            "participants": event.participants,
            "provinces_covered": event.provinces_covered,
            "legal_refs": event.legal_refs,
            "speakers": event.speakers,
        }
    return result


def _analyze_pages(pages: list[Page], published: datetime | None) -> list[dict[str, Any]]:
    """Run the whole pipeline (extraction to events) over ``pages`` in a throw-away database,
    so duplicates and events among the files given show up exactly as `ingest` would make them."""
    import tempfile

    from pipeline.store import ArticleStore
    from storage.models import Article

    results = []
    with tempfile.TemporaryDirectory(prefix="newsmon-analyze-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'analyze.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        store = ArticleStore(sessions)
        outcomes = [store.ingest(page, replace=True, published=published) for page in pages]
        with session_scope(sessions) as session:
            for page, outcome in zip(pages, outcomes, strict=True):
                if outcome.article_id is None:
                    results.append({"url": page.url, "error": outcome.error})
                else:
                    results.append(_article_dict(session, session.get(Article, outcome.article_id)))
        engine.dispose()
    return results


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--url", help="The page's URL (for a single file; default: its canonical link, else file://).")
@click.option("--published", help="Publication date to use (YYYY-MM-DD or ISO datetime).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def analyze(obj: Context, files: tuple[Path, ...], url: str | None, published: str | None, fmt: str) -> None:
    """Show what the pipeline makes of saved pages (HTML, or a clean .txt body whose first
    line is the title): text, date, language, duplicates among the files, and the event."""
    if url and len(files) > 1:
        raise UsageError("--url applies to one file; give one file or drop --url")
    when = _parse_date_option(published, "--published")
    pages = [_page_from_file(path, url) for path in files]
    results = _analyze_pages(pages, when)
    for path, result in zip(files, results, strict=True):
        result = {"file": str(path), **result}
        if fmt == "json":
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            continue
        _print_analysis(path, result)
    if all("error" in r for r in results):
        sys.exit(1)


def _print_analysis(path: Path, result: dict[str, Any]) -> None:
    out.rule(str(path))
    if "error" in result:
        out.print(f"[red]no article:[/] {result['error']}")
        return
    for key in ("url", "title", "published", "language", "author", "duplicate_of"):
        out.print(f"[bold]{key:>12}[/]: {result[key] if result[key] is not None else '-'}")
    c = result["classification"]
    out.print(
        f"[bold]{'type':>12}[/]: {c['type']} (score {c['score']}, topics {', '.join(c['topics'] or []) or '-'})"
    )
    event = result["event"]
    if event:
        for key in ("date", "province", "province_2025", "organizers", "participants", "provinces_covered",
                    "legal_refs"):  # fmt: skip
            value = event[key]
            value = ", ".join(value) if isinstance(value, list) else value
            out.print(f"[bold]{key:>12}[/]: {value if value not in (None, '') else '-'}")
        for ev in event["evidence"][:6]:
            out.print(
                f"{'':>14}[dim]{ev.get('where')}: {ev.get('rule')} «{ev.get('text') or ev.get('phrase')}»[/]"
            )
    out.print()
    if result["lead"]:
        out.print(f"[italic]{result['lead']}[/]")
    out.print(result["text"])


def _iter_inputs(
    paths: Iterable[Path], url: str | None, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    """Pages from files, directories, JSON lines and WARC archives."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            yield from _iter_inputs(files, None, source_for, problems)
            continue
        kind = _kind(path)
        if kind == "jsonl":
            yield from _iter_jsonl(path, source_for, problems)
        elif kind == "warc":
            yield from _iter_warc(path, source_for, problems)
        elif kind in ("html", "txt"):
            page = _page_from_file(path, url)
            page.source_id = source_for(page.url)
            yield page, None
        else:
            problems.append(f"{path}: skipped (not .html, .htm, .txt, .jsonl or .warc[.gz])")


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
        return "warc"
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        return "jsonl"
    if name.endswith((".html", ".htm", ".xhtml", ".shtml", ".aspx")):
        return "html"
    if name.endswith(".txt"):
        return "txt"
    return None


def _iter_jsonl(
    path: Path, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                url, html = record["url"], record["html"]
                if not isinstance(url, str) or not isinstance(html, str):
                    raise TypeError("'url' and 'html' must be strings")
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f'{path}:{lineno}: skipped: expected {{"url": ..., "html": ...}} ({exc})')
                continue
            published = None
            if record.get("published"):
                from pipeline.dates import parse_vi_datetime

                published = parse_vi_datetime(str(record["published"]))
            page = Page(
                url=url,
                body=html.encode("utf-8"),
                headers={"content-type": "text/html; charset=utf-8"},
                source_id=record.get("source") or source_for(url),
                fetched_at=datetime.now(UTC),
            )
            yield page, published


def _iter_warc(
    path: Path, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    with path.open("rb") as fh:
        try:
            for record in ArchiveIterator(fh, arc2warc=True):
                if record.rec_type not in ("response", "resource"):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                if not url or not url.startswith(("http://", "https://")):
                    continue
                status = 200
                headers: dict[str, str] = {}
                if record.http_headers is not None:
                    status = int(record.http_headers.get_statuscode() or 0)
                    headers = {k.lower(): v for k, v in record.http_headers.headers}
                else:
                    headers = {"content-type": record.rec_headers.get_header("Content-Type") or ""}
                ctype = headers.get("content-type", "").lower()
                if status != 200 or ("html" not in ctype and "xml" not in ctype):
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.now(UTC)
                body = record.content_stream().read()
                yield (
                    Page(
                        url=url,
                        body=body,
                        headers=headers,
                        status=status,
                        fetched_at=fetched,
                        source_id=source_for(url),
                    ),
                    None,
                )
        except ArchiveLoadFailed as exc:
            problems.append(f"{path}: not a readable WARC/ARC archive: {exc}")


def _source_matcher(obj: Context, explicit: str | None) -> Callable[[str], str | None]:
    if explicit:
        obj.registry.get(explicit)
        return lambda _url: explicit
    try:
        registry = obj.registry
    except RegistryError:
        return lambda _url: None
    from pipeline.urls import same_site

    def match(url: str) -> str | None:
        for source in registry.sources:
            if same_site(url, source.allowed_domains) and "127.0.0.1" not in source.allowed_domains:
                return source.id
        return None

    return match


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="URL of a single saved page (default: its canonical link, else file://).")
@click.option("--source", "source_id", help="Source id to file the pages under (default: matched by domain).")
@click.option("--replace", is_flag=True, help="Store and process again pages already in the database.")
@click.option(
    "--deliver/--no-deliver",
    default=True,
    help="Send the alerts of new events now (default) or leave them queued.",
)
@click.pass_obj
@_wrap_errors
def ingest(
    obj: Context,
    paths: tuple[Path, ...],
    url: str | None,
    source_id: str | None,
    replace: bool,
    deliver: bool,
) -> None:
    """Run the pipeline over saved pages into the database: HTML/.txt files, directories,
    JSON lines ({"url": ..., "html": ...}) or WARC archives."""
    if url and (len(paths) > 1 or paths[0].is_dir()):
        raise UsageError("--url applies to one file")
    problems: list[str] = []
    store = obj.store(_registry_or_none(obj))
    counts: Counter[str] = Counter()
    with _progress(err.is_terminal) as progress:
        task = progress.add_task("ingesting", total=None)
        for page, published in _iter_inputs(paths, url, _source_matcher(obj, source_id), problems):
            outcome = store.ingest(page, replace=replace, published=published)
            counts[outcome.status] += 1
            if outcome.status == "failed":
                problems.append(f"{page.url}: stored, but no article: {outcome.error}")
            elif outcome.error:
                counts["errors"] += 1
                problems.append(
                    f"{page.url}: stored, but {outcome.error} (run `newsmon reprocess --failed` after a fix)"
                )
            progress.advance(task)
    for line in problems:
        err.print(f"[yellow]warning:[/] {line}")
    total = sum(counts.values())
    out.print(
        f"ingested {total} page(s): {counts['new']} new article(s), {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['known']} already stored, {counts['failed']} without article"
        + (f", {counts['errors']} with processing errors" if counts["errors"] else "")
    )
    if deliver:
        _deliver(obj)


def _deliver(obj: Context) -> Counter[str]:
    """Send due alerts and say what happened, on stderr (stdout stays the command's own)."""
    from pipeline.alerts import deliver_pending

    counts = deliver_pending(obj.sessions, obj.alerts)
    if counts:
        err.print("alerts: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return counts


def _registry_or_none(obj: Context) -> Registry | None:
    try:
        return obj.registry
    except RegistryError:
        return None


@main.command()
@click.option(
    "--failed", "only_failed", is_flag=True, help="Only pages whose processing failed or never ran."
)
@click.option("--source", "source_id", help="Only this source's pages.")
@click.option("--since", help="Only pages fetched since (YYYY-MM-DD, or 7d).")
@click.pass_obj
@_wrap_errors
def reprocess(obj: Context, only_failed: bool, source_id: str | None, since: str | None) -> None:
    """Run the pipeline again over stored raw pages (after rules or code changed)."""
    when = _parse_date_option(since, "--since")
    statuses = ["failed", "error", "pending"] if only_failed else None
    store = obj.store(_registry_or_none(obj))
    with session_scope(obj.sessions) as session:
        total = repo.count_pages(session, statuses=statuses, source_id=source_id, since=when)
        ids = [p.id for p in repo.iter_pages(session, statuses=statuses, source_id=source_id, since=when)]
    counts: Counter[str] = Counter()
    with _progress(err.is_terminal) as progress:
        task = progress.add_task("reprocessing", total=total)
        for page_id in ids:
            counts[store.process_stored(page_id).status] += 1
            progress.advance(task)
    out.print(
        f"reprocessed {sum(counts.values())} page(s): {counts['new']} new article(s), {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} without article"
    )


# --- articles ----------------------------------------------------------------------


@main.group()
def articles() -> None:
    """Query stored articles."""


def _article_row(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "url": a.url,
        "source": a.source_id,
        "title": a.title,
        "published": _iso(a.published_at),
        "language": a.language,
        "author": a.author,
        "words": a.word_count,
        "duplicate_of": a.duplicate_of,
    }


@articles.command("list")
@click.option("--source", "source_id")
@click.option("--language")
@click.option("--since", help="Published since (YYYY-MM-DD or 7d).")
@click.option("--until", help="Published before (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="0 = no limit.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@_wrap_errors
def articles_list(
    obj: Context,
    source_id: str | None,
    language: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    fmt: str,
) -> None:
    """List articles, newest first."""
    with session_scope(obj.sessions) as session:
        rows = [
            _article_row(a)
            for a in repo.list_articles(
                session,
                source_id=source_id,
                language=language,
                since=_parse_date_option(since, "--since"),
                until=_parse_date_option(until, "--until"),
                limit=limit or None,
            )
        ]
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write("\ufeff" + buf.getvalue())  # BOM: Excel then reads UTF-8 Vietnamese correctly
    else:
        table = Table(title=f"{len(rows)} article(s)")
        for col in ("id", "published", "source", "lang", "title"):
            table.add_column(col, overflow="fold")
        for r in rows:
            published = r["published"][:16].replace("T", " ") if r["published"] else "-"
            table.add_row(
                str(r["id"]), published, r["source"] or "-", r["language"] or "-", r["title"] or "-"
            )
        out.print(table)


@articles.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@_wrap_errors
def articles_show(obj: Context, key: str, fmt: str) -> None:
    """Show one article by id or URL."""
    with session_scope(obj.sessions) as session:
        article = repo.get_article(session, key)
        if article is None:
            raise UsageError(f"no article with id or URL {key!r}")
        row = {
            **_article_row(article),
            "lead": article.lead,
            "text": article.text,
            "canonical_url": article.canonical_url,
            "published_from": article.published_from,
        }
    if fmt == "json":
        out.print_json(json.dumps(row, ensure_ascii=False))
        return
    for k in ("id", "url", "source", "title", "published", "language", "author", "words"):
        out.print(f"[bold]{k:>9}[/]: {row[k] if row[k] is not None else '-'}")
    out.print()
    out.print(row["text"])


# --- events ------------------------------------------------------------------------


def _event_row(session: Any, event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "topics": event.topics,
        "date": event.date_held.isoformat() if event.date_held else None,
        "province": event.province,
        "province_2025": event.province_2025,
        "title": event.title,
        "organizers": event.organizers,
        "participants": event.participants,
        "provinces_covered": event.provinces_covered,
        "legal_refs": event.legal_refs,
        "first_seen": _iso(event.first_seen_at),
        "articles": [
            {"url": a.url, "source": a.source_id, "published": _iso(a.published_at), "language": a.language,
             "duplicate_of": a.duplicate_of}
            for a in repo.event_articles(session, event.id)
        ],
    }  # fmt: skip


@main.command()
@click.option(
    "--type",
    "event_type",
    type=click.Choice(["training_conference", "other_conference", "seminar", "dialogue", "award"]),
    help="Only this type.",
)
@click.option("--since", help="Held on or after (YYYY-MM-DD, or 30d).")
@click.option("--until", help="Held before (YYYY-MM-DD).")
@click.option("--province", help="Old (pre-2025) or 2025 province name, any accents.")
@click.option("--limit", type=click.IntRange(0), default=100, show_default=True, help="0 = no limit.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@_wrap_errors
def events(obj: Context, event_type: str | None, since: str | None, until: str | None, province: str | None,
           limit: int, fmt: str) -> None:  # fmt: skip
    """Events (conferences, trainings...) with every report of each."""
    name = None
    if province:
        from pipeline.gazetteer import find_province, units_2025
        from pipeline.text import fold

        found = find_province(province)
        unit = next((u for u in units_2025() if fold(u) == fold(province)), None)
        name = unit or (found.name if found else None)
        if name is None:
            raise UsageError(
                f"--province: unknown province {province!r} (old or 2025 name, e.g. 'Hòa Bình', 'Phú Thọ')"
            )
    start, end = _parse_date_option(since, "--since"), _parse_date_option(until, "--until")
    with session_scope(obj.sessions) as session:
        rows = [_event_row(session, e) for e in repo.list_events(
            session, event_type=event_type, province=name, since=start.date() if start else None,
            until=end.date() if end else None, limit=limit or None)]  # fmt: skip
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
    elif fmt == "csv":
        buf = io.StringIO()
        cols = [
            "id",
            "type",
            "date",
            "province",
            "province_2025",
            "title",
            "organizers",
            "participants",
            "reports",
            "urls",
        ]
        writer = csv.writer(buf)
        writer.writerow(cols)
        for r in rows:
            writer.writerow([r["id"], r["type"], r["date"], r["province"], r["province_2025"], r["title"],
                             "; ".join(r["organizers"]), r["participants"], len(r["articles"]),
                             " ".join(a["url"] for a in r["articles"])])  # fmt: skip
        sys.stdout.write("\ufeff" + buf.getvalue())
    else:
        table = Table(title=f"{len(rows)} event(s)")
        for col in ("id", "held", "type", "province (2025)", "participants", "reports", "title"):
            table.add_column(col, overflow="fold")
        for r in rows:
            place = r["province"] or "-"
            if r["province_2025"] and r["province_2025"] != r["province"]:
                place += f" ({r['province_2025']})"
            table.add_row(str(r["id"]), r["date"] or "-", r["type"], place, str(r["participants"] or "-"),
                          str(len(r["articles"])), r["title"] or "-")  # fmt: skip
        out.print(table)


# --- search and exports ------------------------------------------------------------


EVENT_TYPES = [
    "training_conference",
    "other_conference",
    "seminar",
    "dialogue",
    "award",
    "plan_or_directive",
    "other",
]


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filters shared by `search` and `export`."""
    options = [
        click.option("--since", help="Published (events: held) on or after (YYYY-MM-DD, or 30d)."),
        click.option("--until", help="Published (events: held) before (YYYY-MM-DD)."),
        click.option("--source", "source_id", help="Only this source (events: with a report from it)."),
        click.option(
            "--province", help="Source's or event's province: old (pre-2025) or 2025 name, any accents."
        ),
        click.option("--type", "event_type", type=click.Choice(EVENT_TYPES), help="Only this event type."),
        click.option("--topic", help="Only this topic (e.g. external_information, human_rights)."),
        click.option("--language", help="Only this language (e.g. vi, en)."),
        click.option(
            "--with-duplicates", is_flag=True, help="Show near-duplicate copies too (default: folded)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(since: str | None, until: str | None, **kwargs: Any) -> Any:
    from pipeline.search import Filters, resolve_province

    if kwargs.get("province"):
        try:
            resolve_province(kwargs["province"])
        except ValueError as exc:
            raise UsageError(f"--province: {exc}") from None
    return Filters(
        since=_parse_date_option(since, "--since"), until=_parse_date_option(until, "--until"), **kwargs
    )


def _write_csv(rows: Iterable[dict[str, Any]], columns: list[str], stream: Any) -> None:
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
    stream.write("\ufeff")  # BOM: Excel then reads UTF-8 Vietnamese correctly
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})


@main.command()
@click.argument("query", nargs=-1)
@_filter_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--reindex", is_flag=True, help="Fold every article again and rebuild the search index.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@_wrap_errors
def search(obj: Context, query: tuple[str, ...], limit: int, offset: int, reindex: bool, fmt: str,
           **filter_args: Any) -> None:  # fmt: skip
    """Search articles: words (all must occur, accents optional), "a phrase", OR, NOT word or
    -word, (parentheses), word* for a prefix; best matches first, copies folded."""
    from pipeline import search as searching

    if reindex:
        with session_scope(obj.sessions) as session:
            n = searching.reindex(session)
        err.print(f"search index rebuilt: {n} article(s)")
        if not query:
            return
    if not query:
        raise UsageError("search: give a QUERY (or --reindex)")
    filters = _filters(**filter_args)
    with session_scope(obj.sessions) as session:
        page = searching.search(session, " ".join(query), filters, limit=limit, offset=offset)
    rows = [
        {"id": h.id, "url": h.url, "title": h.title, "published": _iso(h.published), "source": h.source,
         "language": h.language, "event_id": h.event_id, "duplicate_of": h.duplicate_of, "snippet": h.snippet}
        for h in page.hits
    ]  # fmt: skip
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
    elif fmt == "csv":
        buf = io.StringIO()
        _write_csv(
            rows, ["id", "url", "title", "published", "source", "language", "event_id", "snippet"], buf
        )
        sys.stdout.write(buf.getvalue())
    else:
        from rich.markup import escape

        shown = f"{offset + 1}-{offset + len(rows)} of " if rows else ""
        total = f"{page.total:,}+" if page.total_at_least else f"{page.total:,}"
        table = Table(title=f"{shown}{total} article(s)")
        for col in ("id", "published", "source", "title / snippet"):
            table.add_column(col, overflow="fold")
        for r in rows:
            snippet = escape(r["snippet"]).replace("«", "[bold yellow]").replace("»", "[/]")
            published = r["published"][:10] if r["published"] else "-"
            table.add_row(str(r["id"]), published, r["source"] or "-",
                          f"[bold]{escape(r['title'] or '-')}[/]\n{snippet}")  # fmt: skip
        out.print(table)
        if page.ranked_window and offset < page.ranked_window:
            err.print(f"many matches: the {page.ranked_window:,} most recently collected are ranked first")
        if offset + len(rows) < page.total:
            err.print(f"more: --offset {offset + len(rows)}")


ARTICLE_COLUMNS = ["id", "url", "title", "published", "source", "language", "event_id", "event_type", "topics",
                   "duplicate_of", "words", "author", "lead", "text"]  # fmt: skip
EVENT_COLUMNS = ["id", "type", "topics", "date", "date_end", "province", "province_2025", "title", "venue",
                 "organizers", "participants", "provinces_covered", "legal_refs", "score", "first_seen",
                 "reports", "urls"]  # fmt: skip


def _export_article(a: Any) -> dict[str, Any]:
    return {"id": a.id, "url": a.url, "title": a.title, "published": _iso(a.published_at), "source": a.source_id,
            "language": a.language, "event_id": a.event_id, "event_type": a.event_type, "topics": a.topics or [],
            "duplicate_of": a.duplicate_of, "words": a.word_count, "author": a.author, "lead": a.lead,
            "text": a.text}  # fmt: skip


def _export_event(session: Any, e: Any) -> dict[str, Any]:
    reports = repo.event_articles(session, e.id)
    return {"id": e.id, "type": e.type, "topics": e.topics or [], "date": e.date_held.isoformat() if e.date_held
            else None, "date_end": e.date_end.isoformat() if e.date_end else None, "province": e.province,
            "province_2025": e.province_2025, "title": e.title, "venue": e.venue, "organizers": e.organizers or [],
            "participants": e.participants, "provinces_covered": e.provinces_covered,
            "legal_refs": e.legal_refs or [], "score": e.score, "first_seen": _iso(e.first_seen_at),
            "reports": len(reports), "urls": [a.url for a in reports]}  # fmt: skip


@main.command()
@click.argument("what", type=click.Choice(["articles", "events"]))
@_filter_options
@click.option("--query", help="Articles: only those matching this search query.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl", "xlsx"]), default="csv", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output; xlsx needs a file).")  # fmt: skip
@click.pass_obj
@_wrap_errors
def export(
    obj: Context, what: str, query: str | None, fmt: str, output: Path | None, **filter_args: Any
) -> None:
    """Export articles or events, streamed: CSV (UTF-8 with a BOM, opens in Excel), JSON lines, or xlsx."""
    from pipeline import search as searching

    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx needs --output FILE")
    if query and what == "events":
        raise UsageError("--query applies to articles")
    filters = _filters(**filter_args)
    columns = ARTICLE_COLUMNS if what == "articles" else EVENT_COLUMNS
    count = 0
    with session_scope(obj.sessions) as session:

        def rows() -> Iterator[dict[str, Any]]:
            nonlocal count
            if what == "articles":
                items = (_export_article(a) for a in searching.iter_articles(session, filters, query))
            else:
                items = (_export_event(session, e) for e in searching.iter_events(session, filters))
            for item in items:
                count += 1
                yield item

        if fmt == "xlsx":
            _write_xlsx(rows(), columns, output, what)
        else:
            stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                if fmt == "csv":
                    _write_csv(rows(), columns, stream)
                else:
                    for row in rows():
                        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            finally:
                if output:
                    stream.close()
    if output:
        err.print(f"exported {count} {what} to {output}")


def _write_xlsx(rows: Iterable[dict[str, Any]], columns: list[str], output: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    workbook = Workbook(write_only=True)  # streams rows to a temporary file
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values = []
        for k in columns:
            v = row.get(k)
            if isinstance(v, list):
                v = "; ".join(map(str, v))
            if isinstance(v, str):
                v = v[:32_000]  # an Excel cell holds at most 32,767 characters
            values.append(v)
        try:
            sheet.append(values)
        except IllegalCharacterError:  # control characters Excel refuses
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    workbook.save(output)


# --- alerts ------------------------------------------------------------------------


@main.group()
def alerts() -> None:
    """Alerts about new events (NEWSMON_ALERTS, NEWSMON_ALERT_URLS, NEWSMON_OPERATOR_URLS)."""


@alerts.command("send")
@click.pass_obj
@_wrap_errors
def alerts_send(obj: Context) -> None:
    """Send the pending alerts that are due (new ones, retries after a failure or a crash)."""
    counts = _deliver(obj)
    out.print(
        f"{counts['sent']} sent, {counts['retry']} to retry later, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )


@alerts.command("digest")
@click.option(
    "--hours", type=click.IntRange(1), default=24, show_default=True, help="Events first seen this recently."
)
@click.pass_obj
@_wrap_errors
def alerts_digest(obj: Context, hours: int) -> None:
    """Send one digest of the day's alerting events to every channel (once per day)."""
    from pipeline.alerts import queue_digest

    count = queue_digest(obj.sessions, obj.alerts, hours=hours)
    _deliver(obj)
    out.print(f"{count} event(s) in the digest")


@alerts.command("test")
@click.pass_obj
@_wrap_errors
def alerts_test(obj: Context) -> None:
    """Send a test message to every configured channel; exit 1 if any failed."""
    from pipeline.alerts import send_test

    if not obj.alerts.all_channels():
        raise UsageError(
            "no alert channel configured: set NEWSMON_ALERT_URLS or `channels:` in "
            f"{obj.alerts.path or config.NEWSMON_ALERTS}"
        )
    results = send_test(obj.alerts)
    for channel, error in results:
        if error is None:
            out.print(f"[green]ok[/]     {channel.display}")
        else:
            out.print(f"[red]failed[/] {channel.display}: {error}")
    if any(error for _, error in results):
        sys.exit(1)


@alerts.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "failed", "skipped"]),
    help="Only this status.",
)
@click.option("--limit", type=click.IntRange(0), default=100, show_default=True, help="0 = no limit.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@_wrap_errors
def alerts_list(obj: Context, status: str | None, limit: int, fmt: str) -> None:
    """Alerts sent, pending and failed, newest first (channel URLs and errors masked)."""
    from pipeline.alerts import alert_rows

    with session_scope(obj.sessions) as session:
        rows = alert_rows(session, status, limit or None)
    redact = obj.alerts.redact
    for r in rows:
        r["error"] = redact(r["error"]) if r["error"] else None
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} alert(s)")
    for col in ("id", "kind", "about", "channel", "status", "attempts", "created", "sent", "error"):
        table.add_column(col, overflow="fold")
    styles = {"sent": "green", "failed": "red", "pending": "yellow"}
    for r in rows:
        about = f"event {r['event_id']}" if r["event_id"] else r["key"]
        table.add_row(str(r["id"]), r["kind"], about, r["channel"], f"[{styles.get(r['status'], '')}]{r['status']}[/]",
                      str(r["attempts"]), _fmt_dt(datetime.fromisoformat(r["created"]) if r["created"] else None),
                      _fmt_dt(datetime.fromisoformat(r["sent"]) if r["sent"] else None), r["error"] or "")  # fmt: skip
    out.print(table)


@main.command("eval")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--errors/--no-errors", default=True, help="List the cases behind each miss.")
def eval_command(paths: tuple[Path, ...], fmt: str, errors: bool) -> None:
    """Score detection, event fields, clustering and near-duplicates on labelled cases
    (default: the project's labelled set)."""
    from pipeline.evaluate import evaluate

    try:
        report = evaluate(paths or [config.PROJECT_DIR / "tests" / "fixtures" / "labelled"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if fmt == "json":
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    table = Table(title=f"newsmon eval: {report.cases} labelled cases")
    for col in ("measure", "precision", "recall", "F1 / accuracy"):
        table.add_column(col)
    for name, m in (("training-conference detection", report.detection), ("event clustering (pairwise)",
                    report.clustering), ("near-duplicates (pairwise)", report.duplicates)):  # fmt: skip
        table.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    for name, value in report.fields.items():
        if name != "n":
            table.add_row(f"field: {name} (n={report.fields['n']})", "", "", f"{value:.3f}")
    out.print(table)
    if errors and report.errors:
        err.print(f"{len(report.errors)} miss(es):")
        for line in report.errors:
            err.print(f"  {line}")


# --- scheduler ---------------------------------------------------------------------


@main.command()
@click.option(
    "--max-concurrent",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Crawls running at the same time, all sources together.",
)
@click.option(
    "--timeout",
    type=click.IntRange(60),
    default=3600,
    show_default=True,
    help="Seconds before a crawl is stopped.",
)
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and their next run, then exit.")
@click.pass_obj
@_wrap_errors
def schedule(obj: Context, max_concurrent: int, timeout: int, list_only: bool) -> None:
    """Run the scheduled crawls (one job per enabled source) until SIGTERM/SIGINT."""
    import scheduler as sched

    registry = obj.registry
    obj.sessions  # noqa: B018 - migrate before the job store touches the database

    def show(scheduler: Any) -> None:
        table = Table(title="scheduled jobs")
        for col in ("job", "schedule", "next run"):
            table.add_column(col)
        for job in scheduler.get_jobs():
            table.add_row(job.id, job.name, _fmt_dt(job.next_run_time))
        err.print(table)

    if list_only:
        scheduler = sched.build_scheduler(obj.database_url, max_concurrent)
        scheduler.start(paused=True)
        sched.reconcile(scheduler, registry, obj.database_url, obj.sources_path, timeout)
        show(scheduler)
        scheduler.shutdown(wait=False)
        return
    logging.getLogger().setLevel(logging.INFO)
    sched.run(registry, obj.database_url, obj.sources_path, max_concurrent, timeout, on_ready=show)


# --- web UI ------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port)."
)
@click.pass_obj
@_wrap_errors
def serve(obj: Context, host: str, port: int) -> None:
    """Serve the web UI and the JSON API (read-only) until Ctrl-C.

    Login: NEWSMON_WEB_TOKEN and/or NEWSMON_WEB_USER + NEWSMON_WEB_PASSWORD."""
    import socket

    import uvicorn

    from web.app import create_app
    from web.auth import MaskTokenFilter

    obj.sessions  # noqa: B018 - migrate the schema first, as every command does
    user, password = config.NEWSMON_WEB_USER, config.NEWSMON_WEB_PASSWORD
    try:
        app = create_app(
            obj.database_url,
            token=config.NEWSMON_WEB_TOKEN,
            basic_auth=(user or "", password or "") if user or password else None,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port or --host"
        ) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    if host not in ("127.0.0.1", "localhost", "::1") and not (config.NEWSMON_WEB_TOKEN or user):
        err.print("warning: listening beyond this machine without a login; set NEWSMON_WEB_TOKEN")
    click.echo(f"newsmon web UI on {url} (API schema: {url}api/openapi.json); Ctrl-C to stop")
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", server_header=False, proxy_headers=False))
    logging.getLogger("uvicorn.access").addFilter(MaskTokenFilter())  # ?token= never reaches the log
    server.run(sockets=[sock])


# --- database ----------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
@_wrap_errors
def db_upgrade(obj: Context, revision: str) -> None:
    """Migrate the schema up (default: to the newest revision)."""
    from storage.db import current_revision

    engine = make_engine(obj.database_url)
    upgrade(engine, revision)
    out.print(f"database at revision {current_revision(engine)}")


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
@_wrap_errors
def db_downgrade(obj: Context, revision: str) -> None:
    """Migrate the schema down to REVISION ('base' removes every table)."""
    from storage.db import current_revision, downgrade

    engine = make_engine(obj.database_url)
    downgrade(engine, revision)
    out.print(f"database at revision {current_revision(engine)}")


# --- demo --------------------------------------------------------------------------


@main.command()
@click.option(
    "--port-base", type=int, default=0, help="First port for the sample sites (default: free ports)."
)
@click.option("--serve", "keep_serving", is_flag=True, help="Keep serving the sample sites after the crawl.")
@click.pass_obj
@_wrap_errors
def demo(obj: Context, port_base: int, keep_serving: bool) -> None:
    """Serve the bundled sample sites on 127.0.0.1, crawl them, and show what was stored."""
    import os

    from sample_sites.server import DEFAULT_PORTS, SampleSites, catalog

    ports = None
    if port_base:
        ports = {site: port_base + i for i, site in enumerate(DEFAULT_PORTS)}
    sites = SampleSites(ports=ports or {site: 0 for site in DEFAULT_PORTS}).start()
    try:
        os.environ.update(sites.env())
        obj.sources_path = config.NEWSMON_SAMPLE_SOURCES
        obj._registry = None
        err.print("sample sites: " + ", ".join(f"{k} {v}" for k, v in sites.urls.items()))
        ids = [s.id for s in obj.registry.enabled()]
        run_ids = run_crawls(obj, ids, NEWSMON_TRIGGER="demo", **_LOOPBACK_SETTINGS)
        print_runs(obj, run_ids)
        _print_demo_summary(obj, ids, catalog())
        if keep_serving:
            err.print("serving the sample sites; Ctrl-C to stop")
            import time

            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()


# Our own server on loopback: no politeness delays needed.
_LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "NEWSMON_RETRY_BACKOFF_BASE": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
}


def _print_demo_summary(obj: Context, source_ids: list[str], expected: list[dict[str, Any]]) -> None:
    with session_scope(obj.sessions) as session:
        stored = [a for sid in source_ids for a in repo.list_articles(session, source_id=sid, limit=None)]
        rows = [_article_row(a) for a in stored]
    table = Table(title=f"{len(rows)} article(s) stored from the sample sites")
    for col in ("id", "published", "source", "lang", "title"):
        table.add_column(col, overflow="fold")
    for r in sorted(rows, key=lambda r: (r["source"] or "", r["published"] or "")):
        published = r["published"][:16].replace("T", " ") if r["published"] else "-"
        table.add_row(str(r["id"]), published, r["source"] or "-", r["language"] or "-", r["title"] or "-")
    out.print(table)
    out.print(
        f"{len(rows)} of {len(expected)} sample articles stored; database: {_safe_url(obj.database_url)}"
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    main()
