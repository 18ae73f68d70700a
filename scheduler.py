"""Scheduled crawls: one APScheduler 3 job per enabled source in sources.yaml.

Each crawl runs as a subprocess (``newsmon crawl ID``) with a timeout: Twisted's reactor
cannot restart inside one process, and a crashed crawl must not take the scheduler down.
Jobs live in the database (``apscheduler_jobs``), so a restart after downtime runs each
overdue job once (``coalesce``) instead of forgetting it or running it for every missed
slot. Jobs are reconciled with the registry at start-up: added, changed, removed.

This module never imports a spider.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsmon.processes import FORCE_BACKSTOP, STOP_GRACE, StopSignals, pid_alive
from pipeline.sources import Registry, Source, parse_duration

logger = logging.getLogger(__name__)

TIMEZONE = "Asia/Ho_Chi_Minh"
JOB_PREFIX = "crawl:"

# How long the crawls get after SIGTERM: their own stop grace, their forced exit, a margin;
# then they are killed and their runs marked here. The scheduler itself is gone within
# STOP_SECONDS of the signal (the bound is 10 s).
CHILD_GRACE = STOP_GRACE + FORCE_BACKSTOP + 1.0
STOP_SECONDS = CHILD_GRACE + 1.5

_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()
_stopping = threading.Event()  # set when the scheduler stops: no job starts a crawl after it


def crawl_job(source_id: str, database_url: str, sources_path: str, timeout: float) -> int:
    """Run one source's crawl in a subprocess; a module-level function so the job store can
    reference it by name. On timeout the crawl is asked to stop (SIGTERM: Scrapy closes the
    spider, which records the run as interrupted), then killed. With REDIS_URL set the crawl
    is only queued for `newsmon worker`s (see enqueue_job)."""
    import newsmon.settings as config

    if config.REDIS_URL:
        return enqueue_job(source_id, database_url, sources_path)
    if _running_elsewhere(database_url, source_id):
        logger.warning(
            "crawl of %s skipped: a crawl of it is still running (started outside this job)", source_id
        )
        return -1
    cmd = [sys.executable, "-m", "newsmon", "--database", database_url, "--sources", sources_path,
           "crawl", source_id, "--trigger", "scheduler"]  # fmt: skip
    with _children_lock:  # under the lock: stop_children sees every crawl started before it
        if _stopping.is_set():
            logger.info("crawl of %s not started: the scheduler is stopping", source_id)
            return -1
        logger.info("starting crawl of %s", source_id)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _children.add(proc)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.warning("crawl of %s exceeded %.0fs; stopping it", source_id, timeout)
        code = _stop(proc)
        if code == -signal.SIGKILL:
            mark_dead_runs(database_url)
    finally:
        with _children_lock:
            _children.discard(proc)
    logger.info("crawl of %s ended with exit status %s", source_id, code)
    return code


def enqueue_job(source_id: str, database_url: str, sources_path: str, timeout: float = 300) -> int:
    """Queue one source's crawl in Redis (``newsmon crawl ID --distributed``) for the workers
    to fetch; a source whose last crawl is still queued is skipped by the command itself."""
    cmd = [sys.executable, "-m", "newsmon", "--database", database_url, "--sources", sources_path,
           "crawl", source_id, "--distributed"]  # fmt: skip
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.error("queueing the crawl of %s took longer than %.0fs", source_id, timeout)
        return -1
    if result.returncode == 0:
        logger.info("crawl of %s: %s", source_id, result.stdout.strip())
    else:
        logger.error("crawl of %s not queued: %s", source_id, result.stderr.strip()[-500:])
    return result.returncode


def _running_elsewhere(database_url: str, source_id: str) -> bool:
    """A live crawl of this source on this host (a crawl orphaned by a killed scheduler, or
    one started by hand): max_instances only knows this process's own jobs."""
    from sqlalchemy import select

    from storage.db import make_engine, session_factory, session_scope
    from storage.models import CrawlRun

    engine = make_engine(database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            rows = session.execute(
                select(CrawlRun.pid).where(
                    CrawlRun.source_id == source_id,
                    CrawlRun.status == "running",
                    CrawlRun.hostname == socket.gethostname(),
                )
            ).all()
    finally:
        engine.dispose()
    return any(pid and pid_alive(pid) for (pid,) in rows)


def mark_dead_runs(database_url: str) -> int:
    """Mark the runs of crawls that died on this host (killed after their grace) interrupted
    now, not at the next crawl of the source."""
    from storage import repository as repo
    from storage.db import make_engine, session_factory, session_scope

    engine = make_engine(database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            return repo.mark_stale_runs(session, socket.gethostname(), pid_alive)
    finally:
        engine.dispose()


def _stop(proc: subprocess.Popen[bytes], grace: float = CHILD_GRACE) -> int:
    """SIGTERM, then SIGKILL after ``grace``: a crawl stops itself within seconds (its runs
    marked interrupted, what it stored kept), so the kill is for a crawl that hangs."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def stop_children(grace: float = CHILD_GRACE) -> list[int]:
    """Ask every running crawl to finish (SIGTERM to all at once), kill those that outlive
    ``grace`` (counted from the signal, for all together); returns the pids killed. No job
    starts a crawl once this has begun."""
    with _children_lock:
        _stopping.set()
        running = list(_children)
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    killed = []
    for proc in running:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("crawl (pid %s) still running after %.0fs: killing it", proc.pid, grace)
            proc.kill()
            proc.wait()
            killed.append(proc.pid)
    return killed


def kill_children() -> None:
    """SIGKILL every running crawl (the scheduler is forced out)."""
    with _children_lock:
        _stopping.set()
        running = list(_children)
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    for proc in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)


def _maintenance_context(database_url: str) -> tuple[Any, Any]:
    import newsmon.settings as config
    from newsmon.services.alerts import load_alerts_config
    from storage.db import make_engine, session_factory

    alerts = load_alerts_config(
        config.NEWSMON_ALERTS, config.NEWSMON_ALERT_URLS, config.NEWSMON_OPERATOR_URLS
    )
    return session_factory(make_engine(database_url)), alerts


def alerts_job(database_url: str) -> None:
    """Send due alerts: new ones a crawl could not send, and retries after their backoff."""
    from newsmon.services.alerts import deliver_pending

    sessions, alerts = _maintenance_context(database_url)
    counts = deliver_pending(sessions, alerts)
    if counts:
        logger.info("alerts: %s", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))


def health_job(database_url: str, sources_path: str) -> None:
    """Check every enabled source's health; tell the operator about new problems once."""
    from newsmon.services.alerts import deliver_pending
    from newsmon.services.health import check_health
    from pipeline.sources import load_registry

    sessions, alerts = _maintenance_context(database_url)
    problems = check_health(sessions, [s.id for s in load_registry(sources_path).enabled()], alerts)
    for problem in problems:
        logger.warning("source health: %s: %s: %s", problem.source_id, problem.kind, problem.detail)
    deliver_pending(sessions, alerts)


def digest_job(database_url: str) -> None:
    """Queue and send the daily digests: the global one (when `digest: true` in the alerts
    config) and one per digest subscription that has new events."""
    from newsmon.services.alerts import deliver_pending, queue_digest
    from newsmon.services.subscriptions import queue_subscription_digests

    sessions, alerts = _maintenance_context(database_url)
    if alerts.digest:
        queue_digest(sessions, alerts)
    if queue_subscription_digests(sessions) or alerts.digest:
        deliver_pending(sessions, alerts)


@dataclass(frozen=True)
class JobSpec:
    """The schedule of one source, in a form that can be compared with the stored job."""

    source_id: str
    trigger: str  # "interval" | "cron"
    every_seconds: int | None
    cron: str | None
    jitter_seconds: int

    @classmethod
    def for_source(cls, source: Source) -> JobSpec:
        sched = source.schedule
        every = int(parse_duration(sched.every).total_seconds()) if sched.every else None
        return cls(source.id, "interval" if every else "cron", every, sched.cron,
                   int(parse_duration(sched.jitter).total_seconds()))  # fmt: skip

    @property
    def job_id(self) -> str:
        return JOB_PREFIX + self.source_id

    @property
    def name(self) -> str:
        when = f"every {self.every_seconds}s" if self.every_seconds else f"cron {self.cron}"
        return f"crawl {self.source_id} ({when}, jitter {self.jitter_seconds}s)"

    def make_trigger(self) -> Any:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.every_seconds:
            return IntervalTrigger(
                seconds=self.every_seconds, jitter=self.jitter_seconds or None, timezone=TIMEZONE
            )
        return CronTrigger.from_crontab(self.cron, timezone=TIMEZONE)


def build_scheduler(database_url: str, max_concurrent: int = 2, misfire_grace: int = 6 * 3600) -> Any:
    """An APScheduler 3 background scheduler with its job store in the newsmon database."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from storage.db import make_engine

    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(database_url))},
        # The pool size is the global cap on concurrent crawls.
        executors={"default": ThreadPoolExecutor(max_workers=max_concurrent)},
        job_defaults={
            # After downtime, run an overdue crawl once, not once per missed slot...
            "coalesce": True,
            # ...never two crawls of one source at once...
            "max_instances": 1,
            # ...and still run it if the scheduler was down for hours (a crawl is
            # incremental, so a late one loses nothing).
            "misfire_grace_time": misfire_grace,
        },
        timezone=TIMEZONE,
    )


def reconcile(
    scheduler: Any, registry: Registry, database_url: str, sources_path: str, timeout: float
) -> dict[str, list[str]]:
    """Make the stored jobs match the registry; unchanged jobs keep their next run time."""
    wanted = {spec.job_id: spec for spec in (JobSpec.for_source(s) for s in registry.enabled())}

    def kwargs(spec: JobSpec) -> dict[str, Any]:
        return {"source_id": spec.source_id, "database_url": database_url, "sources_path": sources_path,
                "timeout": timeout}  # fmt: skip

    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": [], "kept": []}
    for job in scheduler.get_jobs():
        if not job.id.startswith(JOB_PREFIX):
            continue
        spec = wanted.get(job.id)
        if spec is None:
            scheduler.remove_job(job.id)
            changes["removed"].append(job.id)
        elif job.name != spec.name or job.kwargs != kwargs(spec):
            scheduler.remove_job(job.id)
            changes["changed"].append(job.id)
        else:
            changes["kept"].append(job.id)
            del wanted[job.id]
    for spec in wanted.values():
        scheduler.add_job(crawl_job, spec.make_trigger(), id=spec.job_id, name=spec.name, kwargs=kwargs(spec))
        if spec.job_id not in changes["changed"]:
            changes["added"].append(spec.job_id)
    _add_maintenance_jobs(scheduler, database_url, sources_path)
    return changes


def _add_maintenance_jobs(scheduler: Any, database_url: str, sources_path: str) -> None:
    """Alert delivery and retries every minute, source health hourly, the digest daily."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    jobs = [
        ("maintenance:alerts", alerts_job, IntervalTrigger(minutes=1, timezone=TIMEZONE), {}),
        (
            "maintenance:health",
            health_job,
            IntervalTrigger(hours=1, timezone=TIMEZONE),
            {"sources_path": sources_path},
        ),
        ("maintenance:digest", digest_job, CronTrigger(hour=7, minute=0, timezone=TIMEZONE), {}),
    ]
    for job_id, func, trigger, extra in jobs:
        scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True,
                          kwargs={"database_url": database_url, **extra})  # fmt: skip


