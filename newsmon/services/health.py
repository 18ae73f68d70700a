"""Source health: is each source still producing articles, and should the operator hear?

A source that stops producing (nothing new for days), fails crawl after crawl, or whose
pages suddenly stop extracting (a site redesign breaks the template) needs a person. The
operator is told once per problem: the alert row's key holds the problem and when it
started, and stays open until the problem is gone, so an hourly check does not repeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from newsmon.services.alerts import AlertsConfig, queue_message
from storage import repository as repo
from storage.db import session_scope
from storage.models import utcnow

logger = logging.getLogger(__name__)
PROBLEMS = ("discovery", "silent", "failing", "extraction")
CONFIRMED, UNCONFIRMED, FAILING = "confirmed", "unconfirmed", "failing"


@dataclass
class Problem:
    source_id: str
    kind: str  # discovery | silent | failing | extraction
    detail: str


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def discovery_state(session: Session, source_id: str, statuses: list[str]) -> tuple[str, datetime | None]:
    """Whether a crawl has confirmed the source's discovery (stored pages), and since when.

    ``statuses``: the source's last run statuses, newest first (``repo.last_run_statuses``).
    ``confirmed``: a crawl stored pages and the last crawl did not fail; ``unconfirmed``: not
    crawled yet; ``failing``: the last crawl failed, or every crawl so far found nothing.
    """
    confirmed = repo.first_productive_run(session, source_id)
    if statuses and statuses[0] == "failed":
        return FAILING, confirmed
    if confirmed is not None:
        return CONFIRMED, confirmed
    return (FAILING if statuses else UNCONFIRMED), None


def source_status(session: Session, source_id: str, config: AlertsConfig, now: datetime) -> dict[str, Any]:
    """One source's health figures, for `newsmon sources status`."""
    raw = repo.source_health(session, source_id, now)
    h = config.health
    recent_start = now - timedelta(days=h.extraction_recent_days)
    processed, failed = repo.extraction_counts(session, source_id, recent_start, now)
    last_runs = repo.last_run_statuses(session, source_id, max(h.failed_runs, 5))
    discovery, confirmed_at = discovery_state(session, source_id, last_runs)
    return {
        "source": source_id,
        "discovery": discovery,
        "confirmed_at": confirmed_at,
        "last_success": raw["last_success"],
        "last_new_article": raw["last_new_article"],
        "first_run": raw["first_run"],
        "articles_per_week": raw["articles_per_week"],
        "runs": raw["runs"],
        "failed_runs": raw["failed_runs"],
        "run_error_rate": _rate(raw["failed_runs"], raw["runs"]),
        "requests": raw["requests"],
        "fetch_errors": raw["fetch_errors"],
        "fetch_error_rate": _rate(raw["fetch_errors"], raw["requests"]),
        "pages": processed,
        "extraction_failures": failed,
        "extraction_failure_rate": _rate(failed, processed),
        "last_runs": last_runs,
    }


def find_problems(session: Session, source_id: str, config: AlertsConfig, now: datetime) -> list[Problem]:
    """What is wrong with ``source_id`` now, by the thresholds in the config's ``health``."""
    h = config.health
    problems: list[Problem] = []
    raw = repo.source_health(session, source_id, now)
    statuses = repo.last_run_statuses(session, source_id, h.failed_runs)
    state, confirmed_at = discovery_state(session, source_id, statuses)
    new_and_failing = state == FAILING and confirmed_at is None and raw["last_new_article"] is None
    if raw["first_run"] is not None and not new_and_failing:
        last = raw["last_new_article"] or raw["first_run"]
        if now - last > timedelta(days=h.silent_days):
            problems.append(Problem(source_id, "silent", f"no new article since {last:%Y-%m-%d %H:%M} UTC"))
    if new_and_failing:
        # A new source that never worked is told at once, as one problem (not also "failing").
        problems.append(
            Problem(source_id, "discovery", "no crawl of this source has stored a page yet: check its "
                    "homepage and discovery URLs (newsmon sources check / sources discover)")
        )  # fmt: skip
    elif len(statuses) == h.failed_runs and all(s == "failed" for s in statuses):
        problems.append(Problem(source_id, "failing", f"the last {h.failed_runs} crawl(s) failed"))
    recent_start = now - timedelta(days=h.extraction_recent_days)
    base_start = recent_start - timedelta(days=h.extraction_baseline_days)
    recent = repo.extraction_counts(session, source_id, recent_start, now)
    base = repo.extraction_counts(session, source_id, base_start, recent_start)
    if recent[0] >= h.extraction_min_pages:
        recent_rate = recent[1] / recent[0]
        base_rate = base[1] / base[0] if base[0] else 0.0
        if recent_rate - base_rate >= h.extraction_jump:
            problems.append(
                Problem(source_id, "extraction",
                        f"extraction failed for {recent_rate:.0%} of pages in the last {h.extraction_recent_days} "
                        f"day(s), {base_rate:.0%} before: has the site's template changed?")
            )  # fmt: skip
    return problems


def _message(problem: Problem) -> tuple[str, str]:
    names = {
        "discovery": "Nguồn mới chưa có bài / New source has produced nothing",
        "silent": "Nguồn không có bài mới / Source silent",
        "failing": "Nguồn lỗi liên tiếp / Source failing",
        "extraction": "Trích xuất giảm / Extraction yield dropped",
    }
    title = f"[newsmon] {names[problem.kind]}: {problem.source_id}"
    body = (
        f"Nguồn / Source: {problem.source_id}\nVấn đề / Problem: {names[problem.kind]}\n{problem.detail}\n"
        f"Xem / See: newsmon sources status; newsmon runs --source {problem.source_id}"
    )
    return title, body


def check_health(
    sessions: sessionmaker[Session],
    source_ids: Iterable[str],
    config: AlertsConfig,
    now: datetime | None = None,
) -> list[Problem]:
    """Queue one operator alert per new problem; close problems that went away.

    Returns the problems found now (new or already reported). Deliver the queued alerts
    with :func:`newsmon.services.alerts.deliver_pending`.
    """
    now = now or utcnow()
    found: list[Problem] = []
    with session_scope(sessions) as session:
        for source_id in source_ids:
            current = {p.kind: p for p in find_problems(session, source_id, config, now)}
            found.extend(current.values())
            for kind in PROBLEMS:
                open_rows = repo.open_health_alerts(session, source_id, kind)
                if kind not in current:
                    for row in open_rows:
                        row.resolved_at = now  # recovered: a later relapse alerts again
                    continue
                if open_rows:
                    continue
                problem = current[kind]
                logger.warning("source %s: %s (%s)", source_id, kind, problem.detail)
                if config.operator:
                    queue_message(
                        session, f"health:{source_id}:{kind}:{now.isoformat()}", "health",
                        config.operator, *_message(problem), source_id=source_id,
                    )  # fmt: skip
    return found
