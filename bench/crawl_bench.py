"""Crawl benchmarks (not a test): what the network side of a crawl costs, and whether its memory stays bounded.

``sample``: the bundled sample sites (``sample_sites``, served here on 127.0.0.1) crawled end
to end by ``newsmon crawl --all`` in a subprocess, politeness off (no download delay, no
AutoThrottle, 16 requests per site), into a fresh temporary SQLite database; against the
offline pipeline on the same pages: the raw bodies the crawl stored, fed to the same store
function the crawl's item pipeline calls (``ArticleStore.ingest``: raw page, extraction,
article, classification, dedup, events) into another fresh database, without the network.
Repeated ``--repeat`` times; prints medians and the ratio crawl/offline, and what the crawl
does on top (requests by kind: robots.txt, feeds/sitemaps/listings, articles; process start).

``memory``: peak RSS of one ``newsmon crawl`` subprocess over a synthetic news site of
``--pages`` articles (``bench/synthetic_site.py``: listing pages of 50 links chained by a
pager, an RSS feed, 30-60 kB article pages generated on the fly), sampled every
``--interval`` seconds from /proc (the process and its children), with RSS at 10%, 50% and
100% of the articles served, so growth with the crawl is visible, and pages per second.

    python bench/crawl_bench.py sample                 # 3 repeats (about 1 minute)
    python bench/crawl_bench.py memory --pages 20000   # about 30 minutes on a busy 2-core machine
    python bench/crawl_bench.py memory --pages 100000  # the bounded-memory target: < 500 MB
    python bench/crawl_bench.py sample --repeat 1 --json   # one JSON object (for scripts/tests)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import newsmon.settings as config  # noqa: E402
from bench.synthetic_site import SyntheticSite  # noqa: E402
from newsmon.services.alerts import load_alerts_config  # noqa: E402
from newsmon.services.store import ArticleStore, page_from_row  # noqa: E402
from pipeline.sources import MAX_LISTING_PAGES, load_registry  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage.db import make_engine, session_factory, session_scope, upgrade  # noqa: E402
from storage.models import Article, CrawlRun  # noqa: E402
from storage.models import Page as PageRow  # noqa: E402

SAMPLE_SOURCES = ROOT / "newsmon" / "sample_sites" / "sources.yaml"
# Our own servers on loopback: no politeness needed, and more requests in flight.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "NEWSMON_RETRY_BACKOFF_BASE": "0.1",
    "DOWNLOAD_TIMEOUT": "30",
    "LOGSTATS_INTERVAL": "0",
}


def newsmon_command(db_url: str, sources: Path, *args: str) -> list[str]:
    """``newsmon crawl`` as a subprocess of this interpreter, with the loopback settings."""
    sets = [part for key, value in FAST.items() for part in ("--set", f"{key}={value}")]
    return [
        sys.executable,
        "-m",
        "newsmon",
        "--database",
        db_url,
        "--sources",
        str(sources),
        "crawl",
        *args,
        "--format",
        "json",
        *sets,
    ]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The crawl's environment: quiet logs, no alert channel from the caller's environment."""
    return {
        **os.environ,
        **(extra or {}),
        "NEWSMON_LOG_LEVEL": "WARNING",
        "NEWSMON_ALERT_URLS": "",
        "NEWSMON_OPERATOR_URLS": "",
        "PYTHONPATH": str(ROOT),
    }


def _span(summary: list[dict[str, Any]]) -> float:
    """Seconds from the first crawl run's start to the last one's end (crawl_runs rows)."""
    starts = [datetime.fromisoformat(r["started"]) for r in summary if r.get("started")]
    ends = [datetime.fromisoformat(r["finished"]) for r in summary if r.get("finished")]
    return (max(ends) - min(starts)).total_seconds() if starts and ends else float("nan")


# ------------------------------------------------------------------------------ sample


def _request_kinds(sites: Any, article_paths: set[tuple[str, str]]) -> dict[str, int]:
    kinds = {"robots": 0, "discovery": 0, "article": 0}
    for record in sites.requests:
        if record.path.split("?")[0] == "/robots.txt":
            kinds["robots"] += 1
        elif (record.site, record.path) in article_paths:
            kinds["article"] += 1
        else:
            kinds["discovery"] += 1
    return kinds


