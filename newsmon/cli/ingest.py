"""``newsmon analyze``, ``newsmon ingest`` and ``newsmon reprocess``: saved pages through the pipeline."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from newsmon.cli.app import (
    Context,
    UsageError,
    deliver_alerts,
    err,
    main,
    out,
    parse_date_option,
    progress_bar,
    wrap_errors,
)
from newsmon.services.analyze import analyze_pages
from newsmon.services.inputs import UnreadableFile, iter_inputs, page_from_file
from storage import repository as repo
from storage.db import session_scope

if TYPE_CHECKING:
    from pipeline.sources import Registry


def _source_matcher(obj: Context, explicit: str | None) -> Callable[[str], str | None]:
    if explicit:
        obj.registry.get(explicit)
        return lambda _url: explicit
    from pipeline.sources import RegistryError  # pydantic: not for `analyze`

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
    when = parse_date_option(published, "--published")
    readable: list[Path] = []
    pages = []
    unreadable: dict[Path, str] = {}
    for path in files:
        try:
            pages.append(page_from_file(path, url))
            readable.append(path)
        except UnreadableFile as exc:
            unreadable[path] = str(exc)
    analyzed = dict(zip(readable, analyze_pages(pages, when) if pages else [], strict=True))
    results = [analyzed[path] if path in analyzed else {"error": unreadable[path]} for path in files]
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
@wrap_errors
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
    pool = _pool()
    store = obj.store(_registry_or_none(obj), pool)
    counts: Counter[str] = Counter()
    pages = iter_inputs(paths, url, _source_matcher(obj, source_id), problems)
    with progress_bar(err.is_terminal) as progress, _closing(pool):
        task = progress.add_task("ingesting", total=None)
        for page, outcome in store.ingest_all(pages, replace=replace):
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
        deliver_alerts(obj)


def _pool() -> Any:
    """The extraction processes of NEWSMON_EXTRACT_WORKERS (None: in this process)."""
    import newsmon.settings as config
    from newsmon.services.page_pool import PagePool, worker_count

    try:
        workers = worker_count(config.NEWSMON_EXTRACT_WORKERS)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return PagePool(workers) if workers else None


@contextmanager
def _closing(pool: Any) -> Iterator[None]:
    try:
        yield
    finally:
        if pool is not None:
            pool.shutdown()


def _registry_or_none(obj: Context) -> Registry | None:
    from pipeline.sources import RegistryError

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
@wrap_errors
def reprocess(obj: Context, only_failed: bool, source_id: str | None, since: str | None) -> None:
    """Run the pipeline again over stored raw pages (after rules or code changed)."""
    when = parse_date_option(since, "--since")
    statuses = ["failed", "error", "pending"] if only_failed else None
    store = obj.store(_registry_or_none(obj))
    with session_scope(obj.sessions) as session:
        total = repo.count_pages(session, statuses=statuses, source_id=source_id, since=when)
        ids = [p.id for p in repo.iter_pages(session, statuses=statuses, source_id=source_id, since=when)]
    counts: Counter[str] = Counter()
    with progress_bar(err.is_terminal) as progress:
        task = progress.add_task("reprocessing", total=total)
        for page_id in ids:
            counts[store.process_stored(page_id).status] += 1
            progress.advance(task)
    out.print(
        f"reprocessed {sum(counts.values())} page(s): {counts['new']} new article(s), {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} without article"
    )
