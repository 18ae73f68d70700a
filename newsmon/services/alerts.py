"""Alerts: who hears about a new event, and delivering it exactly once per channel.

The outbox pattern: :func:`queue_event_alerts` writes one ``pending`` row per (event,
channel) in the transaction that creates the event, so an event never exists without its
alerts and a crash loses nothing. :func:`deliver_pending` sends the rows later through
apprise and marks them ``sent``; a failure is retried with exponential backoff and ends
``failed`` after ``retry.max_attempts``. Rows are claimed (``pending`` -> ``sending``)
before sending, so two senders never send one row twice.

Channel URLs carry secrets (SMTP passwords, bot tokens). They come from the environment
(``${VAR}`` in the config, or ``NEWSMON_ALERT_URLS``), and every log line, stored error and
listing goes through :class:`Channel`'s masked form or :func:`redact`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline import yamlfile
from pipeline.text import fold
from storage import repository as repo
from storage.db import session_scope
from storage.models import Alert, Event, Subscription, User, utcnow

logger = logging.getLogger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
STALE_SENDING = timedelta(minutes=15)  # a 'sending' row this old was left by a killed sender
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class AlertsConfigError(ValueError):
    """The alerts config cannot be used; the message names the file and the field."""


# --- configuration -------------------------------------------------------------------


class Rule(BaseModel):
    """An event alerts if it matches every criterion given (each criterion: any of its values)."""

    model_config = ConfigDict(extra="forbid")

    type: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    provinces: list[str] = Field(default_factory=list)  # old or 2025 name, any accents
    keywords: list[str] = Field(default_factory=list)  # in title or text, any accents

    @field_validator("type", "topics", "provinces", "keywords", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Retry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(5, ge=1)
    backoff_seconds: float = Field(60.0, ge=0)  # before the second attempt; doubles each time
    backoff_max_seconds: float = Field(6 * 3600.0, ge=0)


class Health(BaseModel):
    """When the operator hears about a source (see newsmon/services/health.py)."""

    model_config = ConfigDict(extra="forbid")

    silent_days: int = Field(7, ge=1)  # no new article for this long
    failed_runs: int = Field(3, ge=1)  # this many last runs all failed
    extraction_recent_days: int = Field(7, ge=1)
    extraction_baseline_days: int = Field(28, ge=1)  # the period before the recent one
    extraction_jump: float = Field(0.3, gt=0, le=1)  # failure-rate rise that means a template change
    extraction_min_pages: int = Field(5, ge=1)


DEFAULT_RULES = [Rule(type=["training_conference"], topics=["external_information", "human_rights"])]


class AlertsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_days: float = Field(7, ge=0)
    digest: bool = False  # True: no alert per event, one daily digest (`newsmon alerts digest`)
    rules: list[Rule] = Field(default_factory=lambda: list(DEFAULT_RULES))
    channels: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    retry: Retry = Field(default_factory=Retry)
    health: Health = Field(default_factory=Health)


@dataclass(frozen=True)
class Channel:
    """An apprise URL, its stable id and masked form; ``url`` is never logged or stored."""

    url: str = field(repr=False)
    id: str
    display: str
    secrets: tuple[str, ...] = field(repr=False, default=())


@dataclass
class AlertsConfig:
    window_days: float
    rules: list[Rule]
    channels: list[Channel]
    operator: list[Channel]
    retry: Retry
    health: Health
    path: str | None = None
    digest: bool = False

    def all_channels(self) -> dict[str, Channel]:
        return {c.id: c for c in (*self.channels, *self.operator)}

    def redact(self, text: str) -> str:
        return redact(text, self.all_channels().values())


def _masked(url: str) -> str:
    """The URL with passwords and tokens masked (apprise's privacy form, without options)."""
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin:
        return str(plugin.url(privacy=True)).split("?", 1)[0]
    scheme, sep, _rest = url.partition("://")
    return f"{scheme}{sep}****" if sep else "****"


def make_channel(url: str, secrets: Iterable[str] = ()) -> Channel:
    """A channel for ``url``. Its id hashes the masked URL, so it holds no secret and stays
    the same when a password is rotated."""
    display = _masked(url)
    found = {s for s in secrets if len(s) >= 3}
    parts = urlsplit(url)
    with suppress(ValueError):
        if parts.password:
            found.add(parts.password)
    # Any other long part of the URL that the masked form hides is a token (tgram://TOKEN/...).
    others = [
        parts.netloc.rpartition("@")[2],
        *parts.path.split("/"),
        *(v for _, v in parse_qsl(parts.query)),
    ]
    found.update(p for p in others if len(p) >= 8 and p not in display)
    return Channel(url, hashlib.sha256(display.encode()).hexdigest()[:32], display,
                   tuple(sorted(found, key=len, reverse=True)))  # fmt: skip


def redact(text: str, channels: Iterable[Channel]) -> str:
    """``text`` with every channel URL replaced by its masked form and every secret by ****."""
    for channel in channels:
        text = text.replace(channel.url, channel.display)
        for secret in channel.secrets:
            text = text.replace(secret, "****")
    return text


def _expand(value: str, env: Mapping[str, str], where: str) -> tuple[str, list[str]]:
    used: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in env:
            used.append(env[name])
            return env[name]
        if default is not None:
            return default
        raise AlertsConfigError(f"{where}: environment variable {name} is not set")

    return _VAR.sub(sub, value), used


def _split_urls(value: str) -> list[str]:
    return [u for u in re.split(r"[\s,]+", value.strip()) if u]


def _channels(urls: list[str], env: Mapping[str, str], where: str) -> list[Channel]:
    import apprise

    result: dict[str, Channel] = {}
    for i, raw in enumerate(urls):
        url, used = _expand(raw, env, f"{where}[{i}]")
        if not apprise.Apprise.instantiate(url, suppress_exceptions=True):
            shown = redact(raw, [make_channel(url, used)])
            raise AlertsConfigError(f"{where}[{i}]: not a valid apprise URL: {shown}")
        channel = make_channel(url, used)
        result.setdefault(channel.id, channel)
    return list(result.values())


def load_alerts_config(
    path: str | Path | None,
    alert_urls: str = "",
    operator_urls: str = "",
    env: Mapping[str, str] | None = None,
) -> AlertsConfig:
    """The alerts config from ``path`` (a missing file means the defaults) plus channel URLs
    from the environment. Raises :class:`AlertsConfigError` with a one-line message."""
    env = os.environ if env is None else env
    where = str(path) if path else "alerts config"
    data: Any = {}
    if path and Path(path).is_file():
        try:
            data = yamlfile.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise AlertsConfigError(
                f"{where}:{line} not valid YAML: {getattr(exc, 'problem', exc)}"
            ) from None
        if not isinstance(data, dict):
            raise AlertsConfigError(f"{where}: expected a mapping (window_days, rules, channels, ...)")
    try:
        parsed = AlertsFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise AlertsConfigError(f"{where}: {loc}: {first['msg']}") from None
    channels = _channels(parsed.channels, env, f"{where}: channels")
    channels += _channels(_split_urls(alert_urls), env, "NEWSMON_ALERT_URLS")
    operator = _channels(parsed.operator, env, f"{where}: operator")
    operator += _channels(_split_urls(operator_urls), env, "NEWSMON_OPERATOR_URLS")
    return AlertsConfig(
        parsed.window_days,
        parsed.rules,
        list({c.id: c for c in channels}.values()),
        list({c.id: c for c in operator}.values()),
        parsed.retry,
        parsed.health,
        str(path) if path else None,
        parsed.digest,
    )


# --- which events alert ----------------------------------------------------------------


def _event_text(session: Session, event: Event) -> str:
    parts = [event.title or ""]
    for article in repo.event_articles(session, event.id):
        parts += [article.title or "", article.text or ""]
    return fold(" ".join(parts))


def rule_matches(session: Session, event: Event, rule: Rule) -> bool:
    if rule.type and event.type not in rule.type:
        return False
    if rule.topics and not set(rule.topics) & set(event.topics or []):
        return False
    if rule.provinces:
        places = {fold(p) for p in (event.province, event.province_2025) if p}
        if not places & {fold(p) for p in rule.provinces}:
            return False
    if rule.keywords:
        text = _event_text(session, event)
        if not any(fold(k) in text for k in rule.keywords):
            return False
    return True


def reference_date(session: Session, event: Event) -> datetime | None:
    """The date held, or else the earliest report's publication: what the window counts from."""
    if event.date_held:
        return datetime.combine(event.date_held, datetime.min.time(), VN)
    published = [a.published_at for a in repo.event_articles(session, event.id) if a.published_at]
    return min(published) if published else None


def within_window(session: Session, event: Event, window_days: float) -> bool:
    """Only events first seen within ``window_days`` of their date alert: a first crawl or a
    backfill of old articles creates many events and must not flood anyone."""
    ref = reference_date(session, event)
    seen = event.first_seen_at or utcnow()
    return ref is not None and seen - ref <= timedelta(days=window_days)


def queue_event_alerts(session: Session, event_id: int, config: AlertsConfig) -> int:
    """Write a pending alert per channel for a new event that matches a rule and the window.

    Call it in the transaction that created the event. Events outside the window or
    matching no rule get no row at all. Returns the number of rows written.
    """
    if not config.channels or config.digest:
        return 0
    event = session.get(Event, event_id)
    if event is None or not any(rule_matches(session, event, r) for r in config.rules):
        return 0
    if not within_window(session, event, config.window_days):
        logger.info("event %s is older than the %s-day alert window: no alert", event_id, config.window_days)
        return 0
    rows = [
        {"key": f"event:{event_id}", "channel": c.id, "channel_display": c.display, "kind": "new_event",
         "event_id": event_id}
        for c in config.channels
    ]  # fmt: skip
    return repo.add_alerts(session, rows)


def queue_message(
    session: Session,
    key: str,
    kind: str,
    channels: Iterable[Channel],
    title: str,
    body: str,
    source_id: str | None = None,
) -> int:
    """Queue a health, digest or test message to ``channels`` (once per key and channel)."""
    rows = [
        {"key": key, "channel": c.id, "channel_display": c.display, "kind": kind, "source_id": source_id,
         "payload": {"title": title, "body": body}}
        for c in channels
    ]  # fmt: skip
    return repo.add_alerts(session, rows)


# --- the message ---------------------------------------------------------------------

_TYPE_NAMES = {
    "training_conference": "Hội nghị tập huấn / Training conference",
    "other_conference": "Hội nghị / Conference",
    "seminar": "Hội thảo / Seminar",
    "dialogue": "Đối thoại / Dialogue",
    "award": "Giải thưởng / Award",
}


def event_message(session: Session, event: Event) -> tuple[str, str]:
    """Title and plain-text body, in Vietnamese with English labels."""
    kind = _TYPE_NAMES.get(event.type, event.type)
    title = f"[newsmon] {kind.split(' / ')[0]} mới / New {event.type.replace('_', ' ')}: {event.title or '-'}"
    place = event.province or "-"
    if event.province_2025:
        place += f" (đơn vị 2025 / 2025 unit: {event.province_2025})"
    reports = repo.event_articles(session, event.id)
    lines = [
        f"Sự kiện / Event: {event.title or '-'}",
        f"Loại / Type: {kind} [{event.type}]" + (f" — {', '.join(event.topics)}" if event.topics else ""),
        f"Ngày tổ chức / Date held: {event.date_held.isoformat() if event.date_held else 'chưa rõ / unknown'}",
        f"Địa điểm / Place: {place}",
        f"Đơn vị tổ chức / Organisers: {'; '.join(event.organizers or []) or '-'}",
        f"Người tham dự / Participants: {event.participants if event.participants is not None else '-'}",
        f"Bài viết / Reports ({len(reports)}):",
    ]
    for a in reports:
        when = a.published_at.astimezone(VN).strftime("%Y-%m-%d") if a.published_at else "?"
        lines.append(f"- {a.title or a.url} ({a.source_id or '-'}, {when})\n  {a.url}")
    lines.append(f"newsmon event #{event.id}")
    return title, "\n".join(lines)


# --- delivery ------------------------------------------------------------------------


class _Capture(logging.Handler):
    """Collects apprise's warnings and errors during one send: the reason a send failed.
    (Apprise may send from a worker thread, so this takes every record; sends are serial.)"""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _RedactFilter(logging.Filter):
    def __init__(self, channels: Iterable[Channel]) -> None:
        super().__init__()
        self.channels = list(channels)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), self.channels), None
        return True


