"""``newsmon crawl``, ``newsmon worker`` and ``newsmon runs``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import click
from rich.table import Table

from newsmon.cli.app import Context, UsageError, err, iso, main, out, parse_date_option, wrap_errors
from newsmon.crawl.runner import enqueue_sources, run_crawls, run_workers
from storage import repository as repo
from storage.db import session_scope


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
                "started": iso(r.started_at),
                "finished": iso(r.finished_at),
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
        style = {"finished": "green", "failed": "red", "interrupted": "yellow"}.get(r["status"])
        table.add_row(
            str(r["run"]),
            r["source"],
            f"[{style}]{r['status']}[/]" if style else str(r["status"]),  # 'running': no style
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
@wrap_errors
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
    """Crawl sources now: `newsmon crawl ID...` or `newsmon crawl --all`.

    SIGINT/SIGTERM stop the crawl within seconds, its runs marked interrupted; exit 0 (1 with
    --strict), or 128 + the signal when a second signal forces the exit."""
    if crawl_all == bool(source_ids):
        raise UsageError("name the sources to crawl, or give --all (not both)")
    parse_date_option(since, "--since")
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

    from newsmon.crawl.extensions import database_failures
    from storage.db import describe_database_error

    try:
        run_ids = run_crawls(
            obj,
            ids,
            since=since,
            max_pages=max_pages,
            max_articles=max_articles,
            overrides=overrides,
            notify=err.print,
            on_forced=lambda ids: print_runs(obj, ids, fmt),  # a forced stop exits from inside
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


def enqueue_crawls(obj: Context, source_ids: list[str], overrides: Iterable[str], fmt: str) -> None:
    """`crawl --distributed`: queue each source's discovery requests; workers do the rest."""
    results = enqueue_sources(obj, source_ids, overrides)
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
@wrap_errors
def worker(
    obj: Context, source_ids: tuple[str, ...], idle_exit: float | None, overrides: tuple[str, ...], fmt: str
) -> None:
    """Fetch queued requests from Redis (REDIS_URL) for every enabled source, or the IDs given,
    and store what comes back; several workers on several machines share one crawl.

    SIGINT/SIGTERM: finish the requests in flight (within seconds; what is not sent goes back
    to the queue) and exit 0; a second signal forces the exit (128 + the signal)."""
    registry = obj.registry
    ids = list(source_ids) or [s.id for s in registry.enabled()]
    for sid in ids:
        registry.get(sid)  # unknown ids fail before anything starts
    if not ids:
        raise UsageError(f"no enabled source in {registry.path}")
    print_runs(obj, run_workers(obj, ids, idle_exit, overrides), fmt)


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
@wrap_errors
def runs(obj: Context, source_id: str | None, limit: int, fmt: str) -> None:
    """Recent crawl runs with their counts and errors."""
    with session_scope(obj.sessions) as session:
        ids = [r.id for r in repo.recent_runs(session, source_id, limit)]
    print_runs(obj, list(reversed(ids)), fmt)
