"""``newsmon subscriptions``: what the users follow, for the operator (URLs masked)."""

from __future__ import annotations

import json

import click
from rich.table import Table

from newsmon.cli.app import Context, main, out, wrap_errors
from storage.db import session_scope


@main.group()
def subscriptions() -> None:
    """Users' subscriptions (saved searches, provinces, trainings): list them, URLs masked."""


@subscriptions.command("list")
@click.option("--user", "user_name", help="Only this user's.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@wrap_errors
def subscriptions_list(obj: Context, user_name: str | None, fmt: str) -> None:
    """Every subscription: whose, what it follows, where (masked) and how often."""
    from newsmon.services.subscriptions import subscription_rows

    with session_scope(obj.sessions) as session:
        rows = [r for r in subscription_rows(session) if user_name is None or r["user"] == user_name]
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} subscription(s)")
    for col in ("id", "user", "follows", "url", "mode", "enabled", "created", "last digest"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["user"] or "-", r["follows"], r["url"], r["mode"],
                      "yes" if r["enabled"] else "no", r["created"] or "-", r["last_digest"] or "-")  # fmt: skip
    out.print(table)
