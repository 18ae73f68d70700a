"""The HTML pages: search, article, events, event, charts, sources, alerts.

Rendered by Jinja2 with autoescaping on for every template, so text from crawled pages is
always escaped; the only markup added to it is ``<mark>`` around search matches, inserted
after escaping (:func:`highlight`). Links to crawled URLs are made only for http(s).
"""

from __future__ import annotations

import calendar
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from newsmon.services import corrections
from newsmon.services.search import MARK
from newsmon.web import charts, queries
from newsmon.web.params import BadParameter, build_filters, parse_flag, parse_page
from newsmon.web.routes_api import MAX_ID, field_sources, get_session
from newsmon.web.user_auth import CSRF_COOKIE, cookie_args
from pipeline.classify.classifier import TYPES
from pipeline.gazetteer import units_2025
from storage import repository as repo
from storage.models import Alert, Article, Event, Source

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PER_PAGE = 20
ALERT_STATUSES = ("pending", "sent", "failed")

router = APIRouter(include_in_schema=False)
env = Environment(
    loader=PackageLoader("newsmon.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


# --- template filters ------------------------------------------------------------------------


def vndate(value: datetime | date | None) -> str:
    """dd/mm/yyyy, in Vietnam time for timestamps."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(VN) if value.tzinfo else value
    return value.strftime("%d/%m/%Y")


def vndatetime(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%d/%m/%Y %H:%M") if value else "–"


def pagedate(value: datetime | None) -> str:
    """dd/mm/yyyy of a publication time on the page's own clock (``Article.published_local``)."""
    return value.strftime("%d/%m/%Y") if value else "–"


def pagedatetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else "–"


_MARKED = re.compile(re.escape(str(escape(MARK[0]))) + r"([^«»]*?)" + re.escape(str(escape(MARK[1]))))


def highlight(snippet: str | None) -> Markup:
    """The snippet escaped, then each «match» as <mark>match</mark>."""
    escaped = str(escape(snippet or ""))
    return Markup(_MARKED.sub(r"<mark>\1</mark>", escaped))


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s) (a ``javascript:`` or ``data:`` URL never becomes a link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def month_label(value: str) -> str:
    """``2025-03`` as ``03/2025``."""
    year, _, month = value.partition("-")
    return f"{month}/{year}" if month else value


def month_bounds(value: str) -> tuple[str, str]:
    """First and last day of a ``YYYY-MM`` month, ISO, for since/until links."""
    year, month = int(value[:4]), int(value[5:7])
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


env.filters.update(month_bounds=month_bounds, vndate=vndate, vndatetime=vndatetime, pagedate=pagedate,
                   pagedatetime=pagedatetime, highlight=highlight, safe_href=safe_href,
                   month_label=month_label)  # fmt: skip


# --- helpers -----------------------------------------------------------------------------


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    """A page; for a logged-in user with the CSRF token its forms carry (``logout_csrf``),
    setting the CSRF cookie first when the browser has none (a login by HTTP Basic)."""
    user = getattr(request.state, "user", None)
    users = request.app.state.user_auth
    csrf_cookie = request.cookies.get(CSRF_COOKIE)
    new_cookie = users.new_csrf_cookie() if user and not csrf_cookie else None
    csrf_cookie = csrf_cookie or new_cookie
    logout_csrf = users.csrf_token(csrf_cookie) if user and csrf_cookie else None
    html = env.get_template(template).render(
        request=request, path=request.url.path, user=user, logout_csrf=logout_csrf, **context
    )
    response = HTMLResponse(html, status_code=http_status)
    if new_cookie:
        response.set_cookie(CSRF_COOKIE, new_cookie, **cookie_args(request))  # type: ignore[arg-type]
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {404: "Not found", 422: "Bad request", 400: "Bad request", 401: "Unauthorized"}
    return render(request, "error.html", http_status=status, status_code=status,
                  title=titles.get(status, "Error"), message=message)  # fmt: skip


# A session for one page, rolled back at the end (pages never write): the API's dependency.
page_session = contextmanager(get_session)


def params_without(request: Request, *drop: str, **changes: Any) -> str:
    """The current query string with some parameters changed or removed (for links)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in drop and k not in changes]
    items += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return "?" + urlencode(items) if items else "?"


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def _form(request: Request, *names: str) -> dict[str, str]:
    return {n: request.query_params.get(n, "") for n in names}


def _options(session: Session) -> dict[str, Any]:
    """Choices for the filter forms."""
    provinces = sorted({p for p in session.scalars(sa.select(Source.province_2025).distinct()) if p}
                       | {p for p in session.scalars(sa.select(Event.province_2025).distinct()) if p})  # fmt: skip
    return {
        "sources": list(session.scalars(sa.select(Source.id).order_by(Source.id))),
        "provinces": provinces,
        "types": TYPES,
        "languages": [lang for lang in session.scalars(sa.select(Article.language).distinct()) if lang],
    }


# --- pages -------------------------------------------------------------------------------


FILTER_NAMES = ("q", "since", "until", "source", "province", "type", "topic", "language", "dups", "page")


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> Response:
    form = _form(request, *FILTER_NAMES)
    with page_session(request) as session:
        options = _options(session)
        try:
            page = parse_page(form["page"])
            filters = build_filters(since=form["since"], until=form["until"], source=form["source"],
                                    province=form["province"], event_type=form["type"], topic=form["topic"],
                                    language=form["language"], with_duplicates=parse_flag(form["dups"]))  # fmt: skip
        except BadParameter as exc:
            return render(request, "search.html", http_status=422, form=form, error=str(exc), result=None,
                          facets=None, **options)  # fmt: skip
        query = form["q"][:2000]
        result = queries.run_search(session, query, filters, PER_PAGE, (page - 1) * PER_PAGE)
        facets = queries.facets(session, queries.matching_ids(session, query, filters))
        pages = max(1, -(-result.total // PER_PAGE))
        return render(request, "search.html", form=form, error=None, result=result, facets=facets, page=page,
                      pages=pages, per_page=PER_PAGE, link=lambda **kw: params_without(request, **kw),
                      **options)  # fmt: skip


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> Response:
    key = _id(article_id)
    with page_session(request) as session:
        article = session.get(Article, key) if key else None
        if article is None:
            return error_page(request, 404, f"no article {article_id!r}: open one from the search page")
        event = session.get(Event, article.event_id) if article.event_id else None
        source = session.get(Source, article.source_id) if article.source_id else None
        return render(request, "article.html", a=article, event=event, source=source,
                      duplicates=queries.duplicates_of(session, article),
                      history=corrections.history(session, [article.canonical_url]))  # fmt: skip


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request) -> Response:
    form = _form(request, "since", "until", "province", "type", "topic", "page")
    with page_session(request) as session:
        options = _options(session)
        try:
            page = parse_page(form["page"])
            filters = build_filters(since=form["since"], until=form["until"], province=form["province"],
                                    event_type=form["type"], topic=form["topic"])  # fmt: skip
        except BadParameter as exc:
            return render(request, "events.html", http_status=422, form=form, error=str(exc), events=[], total=0,
                          counts={}, page=1, pages=1, link=lambda **kw: "?", **options)  # fmt: skip
        events, total = queries.list_events(session, filters, PER_PAGE * 2, (page - 1) * PER_PAGE * 2)
        return render(request, "events.html", form=form, error=None, events=events, total=total,
                      counts=queries.report_counts(session, [e.id for e in events]), page=page,
                      pages=max(1, -(-total // (PER_PAGE * 2))), link=lambda **kw: params_without(request, **kw),
                      **options)  # fmt: skip


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: str) -> Response:
    key = _id(event_id)
    with page_session(request) as session:
        event = session.get(Event, key) if key else None
        if event is None:
            return error_page(request, 404, f"no event {event_id!r}: open one from the events page")
        reports = list(repo.event_articles(session, event.id))
        by_id = {r.id: r for r in reports}
        sources = {s.id: s for s in session.scalars(sa.select(Source).where(
            Source.id.in_({r.source_id for r in reports if r.source_id})))}  # fmt: skip
        timeline = charts.timeline(
            [(r.published_local.date(), r.title or r.url) for r in reports if r.published_at],
            "reports by publication date",
        )
        return render(request, "event.html", e=event, reports=reports, by_id=by_id, sources=sources,
                      fields=field_sources(event, reports), timeline=timeline, units=units_2025(),
                      history=corrections.history(session, [r.canonical_url for r in reports]))  # fmt: skip


@router.get("/charts", response_class=HTMLResponse)
def charts_page(request: Request) -> Response:
    with page_session(request) as session:
        weeks, activity = queries.weekly_by_source(session, datetime.now(UTC))
        per_month = [(month_label(m), n) for m, n in queries.fill_months(queries.events_per_month(session))]
        return render(
            request,
            "charts.html",
            events_month=charts.bar_chart(per_month, "events per month (date held)"),
            events_province=charts.hbar_chart(
                queries.events_per_province(session), "events per province (2025)"
            ),
            articles_month=charts.bar_chart(
                [
                    (month_label(m), n)
                    for m, n in queries.fill_months(queries.articles_per_month(session, 24))
                ],
                "articles per month",
            ),
            weeks=weeks,
            activity=[
                (sid, sum(v), charts.spark_bars(v, f"{sid}: articles per week"))
                for sid, v in activity.items()
            ],
        )


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> Response:
    now = datetime.now(UTC)
    with page_session(request) as session:
        rows = []
        for s in session.scalars(sa.select(Source).order_by(Source.enabled.desc(), Source.id)):
            health = repo.source_health(session, s.id, now)
            rows.append((s, health, repo.recent_runs(session, s.id, limit=3), repo.count_articles(session, s.id),
                         charts.spark_bars(list(reversed(health["articles_per_week"])), f"{s.id}: new articles per week")))  # fmt: skip
        return render(request, "sources.html", rows=rows, runs=repo.recent_runs(session, limit=15))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request) -> Response:
    status = request.query_params.get("status", "")
    with page_session(request) as session:
        if status and status not in ALERT_STATUSES:
            return error_page(request, 422, f"status: use one of {', '.join(ALERT_STATUSES)}")
        alerts: list[Alert] = queries.list_alerts(session, status or None, 200)
        events = {e.id: e for e in session.scalars(sa.select(Event).where(
            Event.id.in_({a.event_id for a in alerts if a.event_id})))}  # fmt: skip
        return render(request, "alerts.html", alerts=alerts, events=events, counts=queries.alert_counts(session),
                      status=status, statuses=ALERT_STATUSES)  # fmt: skip
