"""``newsmon eval``, ``schedule``, ``serve``, ``db`` and ``demo``."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import click
from rich.table import Table

import newsmon.settings as config
from newsmon.cli.app import Context, UsageError, err, fmt_dt, main, out, wrap_errors
from newsmon.cli.articles import article_row
from newsmon.cli.crawl import print_runs
from newsmon.cli.evalreport import build_model_report, corrections_report, print_report
from newsmon.crawl.runner import run_crawls
from pipeline.evaluate.cases import SPLITS
from pipeline.sources import RegistryError
from storage import repository as repo
from storage.db import make_engine, session_scope, upgrade


@main.command("eval")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--study/--no-study", default=True, show_default=True,
              help="Also score the study set of real reports (when its texts are cached).")  # fmt: skip
@click.option("--split", type=click.Choice(["all", *SPLITS]), default="all", show_default=True,
              help="Which part of the study set: the part rules are tuned on, the held-back part, or both.")  # fmt: skip
@click.option("--study-labels", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Study-set labels (default: bench/study/labels.jsonl).")  # fmt: skip
@click.option("--study-cache", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              envvar="NEWSMON_STUDY_CACHE", help="Cached texts (env NEWSMON_STUDY_CACHE; default: .cache/study/texts.jsonl).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--errors/--no-errors", default=True, help="List the cases behind each miss.")
@click.option("--corrections", "use_corrections", is_flag=True,
              help="Score the rules against the analysts' corrections in the database instead.")  # fmt: skip
@click.option("--export-cases", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="With --corrections: also write the corrected articles as labelled cases (YAML).")  # fmt: skip
@click.option("--build-model", is_flag=True,
              help="Fit the learned second stage on the study set's tuning part, compare it with the rules on "
                   "the held-back part, and write pipeline/classify/rules/model.json (on only if it beats them).")  # fmt: skip
@click.pass_obj
def eval_command(obj: Context, paths: tuple[Path, ...], study: bool, split: str, study_labels: Path | None,
                 study_cache: Path | None, fmt: str, errors: bool, use_corrections: bool, export_cases: Path | None,
                 build_model: bool) -> None:  # fmt: skip
    """Score detection (by language), event fields, clustering and near-duplicates on labelled
    cases: the project's own-words cases (or PATHS) and the study set's two parts."""
    from newsmon.services.evaluate import evaluate_sets

    labels = study_labels or config.PROJECT_DIR / "bench" / "study" / "labels.jsonl"
    cache = study_cache or config.PROJECT_DIR / ".cache" / "study" / "texts.jsonl"
    if export_cases and not use_corrections:
        raise UsageError("--export-cases goes with --corrections")
    if use_corrections:
        corrections_report(obj.sessions, fmt, errors, export_cases)
        return
    if build_model:
        build_model_report(labels, cache, fmt)
        return
    use_study = study and labels.exists()
    if use_study and not cache.exists():
        err.print(f"study set: no cached texts at {cache} (bench/study/README.md says how to build them); "
                  "scoring the own-words cases only")  # fmt: skip
        use_study = False
    try:
        registry = obj.registry if use_study else None
    except RegistryError:
        registry = None  # no registry: study pages get no outlet province
    try:
        reports = evaluate_sets(
            paths or [config.PROJECT_DIR / "tests" / "fixtures" / "labelled"],
            labels if use_study else None,
            cache if use_study else None,
            SPLITS if split == "all" else (split,),
            registry,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if fmt == "json":
        out.print_json(json.dumps([r.as_dict() for r in reports], ensure_ascii=False))
        return
    for report in reports:
        print_report(report)
        if errors and report.errors:
            err.print(f"{len(report.errors)} miss(es) in {report.name}:")
            for line in report.errors:
                err.print(f"  {line}")


@main.command()
@click.option(
    "--max-concurrent",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Crawls running at the same time, all sources together.",
)
@click.option(
    "--timeout",
    type=click.IntRange(60),
    default=3600,
    show_default=True,
    help="Seconds before a crawl is stopped.",
)
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and their next run, then exit.")
@click.pass_obj
@wrap_errors
def schedule(obj: Context, max_concurrent: int, timeout: int, list_only: bool) -> None:
    """Run the scheduled crawls (one job per enabled source) until SIGTERM/SIGINT."""
    import scheduler as sched

    registry = obj.registry
    obj.sessions  # noqa: B018 - migrate before the job store touches the database

    def show(scheduler: Any) -> None:
        table = Table(title="scheduled jobs")
        for col in ("job", "schedule", "next run"):
            table.add_column(col)
        for job in scheduler.get_jobs():
            table.add_row(job.id, job.name, fmt_dt(job.next_run_time))
        err.print(table)

    if list_only:
        scheduler = sched.build_scheduler(obj.database_url, max_concurrent)
        scheduler.start(paused=True)
        sched.reconcile(scheduler, registry, obj.database_url, obj.sources_path, timeout)
        show(scheduler)
        scheduler.shutdown(wait=False)
        return
    logging.getLogger().setLevel(logging.INFO)
    sched.run(registry, obj.database_url, obj.sources_path, max_concurrent, timeout, on_ready=show)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port)."
)
@click.pass_obj
@wrap_errors
def serve(obj: Context, host: str, port: int) -> None:
    """Serve the web UI and the JSON API (read-only) until Ctrl-C or SIGTERM.

    Login: the users of `newsmon users` once one exists; else NEWSMON_WEB_TOKEN and/or
    NEWSMON_WEB_USER + NEWSMON_WEB_PASSWORD. A signal stops
    it within seconds (requests still running after that are cancelled), exit 0; a second
    signal forces the exit (128 + the signal)."""
    import socket

    import uvicorn

    from newsmon.crawl.distributed import queue_depths
    from newsmon.web.app import create_app
    from newsmon.web.auth import MaskTokenFilter

    obj.sessions  # noqa: B018 - migrate the schema first, as every command does
    user, password = config.NEWSMON_WEB_USER, config.NEWSMON_WEB_PASSWORD
    try:
        app = create_app(
            obj.database_url,
            token=config.NEWSMON_WEB_TOKEN,
            basic_auth=(user or "", password or "") if user or password else None,
            queue_depth=partial(queue_depths, config.REDIS_URL, [s.id for s in obj.registry.enabled()])
            if config.REDIS_URL
            else None,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port or --host"
        ) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    if host not in ("127.0.0.1", "localhost", "::1") and not (config.NEWSMON_WEB_TOKEN or user):
        err.print("warning: listening beyond this machine without a login; set NEWSMON_WEB_TOKEN")
    click.echo(f"newsmon web UI on {url} (API schema: {url}api/openapi.json); Ctrl-C to stop")
    sys.stdout.flush()
    from newsmon.processes import FORCE_BACKSTOP, STOP_GRACE, StopSignals

    class Server(uvicorn.Server):
        """uvicorn under newsmon's stop contract (newsmon.processes). uvicorn's own handling
        re-raises the signal after its shutdown (the process died of SIGTERM; a SIGINT ended
        in exit 1), forces only on a second SIGINT, and waits for slow requests forever."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            def stop(_signum: int) -> None:
                self.should_exit = True  # uvicorn's loop looks at it every tick

            # uvicorn cancels what still runs after STOP_GRACE; this backs it up.
            with StopSignals(stop, grace=STOP_GRACE + FORCE_BACKSTOP):
                yield

    config_ = uvicorn.Config(
        app, log_level="info", server_header=False, proxy_headers=False, timeout_graceful_shutdown=STOP_GRACE
    )
    server = Server(config_)
    logging.getLogger("uvicorn.access").addFilter(MaskTokenFilter())  # ?token= never reaches the log
    server.run(sockets=[sock])


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
@wrap_errors
def db_upgrade(obj: Context, revision: str) -> None:
    """Migrate the schema up (default: to the newest revision)."""
    from storage.db import current_revision

    engine = make_engine(obj.database_url)
    upgrade(engine, revision)
    out.print(f"database at revision {current_revision(engine)}")


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
@wrap_errors
def db_downgrade(obj: Context, revision: str) -> None:
    """Migrate the schema down to REVISION ('base' removes every table)."""
    from storage.db import current_revision, downgrade

    engine = make_engine(obj.database_url)
    downgrade(engine, revision)
    out.print(f"database at revision {current_revision(engine)}")


