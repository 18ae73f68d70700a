"""``/login``, ``/logout`` and ``/healthz``: the only routes that answer without a login.

The forms work without JavaScript (the pages carry none). Both POSTs check the CSRF token
against the browser's CSRF cookie and, when the browser sends ``Origin``, that it is this
site. ``next`` only ever leads to a path of this site.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from newsmon.web.user_auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    UserAuth,
    client_of,
    cookie_args,
)
from newsmon.web.writes import csrf_passed, read_form

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_page(
    request: Request, users: UserAuth, status: int = 200, next_path: str = "/", message: str | None = None
) -> Response:
    """The login form (also the body of a page's 401), with its CSRF field and cookie."""
    from newsmon.web.routes_pages import render

    cookie = request.cookies.get(CSRF_COOKIE) or users.new_csrf_cookie()
    response = render(
        request, "login.html", http_status=status, csrf=users.csrf_token(cookie),
        next_path=_safe_next(next_path), message=message,
    )  # fmt: skip
    response.headers["WWW-Authenticate"] = 'Form realm="newsmon"'  # not Basic: no browser pop-up
    if request.cookies.get(CSRF_COOKIE) != cookie:
        response.set_cookie(CSRF_COOKIE, cookie, **cookie_args(request))  # type: ignore[arg-type]
    return response


def _users(request: Request) -> UserAuth:
    return request.app.state.user_auth


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return login_page(request, _users(request), next_path=next)


@router.post("/login")
async def login(request: Request) -> Response:
    users = _users(request)
    form = await read_form(request, max_fields=10)
    if form is None:
        return login_page(request, users, status=400, message="the form could not be read: send it again")
    next_path = _safe_next(form.get("next"))
    if not csrf_passed(request, form):
        return login_page(request, users, status=403, next_path=next_path,
                          message="the form expired or came from another site: log in again")  # fmt: skip
    wait = users.retry_after(client_of(request))
    if wait:
        response = login_page(request, users, status=429, next_path=next_path,
                              message=f"too many failed logins from this address: try again in {wait} s")  # fmt: skip
        response.headers["Retry-After"] = str(wait)
        return response
    identity = await run_in_threadpool(users.basic, form.get("name", ""), form.get("password", ""))
    if identity is None:
        users.failed(client_of(request))
        return login_page(request, users, status=401, next_path=next_path, message="wrong name or password")
    cookie = await run_in_threadpool(users.session_cookie, identity)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, **cookie_args(request))  # type: ignore[arg-type]
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request, max_fields=10) or {}
    if not csrf_passed(request, form):
        return JSONResponse(
            {"detail": "CSRF check failed: log out from the page's own button"}, status_code=403
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 when the database answers, 503 when it does not (for load balancers; no login)."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
