"""Saved searches and subscriptions: what each user follows, and telling them exactly once.

A saved search is the search page's words and filters under a name. A subscription follows a
saved search, a province (stored as its 2025 unit) or every new training event, on the user's
own apprise URL, at once (``immediate``) or in a daily digest (``digest``).

Delivery reuses the alert outbox (:mod:`newsmon.services.alerts`): when a held event is new,
:func:`queue_subscription_alerts` writes one row per matching subscription in the transaction
that creates the event, channel ``sub:<subscription id>`` and key ``event:<event id>``. The
table's unique (key, channel) makes that once per event and subscription, whatever restarts,
second reports or second processes come. Immediate rows are ``pending`` and sent by
``deliver_pending``; digest rows wait as ``digest`` until :func:`queue_subscription_digests`
folds them into one message per subscription and day (and marks them ``digested``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from newsmon.services import search as ps
from newsmon.services.alerts import VN, event_message, make_channel, within_window
from newsmon.services.search.params import BadParameter, build_filters, parse_day
from pipeline.gazetteer import find_province, find_unit_2025
from storage import repository as repo
from storage.db import session_scope
from storage.models import Alert, Article, Event, SavedSearch, Subscription, User, utcnow

logger = logging.getLogger(__name__)

KINDS = ("search", "province", "trainings")
MODES = ("immediate", "digest")
FILTER_KEYS = ("since", "until", "source", "province", "type", "topic", "language", "dups")
MAX_NAME = 100
MAX_QUERY = 2000  # what the search page reads of a query
MAX_PER_USER = 200  # saved searches, and subscriptions, each
DEFAULT_WINDOW_DAYS = 7.0  # the alerts config's default, for a store without one
TRAINING = "training_conference"
PREFIX = "sub:"


class SubscriptionError(ValueError):
    """A saved search or subscription that cannot be made; the message says what to fix."""


class NotFound(LookupError):
    """No such saved search or subscription of this user (another user's is not found either)."""


# --- saved searches ------------------------------------------------------------------------


def clean_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filters in their stored form (only the ones given; dates ISO, province as stored),
    checked the way the search page checks them. SubscriptionError saying what to fix."""
    given = dict(filters or {})
    unknown = sorted(set(given) - set(FILTER_KEYS))
    if unknown:
        raise SubscriptionError(f"filters: unknown {', '.join(unknown)}; use {', '.join(FILTER_KEYS)}")
    out: dict[str, Any] = {}
    for key in FILTER_KEYS:
        value = given.get(key)
        if key == "dups":
            if value not in (None, "", False, 0, "0"):
                out["dups"] = True
        elif value not in (None, ""):
            if not isinstance(value, str):
                raise SubscriptionError(f"filters.{key}: give it as text")
            out[key] = value.strip()
    try:
        built = search_filters(out)
        for key in ("since", "until"):
            if key in out:
                day = parse_day(out[key], key)
                out[key] = day.isoformat() if day else None
        if built.province:
            out["province"] = built.province
    except BadParameter as exc:
        raise SubscriptionError(f"filters.{exc}") from None
    return {k: v for k, v in out.items() if v not in (None, "")}


def search_filters(stored: Mapping[str, Any]) -> ps.Filters:
    """The search filters of a saved search: exactly what the search page builds from them."""
    return build_filters(
        since=stored.get("since"), until=stored.get("until"), source=stored.get("source"),
        province=stored.get("province"), event_type=stored.get("type"), topic=stored.get("topic"),
        language=stored.get("language"), with_duplicates=bool(stored.get("dups")),
    )  # fmt: skip


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SubscriptionError("name: give the search a name")
    if len(name) > MAX_NAME:
        raise SubscriptionError(f"name: too long ({len(name)} characters); at most {MAX_NAME}")
    return name


def add_saved_search(
    session: Session, user_id: int, name: str, query: str, filters: Mapping[str, Any] | None = None
) -> SavedSearch:
    """Save the words and filters of a search under a name unique for this user."""
    name = _name(name)
    query = (query or "").strip()
    if len(query) > MAX_QUERY:
        raise SubscriptionError(f"query: too long ({len(query)} characters); at most {MAX_QUERY}")
    cleaned = clean_filters(filters)
    if not query and not cleaned:
        raise SubscriptionError("query: give some words or a filter (an empty search matches everything)")
    mine = sa.select(sa.func.count(SavedSearch.id)).where(SavedSearch.user_id == user_id)
    if (session.scalar(mine) or 0) >= MAX_PER_USER:
        raise SubscriptionError(f"you have {MAX_PER_USER} saved searches: delete one first")
    if session.scalar(
        sa.select(SavedSearch.id).where(SavedSearch.user_id == user_id, SavedSearch.name == name)
    ):
        raise SubscriptionError(f"name: you have a saved search called {name!r} already; choose another name")
    saved = SavedSearch(user_id=user_id, name=name, query=query, filters=cleaned)
    try:
        with session.begin_nested():
            session.add(saved)
            session.flush()
    except IntegrityError:  # saved at the same moment from another tab
        raise SubscriptionError(f"name: you have a saved search called {name!r} already") from None
    return saved


def list_saved_searches(session: Session, user_id: int) -> list[SavedSearch]:
    """The user's saved searches, by name."""
    stmt = sa.select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.name)
    return list(session.scalars(stmt))