@main.command()
@click.option(
    "--port-base",
    type=click.IntRange(0, 65532),
    default=None,
    metavar="N",
    help="Serve the sample sites on ports N to N+3 (default: 8471 to 8474, the same every run, so that "
    "a second run is incremental; 0: any free ports, new URLs each run).",
)
@click.option("--serve", "keep_serving", is_flag=True, help="Keep serving the sample sites after the crawl.")
@click.pass_obj
@wrap_errors
def demo(obj: Context, port_base: int | None, keep_serving: bool) -> None:
    """Serve the bundled sample sites on 127.0.0.1, crawl them, and show what was stored.
    Exit 1 if fewer articles are stored than the sample sites hold."""
    import os

    sites = _start_sample_sites(port_base)
    try:
        os.environ.update(sites.env())
        obj.sources_path = config.NEWSMON_SAMPLE_SOURCES
        obj._registry = None
        err.print("sample sites: " + ", ".join(f"{k} {v}" for k, v in sites.urls.items()))
        ids = [s.id for s in obj.registry.enabled()]
        run_ids = run_crawls(obj, ids, notify=err.print, NEWSMON_TRIGGER="demo", **_LOOPBACK_SETTINGS)
        print_runs(obj, run_ids)
        stored, expected = _print_demo_summary(obj, ids, sites)
        if stored < expected:
            raise DemoFailed(
                f"{stored} of {expected} sample articles stored: {_shortfall_reason(obj, ids, run_ids)}; "
                "run `newsmon doctor` to check the installation"
            )
        if keep_serving:
            err.print("serving the sample sites; Ctrl-C to stop")
            import time

            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()


