"""``newsmon search`` and ``newsmon export``."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from newsmon.cli.app import Context, UsageError, err, iso, main, out, parse_date_option, stated, wrap_errors
from newsmon.services.exports import write_csv, write_xlsx
from storage import repository as repo
from storage.db import session_scope

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
    from newsmon.services.search import Filters, resolve_province

    if kwargs.get("province"):
        try:
            resolve_province(kwargs["province"])
        except ValueError as exc:
            raise UsageError(f"--province: {exc}") from None
    return Filters(
        since=parse_date_option(since, "--since"), until=parse_date_option(until, "--until"), **kwargs
    )


@main.command()
@click.argument("query", nargs=-1)
@_filter_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--reindex", is_flag=True, help="Fold every article again and rebuild the search index.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@wrap_errors
def search(obj: Context, query: tuple[str, ...], limit: int, offset: int, reindex: bool, fmt: str,
           **filter_args: Any) -> None:  # fmt: skip
    """Search articles: words (all must occur, accents optional), "a phrase", OR, NOT word or
    -word, (parentheses), word* for a prefix; best matches first, copies folded."""
    from newsmon.services import search as searching

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
        {"id": h.id, "url": h.url, "title": h.title, "published": iso(h.published), "source": h.source,
         "language": h.language, "event_id": h.event_id, "duplicate_of": h.duplicate_of, "snippet": h.snippet}
        for h in page.hits
    ]  # fmt: skip
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
    elif fmt == "csv":
        buf = io.StringIO()
        write_csv(rows, ["id", "url", "title", "published", "source", "language", "event_id", "snippet"], buf)
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
                   "duplicate_of", "words", "author", "lead", "text", "corrections"]  # fmt: skip


EVENT_COLUMNS = ["id", "type", "topics", "date", "date_end", "province", "province_2025", "title", "venue",
                 "organizers", "participants", "provinces_covered", "legal_refs", "score", "first_seen",
                 "reports", "urls", "corrections"]  # fmt: skip


def _history(session: Any, urls: list[str]) -> list[str]:
    """The analysts' corrections, one line each: "2026-12-07 lan: participants 150 -> 120"."""
    from newsmon.services.corrections import describe, history

    return [describe(h) for h in history(session, urls)]


def _export_article(session: Any, a: Any) -> dict[str, Any]:
    return {"id": a.id, "url": a.url, "title": a.title, "published": stated(a.published_local), "source": a.source_id,
            "language": a.language, "event_id": a.event_id, "event_type": a.event_type, "topics": a.topics or [],
            "duplicate_of": a.duplicate_of, "words": a.word_count, "author": a.author, "lead": a.lead,
            "text": a.text, "corrections": _history(session, [a.canonical_url])}  # fmt: skip


def _export_event(session: Any, e: Any) -> dict[str, Any]:
    reports = repo.event_articles(session, e.id)
    return {"id": e.id, "type": e.type, "status": e.status, "topics": e.topics or [], "date": e.date_held.isoformat() if e.date_held
            else None, "date_end": e.date_end.isoformat() if e.date_end else None, "province": e.province,
            "province_2025": e.province_2025, "title": e.title, "venue": e.venue, "organizers": e.organizers or [],
            "participants": e.participants, "provinces_covered": e.provinces_covered,
            "legal_refs": e.legal_refs or [], "score": e.score, "first_seen": iso(e.first_seen_at),
            "reports": len(reports), "urls": [a.url for a in reports],
            "corrections": _history(session, [a.canonical_url for a in reports])}  # fmt: skip


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
@wrap_errors
def export(
    obj: Context, what: str, query: str | None, fmt: str, output: Path | None, **filter_args: Any
) -> None:
    """Export articles or events, streamed: CSV (UTF-8 with a BOM, opens in Excel), JSON lines, or xlsx."""
    from newsmon.services import search as searching

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
                items = (
                    _export_article(session, a) for a in searching.iter_articles(session, filters, query)
                )
            else:
                items = (_export_event(session, e) for e in searching.iter_events(session, filters))
            for item in items:
                count += 1
                yield item

        if fmt == "xlsx":
            write_xlsx(rows(), columns, output, what)
        else:
            stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                if fmt == "csv":
                    write_csv(rows(), columns, stream)
                else:
                    for row in rows():
                        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            finally:
                if output:
                    stream.close()
    if output:
        err.print(f"exported {count} {what} to {output}")