def get_saved_search(session: Session, user_id: int, search_id: int) -> SavedSearch:
    """The user's saved search ``search_id``; NotFound for another user's."""
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user_id:
        raise NotFound(f"no saved search {search_id} of yours")
    return saved


def delete_saved_search(session: Session, user_id: int, search_id: int) -> None:
    """Delete a saved search and the subscriptions that follow it."""
    saved = get_saved_search(session, user_id, search_id)
    for sub in session.scalars(sa.select(Subscription).where(Subscription.saved_search_id == saved.id)):
        _drop(session, sub)
    session.flush()  # the subscriptions first: the database would cascade them anyway
    session.delete(saved)
    session.flush()


# --- subscriptions ---------------------------------------------------------------------------


def province_unit(name: str) -> str:
    """The 2025 unit of an old or 2025 province name (any accents); SubscriptionError if unknown."""
    text = (name or "").strip()
    found = find_province(text) if text else None
    unit = (find_unit_2025(text) if text else None) or (found.unit_2025 if found else None)
    if unit is None:
        raise SubscriptionError(
            f"province: unknown province {name!r}; give an old or 2025 name, e.g. 'Hòa Bình' or 'Phú Thọ'"
        )
    return unit


def check_url(url: str) -> str:
    """The apprise URL, stripped, if apprise can use it; SubscriptionError (masked) if not."""
    import apprise

    url = (url or "").strip()
    if not url:
        raise SubscriptionError("url: give the apprise URL to notify, e.g. mailto://user:pass@example.org")
    if len(url) > 2000 or not apprise.Apprise.instantiate(url, suppress_exceptions=True):
        shown = make_channel(url).display if "://" in url else "(no scheme://)"
        raise SubscriptionError(
            f"url: apprise cannot use {shown}; see https://github.com/caronc/apprise/wiki for the forms"
        )
    return url


def masked_url(url: str) -> str:
    """The URL as shown anywhere: passwords and tokens masked."""
    return make_channel(url).display


def add_subscription(
    session: Session,
    user_id: int,
    kind: str,
    url: str,
    mode: str = "immediate",
    saved_search_id: int | None = None,
    province: str | None = None,
) -> Subscription:
    """Subscribe the user to a saved search of theirs, a province or every new training event."""
    if kind not in KINDS:
        raise SubscriptionError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise SubscriptionError(f"mode: {mode!r} is not one of {', '.join(MODES)} (daily digest)")
    url = check_url(url)
    search_id, unit = None, None
    if kind == "search":
        if not saved_search_id:
            raise SubscriptionError("saved_search_id: say which saved search to follow")
        try:
            search_id = get_saved_search(session, user_id, int(saved_search_id)).id
        except (NotFound, ValueError, TypeError):
            raise SubscriptionError(f"saved_search_id: no saved search {saved_search_id} of yours") from None
    elif kind == "province":
        unit = province_unit(province or "")
    mine = sa.select(sa.func.count(Subscription.id)).where(Subscription.user_id == user_id)
    if (session.scalar(mine) or 0) >= MAX_PER_USER:
        raise SubscriptionError(f"you have {MAX_PER_USER} subscriptions: delete one first")
    sub = Subscription(user_id=user_id, kind=kind, saved_search_id=search_id, province=unit, url=url,
                       mode=mode, enabled=True, created_at=utcnow())  # fmt: skip
    session.add(sub)
    session.flush()
    return sub