class DemoFailed(UsageError):
    """The demo ran but stored less than the sample sites hold: the installation is broken."""

    exit_code = 1


def _start_sample_sites(port_base: int | None) -> Any:
    """The sample sites on their fixed ports (the same URLs every run: the second crawl is
    incremental), on N to N+3, or on free ports (``port_base`` 0)."""
    from newsmon.sample_sites.server import DEFAULT_PORTS, PortUnavailable, SampleSites

    if port_base is None:
        ports = dict(DEFAULT_PORTS)
    else:
        ports = {site: port_base + i if port_base else 0 for i, site in enumerate(DEFAULT_PORTS)}
    try:
        return SampleSites(ports=ports).start()
    except PortUnavailable as exc:
        instead = (
            "pass --port-base N to use ports N to N+3" if port_base is None else "choose another --port-base"
        )
        raise UsageError(
            f"port {exc.port} for the sample site {exc.site} is busy ({exc.reason}): "
            f"stop the program using it, or {instead}"
        ) from None


# Our own server on loopback: no politeness delays needed.
_LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "NEWSMON_RETRY_BACKOFF_BASE": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
}


def _print_demo_summary(obj: Context, source_ids: list[str], sites: Any) -> tuple[int, int]:
    """Show the sample articles stored (at this run's URLs) and the article pages this run
    downloaded; return (stored, held by the sample sites)."""
    from newsmon.sample_sites.server import catalog
    from pipeline.urls import canonical_url

    articles = catalog()
    expected = {canonical_url(sites.urls[a["site"]] + a["path"]) for a in articles}
    with session_scope(obj.sessions) as session:
        stored = [a for sid in source_ids for a in repo.list_articles(session, source_id=sid, limit=None)]
        rows = [article_row(a) for a in stored if a.canonical_url in expected]
    table = Table(title=f"{len(rows)} article(s) stored from the sample sites")
    for col in ("id", "published", "source", "lang", "title"):
        table.add_column(col, overflow="fold")
    for r in sorted(rows, key=lambda r: (r["source"] or "", r["published"] or "")):
        published = r["published"][:16].replace("T", " ") if r["published"] else "-"
        table.add_row(str(r["id"]), published, r["source"] or "-", r["language"] or "-", r["title"] or "-")
    out.print(table)
    pages = {(a["site"], a["path"]) for a in articles}
    fetched = sum((r.site, r.path) in pages for r in sites.requests)
    out.print(
        f"{fetched} article page(s) downloaded this run, {len(sites.requests) - fetched} other request(s) "
        "(robots.txt, feeds, sitemaps, listings)"
    )
    out.print(
        f"{len(rows)} of {len(expected)} sample articles stored; database: {_safe_url(obj.database_url)}"
    )
    return len(rows), len(expected)


def _shortfall_reason(obj: Context, source_ids: list[str], run_ids: list[int]) -> str:
    """Why articles are missing: crawls that did not run or had errors, broken libraries."""
    from newsmon.cli.doctor import FAIL, dependency_checks
    from storage.models import CrawlRun

    reasons = []
    with session_scope(obj.sessions) as session:
        runs = [r for r in (session.get(CrawlRun, rid) for rid in run_ids) if r is not None]
        for run in runs:
            errors = ", ".join(f"{k}={v}" for k, v in sorted((run.error_counts or {}).items()))
            if run.status != "finished" or errors:
                reasons.append(f"{run.source_id} {run.status}" + (f" ({errors})" if errors else ""))
    missing = sorted(set(source_ids) - {r.source_id for r in runs})
    if missing:
        reasons.append(f"no crawl ran for {', '.join(missing)} (it failed to start; see the log above)")
    reasons += [f"{c.detail} (fix: {c.fix})" for c in dependency_checks() if c.status == FAIL]
    return "; ".join(reasons) or "the crawls finished without errors but stored fewer articles"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