@contextmanager
def _apprise_logging(channels: Iterable[Channel]) -> Iterator[_Capture]:
    """Apprise logs through the ``apprise`` logger: capture its errors, mask its secrets."""
    log = logging.getLogger("apprise")
    capture, redactor = _Capture(), _RedactFilter(channels)
    log.addHandler(capture)
    log.addFilter(redactor)
    try:
        yield capture
    finally:
        log.removeHandler(capture)
        log.removeFilter(redactor)


def send(channel: Channel, title: str, body: str, all_channels: Iterable[Channel] = ()) -> str | None:
    """Send one message to one channel; None on success, else the (masked) reason."""
    import apprise

    known = [channel, *all_channels]
    app = apprise.Apprise()
    app.add(channel.url)
    with _apprise_logging(known) as capture:
        try:
            ok = app.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        except Exception as exc:  # a plugin bug must not stop the other channels
            ok = False
            capture.messages.append(f"{type(exc).__name__}: {exc}")
    if ok:
        return None
    return redact("; ".join(capture.messages[-3:]) or "delivery failed", known)[:1000]


def backoff(config: AlertsConfig, attempts: int) -> timedelta:
    seconds = config.retry.backoff_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config.retry.backoff_max_seconds))


def _claim(sessions: sessionmaker[Session], alert_id: int, now: datetime) -> bool:
    with session_scope(sessions) as session:
        result = session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.status == "pending")
            .values(status="sending", next_attempt_at=now)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def _message(session: Session, alert: Alert) -> tuple[str, str] | None:
    if alert.kind == "new_event":
        event = session.get(Event, alert.event_id) if alert.event_id else None
        if event is None:
            return None
        title, body = event_message(session, event)
        follows = (alert.payload or {}).get("follows")  # a subscription's: what it follows
        return title, f"Theo dõi / Following: {follows}\n{body}" if follows else body
    payload = alert.payload or {}
    return str(payload.get("title", "newsmon")), str(payload.get("body", ""))


