"""Logins of the users in the database (``newsmon users``), once at least one exists.

A request is let through with one of: the user's HTTP Basic credentials, their API token
(``Authorization: Bearer nm_...``), or the session cookie that ``POST /login`` sets. The
cookie is ``<user id>.<expiry>.<signature>``, signed with the installation's key
(``web_secrets``) over the user's current password hash, so changing a password ends that
user's sessions and disabling a user ends them at once. The login and logout forms carry a
CSRF token derived from a cookie of the browser's (double submit, SameSite=Strict, and the
``Origin`` header must be this site when a browser sends one).

Guessing is bounded: after 10 failed logins from one client address in 5 minutes, its
logins (form and Basic) get 429 with ``Retry-After`` until the oldest failure ages out.
Argon2 is slow on purpose (about 50 ms); a Basic login that verified once is remembered for
five minutes under a keyed hash of the credentials, and the user's row is still read on
every request, so a disabled user or a changed password takes effect at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from storage.db import session_scope
from storage.models import User

logger = logging.getLogger(__name__)

SESSION_COOKIE = "newsmon_user"
CSRF_COOKIE = "newsmon_csrf"
SESSION_SECONDS = 12 * 3600
BASIC_CACHE_SECONDS = 300
USERS_CHECK_SECONDS = 1.0  # how stale "does any user exist" may be
FAILURE_LIMIT = 10  # failed logins (form or Basic) from one client ...
FAILURE_WINDOW = 300.0  # ... within this many seconds, then 429 until the oldest ages out


@dataclass(frozen=True)
class Identity:
    """Who made the request (attached to ``request.state.user``)."""

    id: int
    name: str
    role: str


def client_of(request: Request) -> str:
    """The address failed logins are counted against."""
    return request.client.host if request.client else "unknown"


def cookie_args(request: Request) -> dict[str, object]:
    """How every cookie of a login is set: script-proof, this site only, https-only on https."""
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


def too_many_failures(wait: int) -> Response:
    return JSONResponse(
        {"detail": f"too many failed logins from this address: try again in {wait} s"},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def _identity(user: User) -> Identity:
    return Identity(user.id, user.name, user.role)


class UserAuth:
    """Checks credentials against the users table; all methods block (call them off the loop)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._secret: bytes | None = None
        self._basic: dict[bytes, tuple[int, str, float]] = {}
        self._lock = threading.Lock()
        self._users_seen: tuple[float, bool] = (0.0, False)
        self._failures: dict[str, deque[float]] = {}

    # --- guessing --------------------------------------------------------------------------

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try a password again (0: now)."""
        now = time.monotonic()
        with self._lock:
            times = self._failures.get(client)
            while times and times[0] <= now - FAILURE_WINDOW:
                times.popleft()
            if not times or len(times) < FAILURE_LIMIT:
                return 0
            return max(1, int(times[0] + FAILURE_WINDOW - now) + 1)

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of addresses: forget, do not grow
                self._failures.clear()
            self._failures.setdefault(client, deque()).append(time.monotonic())

    def secret(self) -> bytes:
        if self._secret is None:
            from newsmon.services.users import web_secret

            with session_scope(self.sessions) as session:
                self._secret = web_secret(session)
        return self._secret

    def active(self) -> bool:
        """Whether any user exists (checked at most once a second)."""
        checked, exists = self._users_seen
        if time.monotonic() - checked < USERS_CHECK_SECONDS:
            return exists
        from newsmon.services.users import any_users

        try:
            with session_scope(self.sessions) as session:
                exists = any_users(session)
        except SQLAlchemyError as exc:
            # The database is down: keep the last answer (a login stays required once users were
            # seen); every route but /metrics and /healthz needs the database and fails anyway.
            logger.warning("cannot check for users (%s); assuming %s", type(exc).__name__,
                           "they exist" if exists else "none")  # fmt: skip
        self._users_seen = (time.monotonic(), exists)
        return exists

    # --- credentials ---------------------------------------------------------------------

    def basic(self, name: str, password: str) -> Identity | None:
        from newsmon.services.users import authenticate

        key = hmac.new(
            self.secret(), f"{name}\0{password}".encode("utf-8", "surrogateescape"), "sha256"
        ).digest()
        with session_scope(self.sessions) as session:
            cached = self._basic.get(key)
            if cached and cached[2] > time.monotonic():
                user = session.get(User, cached[0])
                if user is not None and not user.disabled and user.password_hash == cached[1]:
                    return _identity(user)
            user = authenticate(session, name, password)
            if user is None:
                return None
            with self._lock:
                if len(self._basic) > 10_000:
                    self._basic.clear()
                self._basic[key] = (user.id, user.password_hash, time.monotonic() + BASIC_CACHE_SECONDS)
            return _identity(user)

    def token(self, token: str) -> Identity | None:
        from newsmon.services.users import user_by_token

        with session_scope(self.sessions) as session:
            user = user_by_token(session, token)
            return _identity(user) if user is not None else None

    # --- session cookie ------------------------------------------------------------------

    def _signature(self, user_id: int, expires: int, password_hash: str) -> str:
        message = f"{user_id}.{expires}.{password_hash}".encode()
        return hmac.new(self.secret(), message, hashlib.sha256).hexdigest()

    def session_cookie(self, identity: Identity) -> str:
        expires = int(time.time()) + SESSION_SECONDS
        with session_scope(self.sessions) as session:
            user = session.get(User, identity.id)
            password_hash = user.password_hash if user else ""
        return f"{identity.id}.{expires}.{self._signature(identity.id, expires, password_hash)}"

    def from_cookie(self, value: str) -> Identity | None:
        parts = value.split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        user_id, expires = int(parts[0]), int(parts[1])
        if expires < time.time():
            return None
        with session_scope(self.sessions) as session:
            user = session.get(User, user_id)
            if user is None or user.disabled:
                return None
            if not hmac.compare_digest(parts[2], self._signature(user_id, expires, user.password_hash)):
                return None
            return _identity(user)

    # --- CSRF ----------------------------------------------------------------------------

    @staticmethod
    def new_csrf_cookie() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, cookie: str) -> str:
        """The form field that goes with the browser's CSRF cookie."""
        return hmac.new(self.secret(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, cookie: str | None, field: str | None) -> bool:
        return bool(cookie and field) and hmac.compare_digest(self.csrf_token(cookie or ""), field or "")