def list_subscriptions(session: Session, user_id: int | None = None) -> list[Subscription]:
    """A user's subscriptions (everyone's with no user), oldest first."""
    stmt = sa.select(Subscription).order_by(Subscription.id)
    if user_id is not None:
        stmt = stmt.where(Subscription.user_id == user_id)
    return list(session.scalars(stmt))


def _drop(session: Session, sub: Subscription) -> None:
    """Delete a subscription; what it still had to send is skipped, never sent to anyone."""
    session.execute(
        sa.update(Alert)
        .where(Alert.channel == f"{PREFIX}{sub.id}", Alert.status.in_(("pending", "digest")))
        .values(status="skipped", last_error="subscription deleted")
    )
    session.delete(sub)


def delete_subscription(session: Session, user_id: int, subscription_id: int) -> None:
    """Delete the user's subscription ``subscription_id``; NotFound for another user's."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user_id:
        raise NotFound(f"no subscription {subscription_id} of yours")
    _drop(session, sub)
    session.flush()


def describe(session: Session, sub: Subscription) -> str:
    """What a subscription follows, in words (for its messages and listings)."""
    if sub.kind == "trainings":
        return "mọi hội nghị tập huấn mới / every new training event"
    if sub.kind == "province":
        return f"tỉnh / province {sub.province}"
    saved = session.get(SavedSearch, sub.saved_search_id) if sub.saved_search_id else None
    return f"tìm kiếm đã lưu / saved search {saved.name!r}" if saved else "a deleted saved search"


def subscription_rows(session: Session, user_id: int | None = None) -> list[dict[str, Any]]:
    """Subscriptions for listing: the URL masked, never in full."""
    names = {u.id: u.name for u in session.scalars(sa.select(User))}
    return [
        {"id": s.id, "user": names.get(s.user_id), "kind": s.kind, "follows": describe(session, s),
         "saved_search_id": s.saved_search_id, "province": s.province, "url": masked_url(s.url),
         "mode": s.mode, "enabled": s.enabled, "created": s.created_at.isoformat() if s.created_at else None,
         "last_digest": s.last_digest_at.isoformat() if s.last_digest_at else None}
        for s in list_subscriptions(session, user_id)
    ]  # fmt: skip


# --- which subscriptions an event concerns -----------------------------------------------------


def search_matches(session: Session, saved: SavedSearch, article_ids: list[int]) -> bool:
    """Whether the saved search, run on the search page, would list one of ``article_ids``."""
    if not article_ids:
        return False
    try:
        filters = search_filters(saved.filters or {})
    except BadParameter:  # a province renamed since it was saved: matches nothing, says so
        logger.warning("saved search %s has filters that no longer work: %s", saved.id, saved.filters)
        return False
    if saved.query.strip():
        matching = ps.matching_ids(session, ps.parse_query(saved.query), filters)
        if matching is None:
            return False
        ids = matching[0].selected_columns[0]
        stmt = matching[0].with_only_columns(ids).where(ids.in_(article_ids)).limit(1)
    else:
        stmt = (
            sa.select(Article.id).where(Article.id.in_(article_ids), *ps.article_conditions(filters)).limit(1)
        )
    return session.execute(stmt).first() is not None


def matching_subscriptions(session: Session, event: Event) -> list[Subscription]:
    """The enabled subscriptions of enabled users that ``event`` concerns."""
    subs = session.scalars(
        sa.select(Subscription)
        .join(User, User.id == Subscription.user_id)
        .where(Subscription.enabled.is_(True), User.disabled.is_(False))
        .order_by(Subscription.id)
    ).all()
    if not subs:
        return []
    article_ids: list[int] | None = None
    found = []
    for sub in subs:
        if sub.kind == "trainings":
            ok = event.type == TRAINING
        elif sub.kind == "province":
            ok = bool(sub.province) and event.province_2025 == sub.province
        elif sub.kind == "search" and sub.saved_search_id:
            saved = session.get(SavedSearch, sub.saved_search_id)
            if article_ids is None:
                article_ids = [a.id for a in repo.event_articles(session, event.id)]
            ok = saved is not None and search_matches(session, saved, article_ids)
        else:
            ok = False
        if ok:
            found.append(sub)
    return found


def queue_subscription_alerts(
    session: Session, event_id: int, window_days: float = DEFAULT_WINDOW_DAYS
) -> int:
    """Write the outbox rows of a new held event for every subscription it concerns: pending
    for immediate ones, ``digest`` for digest ones. Call it in the transaction that created the
    event; events outside the alert window get none. Returns the number of rows written."""
    event = session.get(Event, event_id)
    if event is None:
        return 0
    subs = matching_subscriptions(session, event)
    if not subs:
        return 0
    if not within_window(session, event, window_days):
        logger.info(
            "event %s is older than the %s-day alert window: no subscription alert", event_id, window_days
        )
        return 0
    added = 0
    for sub in subs:
        row = {"key": f"event:{event_id}", "channel": f"{PREFIX}{sub.id}", "channel_display": masked_url(sub.url),
               "kind": "new_event", "event_id": event_id, "payload": {"follows": describe(session, sub)}}  # fmt: skip
        if sub.mode == "digest":
            row["status"] = "digest"
        added += repo.add_alerts(session, [row])
    return added


def queue_subscription_digests(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Fold each digest subscription's waiting events into one message for today (once per day:
    the key is the local date), each subscription in its own transaction. Returns how many
    digests were queued; ``deliver_pending`` sends them."""
    now = now or utcnow()
    day = now.astimezone(VN).date().isoformat()
    with session_scope(sessions) as session:
        channels = list(session.scalars(
            sa.select(Alert.channel).where(Alert.status == "digest").distinct().order_by(Alert.channel)
        ))  # fmt: skip
    queued = 0
    for channel in channels:
        with session_scope(sessions) as session:
            rows = list(session.scalars(
                sa.select(Alert).where(Alert.channel == channel, Alert.status == "digest").order_by(Alert.id)
            ))  # fmt: skip
            sub = _subscription_of(session, channel)
            reason = _unusable(session, sub)
            if reason or sub is None:
                for r in rows:
                    r.status, r.last_error = "skipped", reason
                continue
            events = [
                e for e in (session.get(Event, r.event_id) for r in rows if r.event_id) if e is not None
            ]
            if not events:
                for r in rows:
                    r.status, r.last_error = "skipped", "event no longer exists"
                continue
            follows = describe(session, sub)
            title = f"[newsmon] Tổng hợp ngày {day} / Daily digest: {len(events)} sự kiện / event(s)"
            body = f"Theo dõi / Following: {follows}\n\n" + "\n\n".join(
                event_message(session, e)[1] for e in events
            )
            digest = {"key": f"digest:{day}", "channel": channel, "channel_display": masked_url(sub.url),
                      "kind": "digest", "payload": {"title": title, "body": body}}  # fmt: skip
            if not repo.add_alerts(session, [digest]):
                continue  # today's digest is made already: these wait for tomorrow's
            for r in rows:
                r.status, r.sent_at = "digested", now
            sub.last_digest_at = now
            queued += 1
    return queued


def _subscription_of(session: Session, channel: str) -> Subscription | None:
    number = channel.removeprefix(PREFIX)
    return session.get(Subscription, int(number)) if channel.startswith(PREFIX) and number.isdigit() else None


def _unusable(session: Session, sub: Subscription | None) -> str | None:
    """Why a subscription's rows cannot go out (deleted, disabled, its user disabled), or None."""
    if sub is None:
        return "subscription deleted"
    if not sub.enabled:
        return "subscription disabled"
    user = session.get(User, sub.user_id)
    return "user disabled" if user is None or user.disabled else None
