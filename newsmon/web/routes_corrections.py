"""Analysts' corrections over the web: the API (JSON) and the forms of the event and article pages.

- ``POST /api/articles/{id}/verdict`` ``{"training": true|false, "note": ...}``
- ``POST /api/events/{id}/fields`` ``{"date_held": "YYYY-MM-DD", "province": ..., "organizers": [...],
  "participants": N, "note": ...}`` (only the fields given; ``null`` or ``""`` clears one)
- ``POST /api/events/{id}/merge`` ``{"into": other_event_id, "note": ...}``
- ``POST /api/events/{id}/split`` ``{"article_id": report_id, "note": ...}``
- ``GET /api/corrections``: every correction, oldest first

The page forms post to the same paths without ``/api`` and come back to the page (303).
Every write needs a user login (newsmon/web/writes.py); the work is in
newsmon/services/correct.py, imported on first use (the classifier comes with it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from newsmon.services import corrections
from newsmon.web.routes_api import ERRORS, MAX_ID, NOT_FOUND, get_session
from newsmon.web.schemas import CorrectionInfo, CorrectionResult, Problem
from newsmon.web.writes import checked_form, current_user, write_session
from storage.models import Article, Correction

logger = logging.getLogger(__name__)
api = APIRouter(prefix="/api", tags=["corrections"])
pages = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    400: {"model": Problem, "description": "the body is not valid JSON"},
    403: {"model": Problem, "description": "no user login: corrections are made by users"},
}


def _act(request: Request, action: Callable[..., Any], *args: Any) -> tuple[list[Correction], int | None]:
    """Run one correction as the logged-in user; CorrectionError -> 404/422 with its message."""
    from newsmon.services import correct

    user = current_user(request)
    who = correct.Who(user.id, user.name)
    with write_session(request) as session:
        try:
            made = action(session, who, *args)
        except correct.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except correct.CorrectionError as exc:
            raise HTTPException(422, str(exc)) from None
        made = made if isinstance(made, list) else [made]
        event_id = _where_now(session, made)
        rows = [CorrectionInfo(**corrections.history_row(c)) for c in made]
    return rows, event_id


def alerts_config(request: Request) -> Any:
    """The alerts config of the installation (NEWSMON_ALERTS), read once, for events a verdict
    creates; None when it cannot be read (then only the users' subscriptions hear of them)."""
    if not hasattr(request.app.state, "alerts"):
        import newsmon.settings as settings
        from newsmon.services.alerts import AlertsConfigError, load_alerts_config

        try:
            request.app.state.alerts = load_alerts_config(
                settings.NEWSMON_ALERTS, settings.NEWSMON_ALERT_URLS, settings.NEWSMON_OPERATOR_URLS
            )
        except AlertsConfigError as exc:
            logger.error(
                "alerts config unusable (%s): an event made by a verdict alerts subscriptions only", exc
            )
            request.app.state.alerts = None
    return request.app.state.alerts


def _where_now(session: Session, made: list[Correction]) -> int | None:
    if not made:
        return None
    last = made[-1]
    if last.kind in ("verdict", "split") and last.article_id:
        article = session.get(Article, last.article_id)
        return article.event_id if article else None
    if last.kind == "merge":
        return (last.new_value or {}).get("event")
    return last.event_id


def _int(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise HTTPException(422, f"{name!r} must be an id (a whole number)") from None
    if not 1 <= number <= MAX_ID:
        raise HTTPException(422, f"{name!r} is out of range")
    return number


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=2000, description="why (optional)")


class VerdictIn(_Body):
    training: bool = Field(description="whether the article reports a training")


class FieldsIn(_Body):
    """Only the fields given are corrected; null (or "") clears one."""

    date_held: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    province: str | None = Field(
        None, max_length=64, description="an old (pre-2025) or a 2025 name, any accents"
    )
    organizers: list[Annotated[str, Field(max_length=300)]] | None = Field(None, max_length=20)
    participants: int | None = Field(None, ge=0, le=1_000_000)


class MergeIn(_Body):
    into: int = Field(ge=1, le=MAX_ID, description="the other event")


class SplitIn(_Body):
    article_id: int = Field(ge=1, le=MAX_ID, description="the report to take out")


# --- the API -------------------------------------------------------------------------------


@api.post("/articles/{article_id}/verdict", response_model=CorrectionResult, responses=WRITE_ERRORS)
def api_verdict(request: Request, article_id: Id, body: VerdictIn) -> CorrectionResult:
    """Say whether the article reports a training (the verdict beats the rules from now on)."""
    from newsmon.services import correct

    rows, event_id = _act(request, correct.mark_training, article_id, body.training, body.note,
                          alerts_config(request))  # fmt: skip
    return CorrectionResult(corrections=rows, event_id=event_id)


@api.post("/events/{event_id}/fields", response_model=CorrectionResult, responses=WRITE_ERRORS)
def api_fields(request: Request, event_id: Id, body: FieldsIn) -> CorrectionResult:
    """Correct some of an event's fields: date_held, province, organizers, participants."""
    from newsmon.services import correct

    changes = {k: getattr(body, k) for k in corrections.EDITABLE_FIELDS if k in body.model_fields_set}
    if not changes:
        raise HTTPException(422, f"give at least one of: {', '.join(corrections.EDITABLE_FIELDS)}")
    rows, _ = _act(request, correct.edit_event, event_id, changes, body.note)
    return CorrectionResult(corrections=rows, event_id=event_id)


@api.post("/events/{event_id}/merge", response_model=CorrectionResult, responses=WRITE_ERRORS)
def api_merge(request: Request, event_id: Id, body: MergeIn) -> CorrectionResult:
    """Say this event and ``into`` are one; the older id survives (``event_id`` of the answer)."""
    from newsmon.services import correct

    rows, now = _act(request, correct.merge_events, event_id, body.into, body.note)
    return CorrectionResult(corrections=rows, event_id=now)


@api.post("/events/{event_id}/split", response_model=CorrectionResult, responses=WRITE_ERRORS)
def api_split(request: Request, event_id: Id, body: SplitIn) -> CorrectionResult:
    """Take report ``article_id`` out of this event into one of its own (``event_id`` of the answer)."""
    from newsmon.services import correct

    rows, now = _act(request, correct.split_article, event_id, body.article_id, body.note)
    return CorrectionResult(corrections=rows, event_id=now)


@api.get("/corrections", response_model=list[CorrectionInfo], responses=ERRORS)
def api_corrections(
    session: Annotated[Session, Depends(get_session)],
    kind: Literal["verdict", "field", "merge", "split"] | None = None,
) -> list[CorrectionInfo]:
    """Every correction, oldest first (``kind``: only those of one kind)."""
    return [CorrectionInfo(**c) for c in corrections.all_corrections(session, kind)]


# --- the page forms ------------------------------------------------------------------------


def _back(path: str) -> Response:
    return RedirectResponse(path + "#corrections", status_code=303)


@pages.post("/articles/{article_id}/verdict")
async def page_verdict(request: Request, article_id: Id) -> Response:
    from newsmon.services import correct

    form = await checked_form(request)
    if form.get("training") not in ("yes", "no"):
        raise HTTPException(422, "choose 'training report' or 'not a training report'")
    await run_in_threadpool(_act, request, correct.mark_training, article_id, form["training"] == "yes",
                            form.get("note"), alerts_config(request))  # fmt: skip
    return _back(f"/articles/{article_id}")


@pages.post("/events/{event_id}/fields")
async def page_fields(request: Request, event_id: Id) -> Response:
    from newsmon.services import correct

    form = await checked_form(request)
    # The form sends every field filled with its value: edit_event records only those the
    # analyst changed, and a box emptied clears its field.
    changes = {k: form[k] for k in corrections.EDITABLE_FIELDS if k in form}
    await run_in_threadpool(_act, request, correct.edit_event, event_id, changes, form.get("note"))
    return _back(f"/events/{event_id}")


@pages.post("/events/{event_id}/merge")
async def page_merge(request: Request, event_id: Id) -> Response:
    from newsmon.services import correct

    form = await checked_form(request)
    _, now = await run_in_threadpool(
        _act, request, correct.merge_events, event_id, _int(form.get("into"), "into"), form.get("note")
    )
    return _back(f"/events/{now or event_id}")


@pages.post("/events/{event_id}/split")
async def page_split(request: Request, event_id: Id) -> Response:
    from newsmon.services import correct

    form = await checked_form(request)
    _, now = await run_in_threadpool(_act, request, correct.split_article, event_id, _int(form.get("article_id"), "article_id"),
                  form.get("note"))  # fmt: skip
    return _back(f"/events/{now or event_id}")
