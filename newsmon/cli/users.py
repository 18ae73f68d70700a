"""``newsmon users``: the people who log in to the web UI and the API."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from rich.table import Table

from newsmon.cli.app import Context, UsageError, fmt_dt, iso, main, out, wrap_errors
from newsmon.services.users import ROLES, UserError
from storage.db import session_scope


@main.group()
def users() -> None:
    """Web and API users: add, list, disable, enable, passwd, token (once one exists, the web app needs a login)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin: nothing on standard input (pipe the password in, one line)")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _run(obj: Context, action) -> object:
    try:
        with session_scope(obj.sessions) as session:
            return action(session)
    except UserError as exc:
        raise UsageError(str(exc)) from None


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="analyst", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
@click.pass_obj
@wrap_errors
def users_add(obj: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user (the password is asked for, or read with --password-stdin)."""
    from newsmon.services.users import add_user

    password = _read_password(password_stdin)
    info = _run(obj, lambda s: add_user(s, name, role, password))
    out.print(f"added {info.name} ({info.role}); the web UI and the API now ask for a login")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@wrap_errors
def users_list(obj: Context, fmt: str) -> None:
    """List the users (never their passwords or tokens)."""
    from newsmon.services.users import list_users

    infos = _run(obj, list_users)
    if fmt == "json":
        rows = [
            {**asdict(i), "created_at": iso(i.created_at), "last_login_at": iso(i.last_login_at)}
            for i in infos
        ]
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(infos)} users")
    for col in ("name", "role", "status", "API token", "created", "last login"):
        table.add_column(col)
    for i in infos:
        table.add_row(i.name, i.role, "disabled" if i.disabled else "active", "yes" if i.has_token else "-",
                      fmt_dt(i.created_at), fmt_dt(i.last_login_at))  # fmt: skip
    out.print(table)


@users.command("disable")
@click.argument("name")
@click.pass_obj
@wrap_errors
def users_disable(obj: Context, name: str) -> None:
    """Disable a user: their password, token and sessions stop working at once."""
    from newsmon.services.users import set_disabled

    _run(obj, lambda s: set_disabled(s, name, True))
    out.print(f"disabled {name}")


@users.command("enable")
@click.argument("name")
@click.pass_obj
@wrap_errors
def users_enable(obj: Context, name: str) -> None:
    """Enable a disabled user again."""
    from newsmon.services.users import set_disabled

    _run(obj, lambda s: set_disabled(s, name, False))
    out.print(f"enabled {name}")


@users.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the new password from standard input (first line)."
)
@click.pass_obj
@wrap_errors
def users_passwd(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a user's password (their web sessions end)."""
    from newsmon.services.users import set_password

    password = _read_password(password_stdin)
    _run(obj, lambda s: set_password(s, name, password))
    out.print(f"password of {name} changed")


@users.command("token")
@click.argument("name")
@click.pass_obj
@wrap_errors
def users_token(obj: Context, name: str) -> None:
    """Make a new API token for a user (replaces the old one); printed once, keep it."""
    from newsmon.services.users import new_token

    token = _run(obj, lambda s: new_token(s, name))
    click.echo(token)
    click.echo(
        f"API token of {name}: send it as 'Authorization: Bearer <token>'; it is not shown again", err=True
    )
