"""``newsmon articles`` and ``newsmon events``: what is stored, for people and programs."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import click
from rich.table import Table

from newsmon.cli.app import Context, UsageError, iso, main, out, parse_date_option, stated, wrap_errors
from storage import repository as repo
from storage.db import session_scope


@main.group()
def articles() -> None:
    """Query stored articles."""


def article_row(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "url": a.url,
        "source": a.source_id,
        "title": a.title,
        "published": stated(a.published_local),
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
@wrap_errors
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
            article_row(a)
            for a in repo.list_articles(
                session,
                source_id=source_id,
                language=language,
                since=parse_date_option(since, "--since"),
                until=parse_date_option(until, "--until"),
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
@wrap_errors
def articles_show(obj: Context, key: str, fmt: str) -> None:
    """Show one article by id or URL."""
    with session_scope(obj.sessions) as session:
        article = repo.get_article(session, key)
        if article is None:
            raise UsageError(f"no article with id or URL {key!r}")
        row = {
            **article_row(article),
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


def _event_row(session: Any, event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "status": event.status,
        "topics": event.topics,
        "date": event.date_held.isoformat() if event.date_held else None,
        "province": event.province,
        "province_2025": event.province_2025,
        "title": event.title,
        "organizers": event.organizers,
        "participants": event.participants,
        "provinces_covered": event.provinces_covered,
        "legal_refs": event.legal_refs,
        "first_seen": iso(event.first_seen_at),
        "articles": [
            {"url": a.url, "source": a.source_id, "published": stated(a.published_local), "language": a.language,
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
@wrap_errors
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
    start, end = parse_date_option(since, "--since"), parse_date_option(until, "--until")
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
