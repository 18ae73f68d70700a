"""What every route that changes data shares: who is asking, the CSRF check of page forms,
the JSON body of API writes, and a session that commits.

Writes need a user of the users table (``newsmon users add``): a correction or a saved
search records who made it, so the shared-token mode stays read-only. Page forms carry the
CSRF token of the browser's CSRF cookie (double submit) and, when the browser sends
``Origin``, must come from this site. API writes must be ``application/json``: a browser
cannot send that cross-site without a CORS preflight, which this app never grants.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from newsmon.web.user_auth import CSRF_COOKIE, Identity
from storage.db import session_scope

MAX_BODY_BYTES = 65_536


def current_user(request: Request) -> Identity:
    """The logged-in user, or 403 saying how to get one."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise HTTPException(
            403,
            "changes need a user login: an admin adds one with `newsmon users add NAME --role analyst`, "
            "then log in as that user",
        )
    return user


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":  # the pages' no-referrer policy makes browsers send "null"
        return True
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


def csrf_passed(request: Request, form: dict[str, str]) -> bool:
    """Whether a posted form carries the token of the browser's CSRF cookie and, when the
    browser says where it comes from, comes from this site."""
    users = request.app.state.user_auth
    return same_origin(request) and users.csrf_ok(request.cookies.get(CSRF_COOKIE), form.get("csrf"))


async def read_form(request: Request, max_fields: int = 20) -> dict[str, str] | None:
    """The url-encoded form, first value of each field; None if it cannot be read."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in fields.items()}


async def checked_form(request: Request) -> dict[str, str]:
    """A page form that passed the CSRF and origin checks (else 400 or 403)."""
    form = await read_form(request)
    if form is None:
        raise HTTPException(400, "the form could not be read: send it again from the page")
    if not csrf_passed(request, form):
        raise HTTPException(
            403, "the form expired or came from another site: reload the page and send it again"
        )
    return form


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object of an API write (415 if not JSON, 400 if it cannot be read)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HTTPException(415, "send the body as JSON with 'Content-Type: application/json'")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise HTTPException(422, "the body must be a JSON object")
    return value


def write_session(request: Request) -> AbstractContextManager[Session]:
    """A session that commits when the block ends without an error, else rolls back."""
    return session_scope(request.app.state.sessions)