SUBSCRIPTION = "sub:"  # the channel of a user's subscription: ``sub:<subscriptions.id>``


def subscription_channel(session: Session, alert: Alert) -> tuple[Channel | None, str]:
    """The channel of a subscription's alert (its user's URL, read now), or None and why not:
    deleted, disabled, its user disabled, or made after the row (a reused id)."""
    number = alert.channel.removeprefix(SUBSCRIPTION)
    sub = session.get(Subscription, int(number)) if number.isdigit() else None
    if sub is None or (alert.created_at and sub.created_at and alert.created_at < sub.created_at):
        return None, "subscription deleted"
    if not sub.enabled:
        return None, "subscription disabled"
    user = session.get(User, sub.user_id)
    if user is None or user.disabled:
        return None, "user disabled"
    return replace(make_channel(sub.url), id=alert.channel), ""


def deliver_pending(
    sessions: sessionmaker[Session], config: AlertsConfig, now: datetime | None = None
) -> Counter[str]:
    """Send every due pending alert once; returns counts by outcome (sent, retry, failed, skipped).

    Each row is claimed in its own transaction before sending and settled after, so a
    crash leaves at most the row being sent in ``sending``; it goes back to pending after
    ``STALE_SENDING`` (a send may then repeat: at-least-once for that single row).
    """
    now = now or utcnow()
    counts: Counter[str] = Counter()
    channels = config.all_channels()
    with session_scope(sessions) as session:
        session.execute(
            update(Alert)
            .where(Alert.status == "sending", Alert.next_attempt_at < now - STALE_SENDING)
            .values(status="pending")
        )
        due = repo.due_alerts(session, now)
    for alert_id in due:
        if not _claim(sessions, alert_id, now):
            continue  # another sender has it
        with session_scope(sessions) as session:
            alert = session.get(Alert, alert_id)
            assert alert is not None
            if alert.channel.startswith(SUBSCRIPTION):
                channel, reason = subscription_channel(session, alert)
            else:
                channel, reason = channels.get(alert.channel), "channel no longer configured"
            message = _message(session, alert)
            if channel is None or message is None:
                alert.status = "skipped"
                alert.last_error = reason if channel is None else "event no longer exists"
                counts["skipped"] += 1
                logger.info("alert %s (%s) skipped: %s", alert.id, alert.key, alert.last_error)
                continue
            error = send(channel, *message, all_channels=channels.values())
            alert.attempts += 1
            if error is None:
                alert.status, alert.sent_at, alert.last_error = "sent", utcnow(), None
                counts["sent"] += 1
                logger.info("alert %s (%s) sent to %s", alert.id, alert.key, channel.display)
            elif alert.attempts >= config.retry.max_attempts:
                alert.status, alert.last_error = "failed", error
                counts["failed"] += 1
                logger.error(
                    "alert %s (%s) to %s failed after %d attempts: %s",
                    alert.id, alert.key, channel.display, alert.attempts, error,
                )  # fmt: skip
            else:
                alert.status, alert.last_error = "pending", error
                alert.next_attempt_at = now + backoff(config, alert.attempts)
                counts["retry"] += 1
                logger.warning(
                    "alert %s to %s failed (attempt %d), retrying after %s: %s",
                    alert.id, channel.display, alert.attempts, alert.next_attempt_at.isoformat(), error,
                )  # fmt: skip
    return counts


