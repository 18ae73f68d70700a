"""``newsmon alerts``: send, digest, test and list the alert outbox."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from rich.table import Table

import newsmon.settings as config
from newsmon.cli.app import Context, UsageError, deliver_alerts, fmt_dt, main, out, wrap_errors
from storage.db import session_scope


@main.group()
def alerts() -> None:
    """Alerts about new events (NEWSMON_ALERTS, NEWSMON_ALERT_URLS, NEWSMON_OPERATOR_URLS)."""


@alerts.command("send")
@click.pass_obj
@wrap_errors
def alerts_send(obj: Context) -> None:
    """Send the pending alerts that are due (new ones, retries after a failure or a crash)."""
    counts = deliver_alerts(obj)
    out.print(
        f"{counts['sent']} sent, {counts['retry']} to retry later, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )


@alerts.command("digest")
@click.option(
    "--hours", type=click.IntRange(1), default=24, show_default=True, help="Events first seen this recently."
)
@click.pass_obj
@wrap_errors
def alerts_digest(obj: Context, hours: int) -> None:
    """Send one digest of the day's alerting events to every channel, and each digest
    subscription's events to its user (once per day)."""
    from newsmon.services.alerts import queue_digest
    from newsmon.services.subscriptions import queue_subscription_digests

    count = queue_digest(obj.sessions, obj.alerts, hours=hours)
    subscribed = queue_subscription_digests(obj.sessions)
    deliver_alerts(obj)
    out.print(f"{count} event(s) in the digest, {subscribed} subscription digest(s)")


@alerts.command("test")
@click.pass_obj
@wrap_errors
def alerts_test(obj: Context) -> None:
    """Send a test message to every configured channel; exit 1 if any failed."""
    from newsmon.services.alerts import send_test

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
@wrap_errors
def alerts_list(obj: Context, status: str | None, limit: int, fmt: str) -> None:
    """Alerts sent, pending and failed, newest first (channel URLs and errors masked)."""
    from newsmon.services.alerts import alert_rows

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
                      str(r["attempts"]), fmt_dt(datetime.fromisoformat(r["created"]) if r["created"] else None),
                      fmt_dt(datetime.fromisoformat(r["sent"]) if r["sent"] else None), r["error"] or "")  # fmt: skip
    out.print(table)
