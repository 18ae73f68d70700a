"""The web application: HTML pages for analysts and a JSON API, read-only, self-contained.

Security headers go on every answer (a strict Content-Security-Policy: no script at all,
nothing from another host), only GET and HEAD are served (and the login and logout
forms, CSRF-checked), and errors never show a
traceback: bad input is a 422 that says what to fix, an unknown id a 404.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Match

from newsmon.web.auth import Auth
from newsmon.web.metrics import CONTENT_TYPE_LATEST, Metrics, QueueDepth, route_of
from storage.db import make_engine, session_factory

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC = Path(__file__).parent / "static"


def validation_message(exc: RequestValidationError) -> str:
    """One readable line per bad parameter: ``since: Input should be a valid date ...``."""
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "header", "cookie")]
        parts.append(f"{'.'.join(loc) or 'request'}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


def _declared(routes: Any, scope: dict[str, Any]) -> bool:
    """Whether a route takes this method on this path (the writes a router declares)."""
    for route in routes:
        match, _ = route.matches(scope)
        inner = getattr(route, "original_router", None)
        if inner is not None and match != Match.NONE and _declared(inner.routes, scope):
            return True
        if match == Match.FULL and inner is None:
            return True
    return False


def create_app(
    database_url: str,
    *,
    token: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    queue_depth: QueueDepth | None = None,
) -> FastAPI:
    """The app over ``database_url`` (its schema must be current: ``newsmon serve`` upgrades it).

    ``token`` and ``basic_auth`` turn on access control (see :mod:`web.auth`); ``queue_depth``
    (source id -> requests waiting) adds the shared queue to ``/metrics``.
    """
    from newsmon.web import routes_api, routes_corrections, routes_login, routes_pages, routes_saved
    from newsmon.web.user_auth import UserAuth

    app = FastAPI(
        title="newsmon",
        summary="Search the stored articles and events; analysts' corrections.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: the schema alone is served
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    engine = make_engine(database_url)
    app.state.sessions = session_factory(engine)
    app.state.engine = engine
    app.state.user_auth = UserAuth(app.state.sessions)
    auth = Auth(token, basic_auth, users=app.state.user_auth)
    metrics = Metrics(app.state.sessions, queue_depth)
    app.state.metrics = metrics

    @app.middleware("http")
    async def _auth(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        return await auth.middleware(request, call_next)

    @app.middleware("http")
    async def _read_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method not in ("GET", "HEAD") and not _declared(app.routes, request.scope):
            return JSONResponse(
                {
                    "detail": f"{request.method} is not served here: only GET and HEAD, and POST where a form "
                    "or an API write takes it"
                },
                status_code=405,
                headers={"Allow": "GET, HEAD"},
            )
        return await call_next(request)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # a bug: log it, answer without details
            logger.exception("error serving %s", request.url.path)
            response = PlainTextResponse("internal error", status_code=500)
        metrics.observe(
            request.method,
            route_of(app.routes, request.scope),
            response.status_code,
            time.perf_counter() - started,
        )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message = validation_message(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=422)
        return routes_pages.error_page(request, 422, message)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        detail: Any = exc.detail
        if request.url.path.startswith("/api/") or exc.status_code == 405:
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
        return routes_pages.error_page(request, exc.status_code, str(detail))

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(StarletteHTTPException, _http_error)  # unknown paths too

    @app.get("/metrics", include_in_schema=False)
    def _metrics() -> Response:
        """Prometheus text format (newsmon.web.metrics); behind the same login as the rest."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes_login.router)
    app.include_router(routes_api.router)
    app.include_router(routes_corrections.api)
    app.include_router(routes_corrections.pages)
    app.include_router(routes_saved.api)
    app.include_router(routes_saved.pages)
    app.include_router(routes_pages.router)
    return app
