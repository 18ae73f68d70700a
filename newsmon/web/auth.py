"""Optional access control for when the UI is exposed beyond the analyst's own machine.

Once a user exists in the database (``newsmon users add``), every request but ``/healthz``
and the login page needs a user's credentials (see :mod:`newsmon.web.user_auth`); the shared
token below is still accepted then, as the operator's key. Without users:

A token (``NEWSMON_WEB_TOKEN``) is accepted as ``Authorization: Bearer <token>``, or once as
``?token=<token>``, after which an HttpOnly, SameSite=Strict cookie carries a value derived
from it (never the token itself). A user and password (``NEWSMON_WEB_USER`` and
``NEWSMON_WEB_PASSWORD``) enable HTTP basic auth. With both, either is enough. Secrets are
compared with ``hmac.compare_digest`` and never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from newsmon.web.user_auth import SESSION_COOKIE, Identity, UserAuth, client_of, too_many_failures

COOKIE = "newsmon_session"
OPEN_PATHS = ("/healthz", "/login", "/logout")  # answered without a login (logout checks its own)
_TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"]*")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def cookie_value(token: str) -> str:
    """What the session cookie holds: a keyed hash of the token, so a leaked cookie is not the token."""
    return hmac.new(token.encode(), b"newsmon web session", hashlib.sha256).hexdigest()


class Auth:
    """Checks a request against the configured token and/or basic-auth credentials."""

    def __init__(
        self,
        token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        users: UserAuth | None = None,
    ) -> None:
        if token is not None and not token.strip():
            raise ValueError(
                "the web token is empty: set NEWSMON_WEB_TOKEN to a long random string, or unset it"
            )
        if basic_auth is not None and not (basic_auth[0] and basic_auth[1]):
            raise ValueError("basic auth needs both NEWSMON_WEB_USER and NEWSMON_WEB_PASSWORD, non-empty")
        self.token = token
        self.basic = basic_auth
        self.users = users

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.basic)

    def _bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and _same(value.strip(), self.token or "")

    def _cookie_ok(self, request: Request) -> bool:
        value = request.cookies.get(COOKIE)
        return bool(self.token and value) and _same(value or "", cookie_value(self.token or ""))

    def _basic_ok(self, request: Request) -> bool:
        if not self.basic:
            return False
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # Both compared every time: the answer takes as long whichever part is wrong.
        return _same(user, self.basic[0]) & _same(password, self.basic[1])

    def _user_of(self, request: Request) -> Identity | None:
        """The user whose credentials the request carries (blocking: argon2, the database)."""
        assert self.users is not None
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip().startswith("nm_"):
            return self.users.token(value.strip())
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            name, _, password = decoded.partition(":")
            identity = self.users.basic(name, password)
            if identity is None:
                self.users.failed(client_of(request))
            return identity
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.users.from_cookie(cookie) if cookie else None

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Let the request through, trade a valid ``?token=`` for the cookie, or answer 401."""
        path = request.url.path
        if path in OPEN_PATHS or path.startswith("/static/"):
            return await call_next(request)
        if self.users is not None and await run_in_threadpool(self.users.active):
            wait = self.users.retry_after(client_of(request))
            if wait and request.headers.get("authorization", "").lower().startswith("basic "):
                return too_many_failures(wait)
            identity = await run_in_threadpool(self._user_of, request)
            if identity is not None:
                request.state.user = identity
                return await call_next(request)
            if self._bearer_ok(request) or self._cookie_ok(request):
                return await call_next(request)
            return self.login_required(request)
        if (
            not self.enabled
            or self._bearer_ok(request)
            or self._cookie_ok(request)
            or self._basic_ok(request)
        ):
            return await call_next(request)
        given = request.query_params.get("token")
        if self.token and given is not None and _same(given, self.token):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                COOKIE,
                cookie_value(self.token),
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
            return response
        headers = {"WWW-Authenticate": 'Basic realm="newsmon", charset="UTF-8"'} if self.basic else {}
        if self.token:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="newsmon"')
        return JSONResponse(
            {"detail": "authentication required: send 'Authorization: Bearer <token>', open the page once "
             "with ?token=<token>, or log in with the configured user and password"},
            status_code=401,
            headers=headers,
        )  # fmt: skip

    def login_required(self, request: Request) -> Response:
        """401: JSON for the API, the login form for a page."""
        headers = {"WWW-Authenticate": 'Basic realm="newsmon", charset="UTF-8"'}
        if request.url.path.startswith(("/api/", "/metrics")):
            return JSONResponse(
                {"detail": "authentication required: send a user's HTTP Basic credentials or "
                 "'Authorization: Bearer <API token>' (newsmon users token NAME), or log in at /login"},
                status_code=401,
                headers=headers,
            )  # fmt: skip
        from newsmon.web.routes_login import login_page

        return login_page(request, self.users, status=401, next_path=request.url.path)  # type: ignore[arg-type]


class MaskTokenFilter(logging.Filter):
    """Masks ``token=...`` in log records (uvicorn's access log prints the query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Mask inside the arguments: uvicorn's access formatter unpacks them itself.
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1***", record.msg)
        return True
