"""``newsmon sources``: list, validate, check and watch the source registry."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

import newsmon.settings as config
from newsmon.cli.app import Context, deliver_alerts, err, fmt_dt, iso, main, out, progress_bar, wrap_errors
from pipeline.sources import load_registry
from storage.db import session_scope


@main.group()
def sources() -> None:
    """The source registry (sources.yaml)."""


@sources.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--all", "show_all", is_flag=True, help="Include disabled sources.")
@click.pass_obj
@wrap_errors
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
        disc = (
            ", ".join(
                f"{n} {k}"
                for k, n in (
                    ("feeds", len(d.feeds)),
                    ("sitemaps", len(d.sitemaps)),
                    ("listings", len(d.listings)),
                )
                if n
            )
            or "from the homepage"
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
@wrap_errors
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
@wrap_errors
def sources_status(obj: Context, fmt: str) -> None:
    """Health of each source: discovery confirmed by a crawl (or unconfirmed, failing), last
    success, last new article, articles per week, error rates."""
    from newsmon.services.health import source_status
    from storage.models import utcnow

    now = utcnow()
    ids = _source_ids(obj)
    with session_scope(obj.sessions) as session:
        rows = [source_status(session, sid, obj.alerts, now) for sid in ids]
    if fmt == "json":
        for r in rows:
            for key in ("last_success", "last_new_article", "first_run", "confirmed_at"):
                r[key] = iso(r[key])
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} source(s); rates over 28 days, extraction over the last "
                        f"{obj.alerts.health.extraction_recent_days} days")  # fmt: skip
    for col in ("source", "discovery", "last success", "last new article", "new/week (4 wk)", "failed runs",
                "fetch errors", "extraction failures", "last runs"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in rows:
        failing = r["last_runs"] and r["last_runs"][0] == "failed"
        state = r["discovery"]
        colour = {"confirmed": "green", "failing": "red"}.get(state)
        table.add_row(
            r["source"],
            f"[{colour}]{state}[/]" if colour else state,
            fmt_dt(r["last_success"]),
            fmt_dt(r["last_new_article"]),
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
@wrap_errors
def sources_check(obj: Context, source_ids: tuple[str, ...], only_enabled: bool, timeout: float,
                  concurrency: int, fmt: str) -> None:  # fmt: skip
    """Fetch each source's discovery URLs live and report what works: reachable, redirects to a
    new domain, feed/sitemap valid, article links found, one article extracted. Exit 1 if any
    source is not ok."""
    import time

    from newsmon.services.source_check import check_sources, exit_status, format_report

    registry = obj.registry
    if source_ids:
        chosen = [registry.get(sid) for sid in source_ids]
    else:
        chosen = registry.enabled() if only_enabled else list(registry.sources)
    started = time.monotonic()
    with progress_bar(err.is_terminal) as progress:
        progress.add_task(f"checking {len(chosen)} source(s)", total=None)
        results = check_sources(
            chosen, timeout=timeout, concurrency=concurrency, user_agent=config.USER_AGENT
        )
    if fmt == "json":
        out.print_json(json.dumps([r.as_dict() for r in results], ensure_ascii=False))
    else:
        out.print(format_report(results, time.monotonic() - started), markup=False)
    sys.exit(exit_status(results))


@sources.command("discover")
@click.argument("target")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per request.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table")
@click.pass_obj
@wrap_errors
def sources_discover(obj: Context, target: str, timeout: float, fmt: str) -> None:
    """What a homepage teaches (feeds, listings, article URL shape): TARGET is a source id or a URL.

    Prints the discovery block the crawler would use; paste it into the registry to pin it.
    """
    import yaml

    from newsmon.services.source_check import discover_homepage

    url = target
    if not target.startswith(("http://", "https://")):
        url = load_registry(obj.sources_path).get(target).homepage
    try:
        learned = discover_homepage(url, timeout)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    block = {"discovery": learned.discovery_block()}
    if fmt == "json":
        out.print_json(json.dumps({**block, "articles": learned.articles}))
        return
    if fmt == "yaml":
        click.echo(yaml.safe_dump(block, allow_unicode=True, sort_keys=False), nl=False)
        return
    table = Table(title=f"learned from {url}")
    for col in ("kind", "url"):
        table.add_column(col)
    for feed in learned.feeds:
        table.add_row("feed", feed)
    for listing in learned.listings:
        table.add_row("listing", listing)
    for article in learned.articles:
        table.add_row("article", article)
    out.print(table)
    out.print(f"article pattern: {learned.article_pattern or 'none (no article shape on the homepage)'}")
    click.echo(yaml.safe_dump(block, allow_unicode=True, sort_keys=False), nl=False)


@sources.command("check-health")
@click.option("--deliver/--no-deliver", default=True, help="Send the operator alerts now (default).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@wrap_errors
def sources_check_health(obj: Context, deliver: bool, fmt: str) -> None:
    """Alert the operator (NEWSMON_OPERATOR_URLS / `operator:`) about sources that went silent,
    keep failing, or stopped extracting; once per problem until it is resolved."""
    from newsmon.services.health import check_health

    problems = check_health(obj.sessions, [s.id for s in obj.registry.enabled()], obj.alerts)
    if deliver:
        deliver_alerts(obj)
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