def offline_ingest(pages: list[Any], db_url: str, registry: Any) -> tuple[float, float, int]:
    """(seconds to ingest ``pages``, seconds the schema took, articles stored) on a fresh database."""
    started = time.perf_counter()
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with session_scope(sessions) as session:
        for source in registry.sources:
            repo.upsert_source(session, **source.row())
    schema = time.perf_counter() - started
    alerts = load_alerts_config(config.NEWSMON_ALERTS, "", "")
    store = ArticleStore(sessions, selectors_for=lambda sid: registry.get(sid).selectors(), alerts=alerts)
    started = time.perf_counter()
    for page in pages:
        store.ingest(page)
    elapsed = time.perf_counter() - started
    with session_scope(sessions) as session:
        stored = session.query(Article).count()
    engine.dispose()
    return elapsed, schema, stored


def run_sample(repeat: int, workdir: Path) -> dict[str, Any]:
    """Crawl the sample sites ``repeat`` times against the offline pipeline on the same pages."""
    from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog

    rows: list[dict[str, Any]] = []
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites:
        os.environ.update(sites.env())  # the sample registry expands these
        registry = load_registry(SAMPLE_SOURCES)
        article_paths = {(a["site"], a["path"]) for a in catalog()}
        for i in range(repeat):
            crawl_db = f"sqlite:///{workdir / f'crawl-{i}.db'}"
            sites.reset_log()
            started = time.perf_counter()
            result = subprocess.run(
                newsmon_command(crawl_db, SAMPLE_SOURCES, "--all"),
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=child_env(sites.env()),
                timeout=1200,
            )
            wall = time.perf_counter() - started
            if result.returncode != 0:
                raise SystemExit(f"newsmon crawl failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
            summary = json.loads(result.stdout)
            kinds = _request_kinds(sites, article_paths)
            engine = make_engine(crawl_db)
            with session_scope(session_factory(engine)) as session:
                pages = [page_from_row(row) for row in session.query(PageRow).order_by(PageRow.id)]
                crawled_articles = session.query(Article).count()
                stats = [run.stats or {} for run in session.query(CrawlRun)]
            engine.dispose()
            offline, schema, offline_articles = offline_ingest(
                pages, f"sqlite:///{workdir / f'offline-{i}.db'}", registry
            )
            rows.append(
                {
                    "crawl_wall_s": wall,
                    "crawl_span_s": _span(summary),
                    "offline_s": offline,
                    "offline_schema_s": schema,
                    "pages": len(pages),
                    "articles_crawl": crawled_articles,
                    "articles_offline": offline_articles,
                    "requests": sum(r["requests"] for r in summary),
                    "requests_by_kind": kinds,
                    "index_pages_read": sum(s.get("newsmon/index_pages_read", 0) for s in stats),
                    "bytes_received": sum(s.get("downloader/response_bytes", 0) for s in stats),
                }
            )
    med = {
        key: statistics.median(r[key] for r in rows) for key in ("crawl_wall_s", "crawl_span_s", "offline_s")
    }
    return {
        "mode": "sample",
        "repeat": repeat,
        "runs": rows,
        "median_crawl_wall_s": med["crawl_wall_s"],
        "median_crawl_span_s": med["crawl_span_s"],
        "median_offline_s": med["offline_s"],
        "ratio_wall_to_offline": med["crawl_wall_s"] / med["offline_s"],
        "ratio_span_to_offline": med["crawl_span_s"] / med["offline_s"],
        "pages": rows[-1]["pages"],
        "requests": rows[-1]["requests"],
        "requests_by_kind": rows[-1]["requests_by_kind"],
    }


def print_sample(result: dict[str, Any]) -> None:
    last = result["runs"][-1]
    kinds = result["requests_by_kind"]
    print(f"sample sites, {result['repeat']} run(s); medians:")
    print(
        f"  crawl (newsmon crawl --all, politeness off): {result['median_crawl_wall_s']:.2f} s wall, "
        f"{result['median_crawl_span_s']:.2f} s from the first crawl run's start to the last one's end"
    )
    print(
        f"  offline (ArticleStore.ingest of the same {result['pages']} raw pages, fresh database): "
        f"{result['median_offline_s']:.2f} s (+{last['offline_schema_s']:.2f} s creating the schema)"
    )
    print(
        f"  ratio crawl/offline: {result['ratio_wall_to_offline']:.2f} (wall), "
        f"{result['ratio_span_to_offline']:.2f} (crawl runs only)"
    )
    print(
        f"  the crawl made {result['requests']} requests for {result['pages']} pages: "
        f"{kinds['article']} article, {kinds['discovery']} discovery (feeds, sitemaps, listing pages; "
        f"{last['index_pages_read']} read), {kinds['robots']} robots.txt; "
        f"{last['bytes_received'] / 1e6:.1f} MB received; "
        f"process start and schema: {result['median_crawl_wall_s'] - result['median_crawl_span_s']:.2f} s"
    )
    print(f"  articles stored: crawl {last['articles_crawl']}, offline {last['articles_offline']}")


# ------------------------------------------------------------------------------ memory


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def tree_rss(pid: int) -> int:
    """Resident set size in bytes of ``pid`` and all its descendants (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
        todo.extend(_children(current))
    return total


SYNTHETIC_SOURCES = """\
sources:
  - id: synthetic
    name: "Báo Mẫu (synthetic, {pages} articles)"
    kind: national
    homepage: "{url}/"
    languages: [vi]
    allowed_domains: ["127.0.0.1"]
    enabled: true
    notes: "bench/synthetic_site.py: generated pages for the memory benchmark"
    discovery:
      feeds: ["{url}/rss.xml"]
      listings:
        - urls: ["{url}/tin-moi?trang=1"]
          article_pattern: '-post\\d+\\.html$'
          article_selector: "ul.news-list"
          max_pages: {listing_pages}
"""


def run_memory(pages: int, interval: float, workdir: Path) -> dict[str, Any]:
    """Crawl a synthetic site of ``pages`` articles; sample the crawl's RSS as it goes."""
    # (seconds, rss bytes, articles served, article links found but not yet served)
    samples: list[tuple[float, int, int, int]] = []
    # A listing is read to at most 1,000 pages (the registry's cap): big sites get longer pages.
    links_per_page = max(50, -(-pages // (MAX_LISTING_PAGES - 1)))
    with SyntheticSite(pages, links_per_page=links_per_page) as site:
        sources = workdir / "sources.yaml"
        sources.write_text(
            SYNTHETIC_SOURCES.format(pages=pages, url=site.url, listing_pages=site.listing_pages + 1),
            encoding="utf-8",
        )
        db_url = f"sqlite:///{workdir / 'memory.db'}"
        command = newsmon_command(db_url, sources, "synthetic", "--max-pages", str(site.listing_pages + 1))
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=child_env({"NEWSMON_DATA_DIR": str(workdir)}),
        )
        output: dict[str, str] = {}
        reader = threading.Thread(
            target=lambda: output.update(zip(("out", "err"), proc.communicate(), strict=True)), daemon=True
        )
        reader.start()
        last_report = started
        while proc.poll() is None:
            now = time.perf_counter() - started
            served = site.counts["article"]
            found = min(site.counts["listing"] * site.links_per_page, pages)
            samples.append((now, tree_rss(proc.pid), served, max(found - served, 0)))
            if now - (last_report - started) > 30:  # progress, for long runs
                last_report = time.perf_counter()
                print(
                    f"  {now:6.0f} s: {site.counts['article']}/{pages} articles, "
                    f"RSS {samples[-1][1] / 2**20:.0f} MB, {samples[-1][3]} found but not fetched yet",
                    file=sys.stderr,
                )
            time.sleep(interval)
        wall = time.perf_counter() - started
        reader.join()
        counts = dict(site.counts)
    (workdir / "crawl.log").write_text(output.get("err", ""), encoding="utf-8")  # kept by --keep
    if proc.returncode != 0:
        raise SystemExit(f"newsmon crawl failed (exit {proc.returncode}):\n{output.get('err', '')[-3000:]}")
    summary = json.loads(output["out"])
    engine = make_engine(db_url)
    with session_scope(session_factory(engine)) as session:
        stored = session.query(Article).count()
    engine.dispose()
    samples = [s for s in samples if s[1] > 0]
    peak = max(s[1] for s in samples)

    def rss_at(fraction: float) -> float | None:
        """RSS (MB) at the first sample where this fraction of the articles had been served
        (None: the crawl never got that far)."""
        wanted = fraction * pages
        for _, rss, served, _ in samples:
            if served >= wanted:
                return rss / 2**20
        return None

    first_article = next((t for t, _, served, _ in samples if served > 0), 0.0)
    crawl_time = _span(summary)
    return {
        "mode": "memory",
        "pages": pages,
        "articles_served": counts["article"],
        "articles_stored": stored,
        "requests_by_kind": counts,
        "wall_s": wall,
        "crawl_span_s": crawl_time,
        "pages_per_s": counts["article"] / max(wall - first_article, 1e-9),
        "peak_rss_mb": peak / 2**20,
        "rss_mb_at": {"10%": rss_at(0.1), "50%": rss_at(0.5), "100%": rss_at(1.0)},
        "samples": len(samples),
        # Links the listing had shown that were not fetched yet: what waits in the scheduler.
        "peak_waiting_requests": max(s[3] for s in samples),
        "status": [r["status"] for r in summary],
        "error_counts": [r.get("error_counts") or {} for r in summary],
        # Every article served and stored: otherwise the figures describe a smaller crawl.
        "complete": counts["article"] >= pages and stored >= pages,
    }


def print_memory(result: dict[str, Any]) -> None:
    at = result["rss_mb_at"]
    print(f"synthetic site, {result['pages']} articles, one newsmon crawl (politeness off):")
    print(
        f"  served {result['articles_served']} article pages, stored {result['articles_stored']} articles; "
        f"requests: {result['requests_by_kind']}; status {', '.join(result['status'])}"
    )
    print(
        f"  {result['wall_s']:.0f} s wall, {result['pages_per_s']:.1f} pages/s "
        f"(from the first article request to the end)"
    )
    shown = " / ".join("—" if at[k] is None else f"{at[k]:.0f}" for k in ("10%", "50%", "100%"))
    growth = f"{at['100%'] / at['10%']:.2f}" if at["10%"] and at["100%"] else "—"
    print(
        f"  peak RSS {result['peak_rss_mb']:.0f} MB; RSS at 10% / 50% / 100% of the articles: "
        f"{shown} MB (100%/10%: {growth}; {result['samples']} samples)"
    )
    print(
        f"  article links found on listing pages but not yet fetched (queued in the crawler): "
        f"at most {result['peak_waiting_requests']}"
    )
    if not result["complete"]:
        print(
            f"  INCOMPLETE: the crawl ended after {result['articles_served']} of {result['pages']} articles "
            f"(errors: {result['error_counts']}; its log: crawl.log, kept with --keep)"
        )


# ------------------------------------------------------------------------------ speed

SPEED_SOURCES = """\
sources:
  - id: synthetic
    name: "Báo Mẫu (synthetic, {pages} articles, {variant})"
    kind: national
    homepage: "{url}/"
    languages: [vi]
    allowed_domains: ["127.0.0.1"]
    enabled: true
    notes: "bench/synthetic_site.py: generated pages for the speed benchmark"
    discovery:
      sitemaps: ["{url}/sitemap.xml"]
      article_pattern: '-post\\d+\\.html$'
"""
BARE_SPIDER = ROOT / "bench" / "bare_spider.py"


def _run_measured(command: list[str], env: dict[str, str], interval: float = 0.1) -> dict[str, Any]:
    """Run ``command``; its wall time (to the moment it exits), peak RSS of its process tree,
    output and exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    output: dict[str, str] = {}
    reader = threading.Thread(
        target=lambda: output.update(zip(("out", "err"), proc.communicate(), strict=True)), daemon=True
    )
    reader.start()
    peak = 0
    while True:
        peak = max(peak, tree_rss(proc.pid))
        try:
            proc.wait(timeout=interval)
            break
        except subprocess.TimeoutExpired:
            continue
    ended = time.perf_counter()
    reader.join()
    return {
        "started": started,
        "ended": ended,
        "wall_s": ended - started,
        "peak_rss_mb": peak / 2**20,
        "returncode": proc.returncode,
        "out": output.get("out", ""),
        "err": output.get("err", ""),
    }


def _rate(site: SyntheticSite, run: dict[str, Any], pages: int) -> float:
    """Pages per second from the first article request to the process's exit: start-up
    and sitemap reading are left out, storing the last page is counted."""
    first = site.first_article_at if site.first_article_at is not None else run["started"]
    return pages / max(run["ended"] - first, 1e-9)


def run_speed(pages: int, repeat: int, workdir: Path, variants: tuple[str, ...]) -> dict[str, Any]:
    """newsmon's crawl against the bare spider on one generated site per variant, same run."""
    results: dict[str, Any] = {}
    bare_sets = [
        part
        for key, value in FAST.items()
        if not key.startswith("NEWSMON_")
        for part in ("--set", f"{key}={value}")
    ]
    for variant in variants:
        with SyntheticSite(pages, storm=variant == "storm") as site:
            site.prerender()
            sources = workdir / f"sources-{variant}.yaml"
            sources.write_text(
                SPEED_SOURCES.format(pages=pages, url=site.url, variant=variant), encoding="utf-8"
            )
            rows: dict[str, list[dict[str, Any]]] = {"bare": [], "newsmon": []}
            for round_no in range(repeat):
                for side in ("bare", "newsmon"):  # alternate, so load drifts hit both sides
                    site.first_article_at = site.last_article_at = None
                    before = site.counts["article"]
                    if side == "bare":
                        command = [sys.executable, str(BARE_SPIDER), f"{site.url}/sitemap.xml", *bare_sets]
                        run = _run_measured(command, child_env())
                        if run["returncode"] != 0:
                            raise SystemExit(f"the bare spider failed:\n{run['err'][-3000:]}")
                        stored = json.loads(run["out"])["fetched"]
                    else:
                        db_url = f"sqlite:///{workdir / f'speed-{variant}-{round_no}.db'}"
                        command = newsmon_command(db_url, sources, "synthetic")
                        run = _run_measured(command, child_env({"NEWSMON_DATA_DIR": str(workdir)}))
                        (workdir / f"crawl-{variant}-{round_no}.log").write_text(run["err"], encoding="utf-8")
                        if run["returncode"] != 0:
                            raise SystemExit(
                                f"newsmon crawl failed (exit {run['returncode']}):\n{run['err'][-3000:]}"
                            )
                        engine = make_engine(db_url)
                        with session_scope(session_factory(engine)) as session:
                            stored = session.query(Article).count()
                        engine.dispose()
                    served = site.counts["article"] - before
                    rows[side].append(
                        {
                            "served": served,
                            "stored": stored,
                            "wall_s": run["wall_s"],
                            "pages_per_s": _rate(site, run, stored),
                            "peak_rss_mb": run["peak_rss_mb"],
                        }
                    )
                    print(
                        f"  {variant} round {round_no + 1}/{repeat} {side}: {stored} pages, "
                        f"{rows[side][-1]['pages_per_s']:.1f} pages/s, peak RSS {run['peak_rss_mb']:.0f} MB",
                        file=sys.stderr,
                    )
        med = {
            side: {
                key: statistics.median(r[key] for r in rs) for key in ("pages_per_s", "wall_s", "peak_rss_mb")
            }
            for side, rs in rows.items()
        }
        results[variant] = {
            "rounds": rows,
            "median": med,
            "speed_ratio": med["newsmon"]["pages_per_s"] / med["bare"]["pages_per_s"],
            "memory_ratio": med["newsmon"]["peak_rss_mb"] / med["bare"]["peak_rss_mb"],
            "complete": all(r["stored"] >= pages for r in rows["newsmon"]),
        }
    result: dict[str, Any] = {
        "mode": "speed",
        "pages": pages,
        "repeat": repeat,
        "cores": os.cpu_count(),
        "settings": FAST,
        "variants": results,
    }
    if "storm" in results and "distinct" in results:
        # Cost per page of the storm site over the distinct one (newsmon's seconds per page).
        result["storm_cost"] = (
            results["distinct"]["median"]["newsmon"]["pages_per_s"]
            / results["storm"]["median"]["newsmon"]["pages_per_s"]
        )
    return result


def print_speed(result: dict[str, Any]) -> None:
    print(
        f"generated site of {result['pages']} articles from its sitemap, {result['cores']} cores, "
        f"{result['repeat']} round(s), medians; politeness off for both sides "
        f"(CONCURRENT_REQUESTS={FAST['CONCURRENT_REQUESTS']}, "
        f"CONCURRENT_REQUESTS_PER_DOMAIN={FAST['CONCURRENT_REQUESTS_PER_DOMAIN']}, DOWNLOAD_DELAY=0)"
    )
    print(f"  {'site':<9} {'side':<8} {'pages/s':>8} {'wall s':>7} {'peak MB':>8}")
    for variant, v in result["variants"].items():
        for side in ("bare", "newsmon"):
            m = v["median"][side]
            print(
                f"  {variant:<9} {side:<8} {m['pages_per_s']:8.1f} {m['wall_s']:7.1f} {m['peak_rss_mb']:8.0f}"
            )
        print(
            f"  {variant:<9} ratio    newsmon/bare pages/s {v['speed_ratio']:.2f} (target >= 0.5), "
            f"peak RSS {v['memory_ratio']:.2f} (target <= 2)"
            + ("" if v["complete"] else "  INCOMPLETE: newsmon stored fewer pages than the site has")
        )
    if "storm_cost" in result:
        print(f"  storm site costs {result['storm_cost']:.2f}x the distinct site per page (target <= 1.2)")


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sample = sub.add_parser("sample", help="crawl of the sample sites against the offline pipeline")
    sample.add_argument(
        "--repeat", type=int, default=3, help="crawls (and offline runs) to take the median of"
    )
    memory = sub.add_parser("memory", help="peak RSS of a crawl of a synthetic site")
    memory.add_argument("--pages", type=int, default=100_000, help="articles on the synthetic site")
    memory.add_argument("--interval", type=float, default=0.5, help="seconds between RSS samples")
    speed = sub.add_parser("speed", help="newsmon's crawl against a bare Scrapy spider, same run")
    speed.add_argument("--pages", type=int, default=1500, help="articles on the generated site")
    speed.add_argument("--repeat", type=int, default=1, help="rounds to take the median of")
    speed.add_argument(
        "--site", choices=("distinct", "storm", "both"), default="both", help="which generated site(s)"
    )
    for p in (sample, memory, speed):
        p.add_argument("--json", action="store_true", help="print one JSON object instead of the text")
        p.add_argument("--keep", type=Path, help="keep the databases in this directory (default: deleted)")
    args = parser.parse_args(argv)
    if args.mode == "sample" and args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")
    if args.mode == "speed" and (args.pages < 1 or args.repeat < 1):
        parser.error("--pages and --repeat must be at least 1")
    if args.mode == "memory" and args.pages < 1:
        parser.error(f"--pages must be at least 1, not {args.pages}")
    if args.mode == "memory" and args.interval <= 0:
        parser.error(f"--interval must be positive, not {args.interval}")
    workdir = Path(tempfile.mkdtemp(prefix="newsmon-crawl-bench-"))
    try:
        if args.mode == "sample":
            result = run_sample(args.repeat, workdir)
        elif args.mode == "speed":
            variants = ("distinct", "storm") if args.site == "both" else (args.site,)
            result = run_speed(args.pages, args.repeat, workdir, variants)
        else:
            result = run_memory(args.pages, args.interval, workdir)
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in workdir.iterdir():
                shutil.move(str(path), args.keep / path.name)
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif args.mode == "sample":
        print_sample(result)
    elif args.mode == "speed":
        print_speed(result)
    else:
        print_memory(result)
    complete = result.get("complete", True) and all(
        v["complete"] for v in result.get("variants", {}).values()
    )
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