def queue_digest(
    sessions: sessionmaker[Session], config: AlertsConfig, now: datetime | None = None, hours: int = 24
) -> int:
    """Queue one digest per channel of the alerting events first seen in the last ``hours``
    (once per day: the key is the local date). Returns the number of events in it."""
    now = now or utcnow()
    with session_scope(sessions) as session:
        stmt = select(Event).where(
            Event.first_seen_at >= now - timedelta(hours=hours), Event.first_seen_at < now
        )
        events = [
            e for e in session.scalars(stmt.order_by(Event.date_held.desc().nulls_last(), Event.id))
            if any(rule_matches(session, e, r) for r in config.rules)
            and within_window(session, e, config.window_days)
        ]  # fmt: skip
        if not events or not config.channels:
            return len(events)
        day = now.astimezone(VN).date().isoformat()
        title = f"[newsmon] Tổng hợp ngày {day} / Daily digest: {len(events)} sự kiện / event(s)"
        body = "\n\n".join(event_message(session, e)[1] for e in events)
        queue_message(session, f"digest:{day}", "digest", config.channels, title, body)
    return len(events)


def send_test(config: AlertsConfig) -> list[tuple[Channel, str | None]]:
    """Send a test message to every channel (alert and operator); (channel, error or None) each."""
    title = "[newsmon] Tin thử / Test message"
    body = (
        "Đây là tin thử của newsmon: kênh này sẽ nhận cảnh báo.\n"
        "This is a newsmon test message: this channel will receive alerts."
    )
    channels = list(config.all_channels().values())
    return [(c, send(c, title, body, channels)) for c in channels]


def alert_rows(session: Session, status: str | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
    """Alerts for listing; only masked channel forms and masked errors."""
    stmt = select(Alert).order_by(Alert.id.desc())
    if status:
        stmt = stmt.where(Alert.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [
        {"id": a.id, "kind": a.kind, "key": a.key, "event_id": a.event_id, "source_id": a.source_id,
         "channel": a.channel_display, "status": a.status, "attempts": a.attempts,
         "created": a.created_at.isoformat() if a.created_at else None,
         "sent": a.sent_at.isoformat() if a.sent_at else None,
         "next_attempt": a.next_attempt_at.isoformat() if a.next_attempt_at and a.status == "pending" else None,
         "error": a.last_error}
        for a in session.scalars(stmt)
    ]  # fmt: skip
