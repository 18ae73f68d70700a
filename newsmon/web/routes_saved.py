"""Saved searches and subscriptions over the web: the ``/searches`` page and its forms, the API.

- ``GET/POST /api/searches`` ``{"name": ..., "query": ..., "filters": {"province": ..., ...}}``,
  ``DELETE /api/searches/{id}``
- ``GET/POST /api/subscriptions`` ``{"kind": "search"|"province"|"trainings", "url": apprise URL,
  "mode": "immediate"|"digest", "saved_search_id": ..., "province": ...}``,
  ``DELETE /api/subscriptions/{id}``

Each user sees and changes only their own (another user's is a 404). The forms (the search
page's "Save this search", the ``/searches`` page's) post without JavaScript, carry the CSRF
token, and come back to ``/searches`` (303). Apprise URLs carry secrets: they are only ever
shown masked. The work is in newsmon/services/subscriptions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from newsmon.services import subscriptions as subs
from newsmon.web.routes_api import MAX_ID, NOT_FOUND
from newsmon.web.schemas import Problem
from newsmon.web.writes import checked_form, current_user, json_body, write_session
from storage.models import SavedSearch, Subscription

api = APIRouter(prefix="/api", tags=["saved searches and subscriptions"])
pages = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
T = TypeVar("T")
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    400: {"model": Problem, "description": "the body is not valid JSON"},
    403: {"model": Problem, "description": "no user login: saved searches belong to users"},
    415: {"model": Problem, "description": "the body is not application/json"},
    422: {"model": Problem, "description": "what to fix in the body"},
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {403: WRITE_ERRORS[403]}


# --- models ----------------------------------------------------------------------------------


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=1000)
    query: str = Field("", max_length=10_000)
    filters: dict[str, str | bool | None] = Field(default_factory=dict)


class SavedSearchInfo(BaseModel):
    id: int
    name: str
    query: str
    filters: dict[str, Any] = Field(description="since, until, source, province, type, topic, language, dups")
    link: str = Field(description="the search page with these words and filters")
    created_at: datetime


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["search", "province", "trainings"]
    url: str = Field(max_length=4000, description="the apprise URL to notify (kept secret, shown masked)")
    mode: Literal["immediate", "digest"] = "immediate"
    saved_search_id: int | None = Field(None, ge=1, le=MAX_ID)
    province: str | None = Field(None, max_length=200)


class SubscriptionInfo(BaseModel):
    id: int
    kind: str
    follows: str
    saved_search_id: int | None
    province: str | None = Field(description="the 2025 unit")
    url: str = Field(description="the apprise URL, passwords and tokens masked")
    mode: str
    enabled: bool
    created_at: datetime
    last_digest_at: datetime | None


def search_link(saved: SavedSearch) -> str:
    """The search page that runs a saved search again."""
    items = [("q", saved.query)] if saved.query else []
    for key, value in (saved.filters or {}).items():
        items.append((key, "1" if value is True else str(value)))
    return "/?" + urlencode(items) if items else "/"


def search_info(saved: SavedSearch) -> SavedSearchInfo:
    return SavedSearchInfo(id=saved.id, name=saved.name, query=saved.query, filters=dict(saved.filters or {}),
                           link=search_link(saved), created_at=saved.created_at)  # fmt: skip


def subscription_info(session: Session, sub: Subscription) -> SubscriptionInfo:
    return SubscriptionInfo(
        id=sub.id, kind=sub.kind, follows=subs.describe(session, sub), saved_search_id=sub.saved_search_id,
        province=sub.province, url=subs.masked_url(sub.url), mode=sub.mode, enabled=sub.enabled,
        created_at=sub.created_at, last_digest_at=sub.last_digest_at,
    )  # fmt: skip


# --- the work, shared by the API and the forms -----------------------------------------------


@contextmanager
def _writing(request: Request) -> Iterator[tuple[Session, int]]:
    """The user's committing session; the service's errors as 404 and 422 with their message."""
    user = current_user(request)
    with write_session(request) as session:
        try:
            yield session, user.id
        except subs.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except subs.SubscriptionError as exc:
            raise HTTPException(422, str(exc)) from None


def _parsed(model: type[T], body: dict[str, Any]) -> T:
    try:
        return model.model_validate(body)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"{where}: {first['msg']}") from None


def _save(request: Request, given: SavedSearchIn) -> Callable[[Session, int], SavedSearch]:
    return lambda s, uid: subs.add_saved_search(s, uid, given.name, given.query, given.filters)


def _subscribe(given: SubscriptionIn) -> Callable[[Session, int], Subscription]:
    return lambda s, uid: subs.add_subscription(s, uid, given.kind, given.url, given.mode,
                                                given.saved_search_id, given.province)  # fmt: skip


# --- API -------------------------------------------------------------------------------------


@api.get("/searches", response_model=list[SavedSearchInfo], responses=READ_ERRORS)
def api_searches(request: Request) -> list[SavedSearchInfo]:
    """Your saved searches, by name."""
    with _writing(request) as (session, uid):
        return [search_info(s) for s in subs.list_saved_searches(session, uid)]


@api.post("/searches", status_code=201, response_model=SavedSearchInfo, responses=WRITE_ERRORS)
async def api_save_search(request: Request) -> SavedSearchInfo:
    """Save a search (words and the search page's filters) under a name of your own."""
    given = _parsed(SavedSearchIn, await json_body(request))
    with _writing(request) as (session, uid):
        return search_info(_save(request, given)(session, uid))


@api.delete("/searches/{search_id}", status_code=204, responses=WRITE_ERRORS)
def api_delete_search(request: Request, search_id: Id) -> Response:
    """Delete one of your saved searches and the subscriptions that follow it."""
    with _writing(request) as (session, uid):
        subs.delete_saved_search(session, uid, search_id)
    return Response(status_code=204)


@api.get("/subscriptions", response_model=list[SubscriptionInfo], responses=READ_ERRORS)
def api_subscriptions(request: Request) -> list[SubscriptionInfo]:
    """Your subscriptions (URLs masked), oldest first."""
    with _writing(request) as (session, uid):
        return [subscription_info(session, s) for s in subs.list_subscriptions(session, uid)]


@api.post("/subscriptions", status_code=201, response_model=SubscriptionInfo, responses=WRITE_ERRORS)
async def api_subscribe(request: Request) -> SubscriptionInfo:
    """Be told about every new event of a saved search, a province or all trainings, once each."""
    given = _parsed(SubscriptionIn, await json_body(request))
    with _writing(request) as (session, uid):
        return subscription_info(session, _subscribe(given)(session, uid))


@api.delete("/subscriptions/{subscription_id}", status_code=204, responses=WRITE_ERRORS)
def api_unsubscribe(request: Request, subscription_id: Id) -> Response:
    """Delete one of your subscriptions (what it still had to send is dropped)."""
    with _writing(request) as (session, uid):
        subs.delete_subscription(session, uid, subscription_id)
    return Response(status_code=204)


# --- pages -----------------------------------------------------------------------------------


def _page(
    request: Request, status: int = 200, error: str | None = None, form: dict[str, str] | None = None
) -> Response:
    from newsmon.web.routes_pages import page_session, render

    user = current_user(request)
    with page_session(request) as session:
        searches = [search_info(s) for s in subs.list_saved_searches(session, user.id)]
        subscribed = [subscription_info(session, s) for s in subs.list_subscriptions(session, user.id)]
    return render(request, "saved.html", http_status=status, searches=searches, subscriptions=subscribed,
                  error=error, form=form or {}, modes=subs.MODES)  # fmt: skip


def _form_write(request: Request, form: dict[str, str], action: Callable[[Session, int], Any]) -> Response:
    """Run a form's write; back to /searches (303), or the page again with the error (422/404)."""
    try:
        with _writing(request) as (session, uid):
            action(session, uid)
    except HTTPException as exc:
        if exc.status_code not in (404, 422):
            raise
        return _page(request, exc.status_code, str(exc.detail), form)
    return RedirectResponse("/searches", status_code=303)


@pages.get("/searches")
def saved_page(request: Request) -> Response:
    return _page(request)


@pages.post("/searches")
async def save_search_form(request: Request) -> Response:
    form = await checked_form(request)
    filters = {k: form[k] for k in subs.FILTER_KEYS if form.get(k)}
    given = SavedSearchIn(name=form.get("name", "")[:1000], query=form.get("q", "")[:10_000], filters=filters)
    return _form_write(request, form, _save(request, given))


@pages.post("/searches/{search_id}/delete")
async def delete_search_form(request: Request, search_id: Id) -> Response:
    form = await checked_form(request)
    return _form_write(request, form, lambda s, uid: subs.delete_saved_search(s, uid, search_id))


@pages.post("/subscriptions")
async def subscribe_form(request: Request) -> Response:
    form = await checked_form(request)
    kind = form.get("kind", "")
    search_id = form.get("saved_search_id", "")
    if kind not in subs.KINDS or form.get("mode", "immediate") not in subs.MODES:
        return _page(request, 422, "choose what to follow and how often", form)
    if kind == "search" and not search_id.isdigit():
        return _page(request, 422, "saved search: choose one of yours (save a search first)", form)
    given = SubscriptionIn(kind=kind, url=form.get("url", "")[:4000], mode=form.get("mode", "immediate"),  # type: ignore[arg-type]
                           saved_search_id=int(search_id) if kind == "search" and int(search_id) <= MAX_ID else None,
                           province=form.get("province", "")[:200] or None)  # fmt: skip
    return _form_write(request, form, _subscribe(given))


@pages.post("/subscriptions/{subscription_id}/delete")
async def unsubscribe_form(request: Request, subscription_id: Id) -> Response:
    form = await checked_form(request)
    return _form_write(request, form, lambda s, uid: subs.delete_subscription(s, uid, subscription_id))