def run(
    registry: Registry,
    database_url: str,
    sources_path: str,
    max_concurrent: int = 2,
    timeout: float = 3600,
    on_ready: Callable[[Any], None] | None = None,
) -> None:
    """Reconcile the jobs and run the scheduler until SIGTERM or SIGINT.

    The first signal: no new job starts, the running crawls get SIGTERM and
    :data:`CHILD_GRACE` seconds (then SIGKILL, their runs marked here), and the scheduler
    exits 0. A second signal kills the crawls, marks their runs and exits 128 + the signal.
    The crawls share the scheduler's process group: a terminal's Ctrl-C reaches them too,
    and counts as one request with the scheduler's own SIGTERM (see newsmon.processes).
    """
    stop = threading.Event()

    def force(_signum: int, _code: int) -> None:
        kill_children()
        mark_dead_runs(database_url)

    # Installed first: a signal during start-up stops the scheduler as well.
    StopSignals(lambda _signum: stop.set(), force, grace=STOP_SECONDS).install()
    scheduler = build_scheduler(database_url, max_concurrent)
    # Start paused so that no job fires while the job list is being reconciled.
    scheduler.start(paused=True)
    changes = reconcile(scheduler, registry, database_url, sources_path, timeout)
    logger.info("jobs: %s", ", ".join(f"{k} {len(v)}" for k, v in changes.items()))
    if on_ready:
        on_ready(scheduler)
    if not stop.is_set():
        scheduler.resume()
    while not stop.wait(1.0):
        pass
    scheduler.pause()  # no new crawl from now on
    if stop_children():
        mark_dead_runs(database_url)
    # Not scheduler.shutdown(): APScheduler 3 wakes its thread after shutting the executor
    # down, and it then fails to submit every due job ("cannot schedule new futures after
    # shutdown") and moves their next run on. Paused, its daemon thread does nothing; the
    # jobs are in the database already. A maintenance job still running holds the exit at
    # most until the stop grace of the signal handling runs out.
    logger.info("scheduler stopped")
