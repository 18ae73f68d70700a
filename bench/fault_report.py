"""Fault matrix: does newsmon survive each way a site can fail, and lose or duplicate nothing?

For every fault, the sample sites are served on 127.0.0.1 with that fault applied (on
article pages, listings, feeds or whole sites, as the fault would strike), the real
``newsmon crawl --all`` runs in a subprocess (politeness delays off, short timeouts), then
the fault is cleared and the crawl runs again, as the operator's next scheduled run would.
Per fault the report gives:

- survived: exit code 0, no traceback on stderr, every source's run ended (finished/failed);
- stored under the fault, and what the fault legitimately forbids (robots.txt: not fetched);
- lost: sample articles still missing after the recovery crawl (must be 0);
- duplicates: articles or raw pages stored twice (same canonical URL, or the same sample
  article under a second URL, e.g. with a redirect-loop parameter) (must be 0);
- incomplete: stored articles missing the end of their body (a malformed page stored as is);
- requests made by each crawl (traps must stay bounded).

    python bench/fault_report.py                      # every fault (about 6 minutes)
    python bench/fault_report.py --only dark,robots   # some of them
    python bench/fault_report.py --format json
    python bench/fault_report.py --write-docs         # also rewrite docs/faults.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sqlalchemy import func, select  # noqa: E402

from newsmon.sample_sites import FAST_SETTINGS, SOURCES  # noqa: E402
from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog  # noqa: E402
from pipeline.urls import canonical_url  # noqa: E402
from storage.db import make_engine, session_factory, session_scope  # noqa: E402
from storage.models import Article, Page  # noqa: E402

SAMPLE_SOURCES = SOURCES
FAST = FAST_SETTINGS
ARTICLES = "articles"  # a Target path: the last two articles of the site (deepest in its listings)


@dataclass
class Target:
    """One fault set on the server: ``path`` is a path + query, ``"*"`` or ``ARTICLES``."""

    site: str
    path: str
    fault: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    what: str  # where the fault strikes, for the report
    targets: list[Target]
    forbids: str | None = None  # a site whose articles the fault forbids fetching (robots)
    settings: list[str] = field(default_factory=list)  # extra --set for the fault crawl
    bounded: bool = False  # a trap: the fault crawl's requests must stay under a bound


def _listing_targets(fault: str, **params: Any) -> list[Target]:
    return [
        Target("thanhhoa", "/TinTuc.aspx?CatId=5", fault, params),
        Target("hoabinh", "/web/guest/tin-tuc", fault, params),
        Target("travinh", "/index.php?option=com_content&view=category&id=12&Itemid=101", fault, params),
        Target("nhandan", "/sitemap.xml", fault, params),
    ]


def _articles(fault: str, *sites: str, **params: Any) -> list[Target]:
    return [Target(site, ARTICLES, fault, params) for site in sites or DEFAULT_PORTS]


SCENARIOS: list[Scenario] = [
    Scenario(
        "5xx_burst",
        "every site: the next 6 requests 503, then it recovers",
        [Target(site, "*", "status", {"code": 503, "times": 6}) for site in DEFAULT_PORTS],
    ),
    Scenario(
        "5xx_persistent",
        "2 articles per site: 500 for the whole crawl",
        _articles("status", code=500),
    ),
    Scenario(
        "429_retry_after",
        "2 articles per site and the nhandan feed: 429, Retry-After: 1",
        [
            *_articles("status", code=429, retry_after=1),
            Target("nhandan", "/rss/home.rss", "status", {"code": 429, "retry_after": 1, "times": 1}),
        ],
    ),
    Scenario(
        "429_retry_after_too_long",
        "2 articles per site: 429, Retry-After: 3600 (beyond the 600 s cap: next crawl)",
        _articles("status", code=429, retry_after=3600),
    ),
    Scenario(
        "timeout", "2 articles per site: no answer for 8 s (timeout 3 s)", _articles("timeout", seconds=8)
    ),
    Scenario("reset", "2 articles per site: TCP reset", _articles("reset")),
    Scenario("truncated", "2 articles per site: half the promised body", _articles("truncate")),
    Scenario(
        "malformed", "2 articles per site: HTML cut inside a tag at 90%", _articles("malformed", at=0.9)
    ),
    Scenario(
        "wrong_charset",
        "every page of thanhhoa and travinh: UTF-8 declared iso-8859-1",
        [Target(s, "*", "wrong_charset", {"declared": "iso-8859-1"}) for s in ("thanhhoa", "travinh")],
    ),
    Scenario(
        "legacy_charset",
        "articles: windows-1258 bodies declared utf-8 (a lie) and windows-1258",
        [
            *_articles("legacy_charset", "thanhhoa", "hoabinh", declared="utf-8"),
            *_articles("legacy_charset", "nhandan", "travinh", declared="windows-1258"),
        ],
    ),
    Scenario(
        "redirect_loop",
        "2 articles per site and the nhandan feed: 302 to itself, forever",
        [
            *_articles("redirect_loop"),
            Target("nhandan", "/rss/home.rss", "redirect_loop"),
        ],
    ),
    Scenario(
        "huge_capped",
        "2 articles per site: 12 MB pages (DOWNLOAD_MAXSIZE is 10 MB)",
        _articles("huge", size=12_000_000),
    ),
    Scenario(
        "huge_under_cap",
        "1 article per site padded to 3 MB (over DOWNLOAD_WARNSIZE, under the cap)",
        [Target(a["site"], a["path"], "huge", {"size": 3_000_000}) for a in catalog()[::12]],
    ),
    Scenario(
        "pagination_trap",
        "every listing always offers a next page",
        [Target(site, "*", "pagination_trap") for site in DEFAULT_PORTS],
        bounded=True,
    ),
    Scenario(
        "calendar_trap",
        "every HTML page links the day before and after (?ngay=), forever",
        [Target(site, "*", "calendar_trap") for site in DEFAULT_PORTS],
        bounded=True,
    ),
    Scenario(
        "robots_disallow",
        "travinh's robots.txt: Disallow: /",
        [Target("travinh", "*", "robots", {"disallow": "/"})],
        forbids="travinh",
    ),
    Scenario(
        "dark_mid_crawl",
        "nhandan after 12 requests, thanhhoa after 4: every request reset",
        [Target("nhandan", "*", "dark", {"after": 12}), Target("thanhhoa", "*", "dark", {"after": 4})],
    ),
    Scenario(
        "listing_down",
        "each listing's first page (nhandan: sitemap index) 503 for the whole crawl",
        _listing_targets("status", code=503),
    ),
]
# One crawl per fault kind is slow for CI: this one sets several article-level faults at once.
COMBINED = Scenario(
    "combined_articles",
    "one article each: 500, 429+Retry-After, timeout, reset, truncated, malformed, "
    "legacy charset, redirect loop, 12 MB",
    [],
)


def combined_targets() -> list[Target]:
    faults = [
        ("status", {"code": 500}),
        ("status", {"code": 429, "retry_after": 1}),
        ("timeout", {"seconds": 8}),
        ("reset", {}),
        ("truncate", {}),
        ("malformed", {"at": 0.9}),
        ("legacy_charset", {"declared": "windows-1258"}),
        ("redirect_loop", {}),
        ("huge", {"size": 12_000_000}),
    ]
    deep = [a for a in reversed(catalog()) if a["site"] != "nhandan"]  # listing-only sites first
    return [Target(a["site"], a["path"], f, p) for a, (f, p) in zip(deep, faults, strict=False)]


COMBINED.targets = combined_targets()
BY_NAME = {s.name: s for s in [*SCENARIOS, COMBINED]}


@dataclass
class Result:
    fault: str
    what: str
    survived: bool
    exit_codes: list[int]
    tracebacks: int
    statuses: list[str]
    stored_under_fault: int
    forbidden_fetched: int | None  # robots: article requests to the forbidden site (must be 0)
    lost: int
    duplicates: int
    incomplete: int
    requests_fault: int
    requests_recovery: int
    seconds: float
    bounded: bool | None = None
    errors: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.survived
            and self.lost == 0
            and self.duplicates == 0
            and self.forbidden_fetched in (None, 0)
            and self.bounded in (None, True)
        )


def run_crawl(db_url: str, env: dict[str, str], extra: list[str] = (), timeout: int = 300) -> dict[str, Any]:
    """``newsmon crawl --all`` in a subprocess; returns exit code, summary and stderr."""
    args = [sys.executable, "-m", "newsmon", "--database", db_url, "--sources", str(SAMPLE_SOURCES)]
    args += ["crawl", "--all", "--format", "json"]
    for setting in [*FAST, *extra]:
        args += ["--set", setting]
    try:
        proc = subprocess.run(
            args,
            capture_output=True,
            text=True,
            cwd=PROJECT,
            env={**os.environ, **env, "NEWSMON_LOG_LEVEL": "WARNING"},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:  # a crawl that hangs did not survive the fault
        return {"rc": -1, "summary": [], "stderr": f"the crawl did not finish within {timeout} s"}
    try:
        summary = json.loads(proc.stdout)
    except json.JSONDecodeError:
        summary = []
    return {"rc": proc.returncode, "summary": summary, "stderr": proc.stderr}


def _resolve(target: Target) -> list[tuple[str, str]]:
    if target.path != ARTICLES:
        return [(target.site, target.path)]
    paths = [a["path"] for a in catalog() if a["site"] == target.site]
    return [(target.site, p) for p in paths[-2:]]


def expected_urls(sites: SampleSites) -> dict[str, dict[str, Any]]:
    return {canonical_url(sites.urls[a["site"]] + a["path"]): a for a in catalog()}


def stored_state(db_url: str, expected: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the database holds, measured against the sample catalog."""
    with session_scope(session_factory(make_engine(db_url))) as session:
        rows = session.execute(select(Article.canonical_url, Article.source_id, Article.title, Article.text))
        rows = list(rows)
        page_dups = session.scalar(
            select(func.count()).select_from(
                select(Page.canonical_url).group_by(Page.canonical_url).having(func.count() > 1).subquery()
            )
        )
    by_url = Counter(r.canonical_url for r in rows)
    found = {url for url in by_url if url in expected}
    titles = {(a["source_id"], a["title"]) for a in expected.values()}
    # the same sample article a second time under another URL (e.g. ?_loop=3, print view)
    extra_copies = [r for r in rows if r.canonical_url not in expected and (r.source_id, r.title) in titles]
    incomplete = 0
    for r in rows:
        article = expected.get(r.canonical_url)
        if article and article["paragraphs"]:
            last = article["paragraphs"][-1].strip()[-60:]
            incomplete += last not in (r.text or "")
    return {
        "found": found,
        "duplicates": sum(n - 1 for n in by_url.values()) + len(extra_copies) + (page_dups or 0),
        "incomplete": incomplete,
        "unexpected": [r.canonical_url for r in rows if r.canonical_url not in expected],
    }


def run_scenario(sites: SampleSites, scenario: Scenario, workdir: Path) -> Result:
    start = time.monotonic()
    db_url = f"sqlite:///{workdir / (scenario.name + '.db')}"
    expected = expected_urls(sites)
    sites.clear_faults()
    for target in scenario.targets:
        for site, path in _resolve(target):
            sites.set_fault(site, path, target.fault, **target.params)
    sites.reset_log()
    try:
        first = run_crawl(db_url, sites.env(), scenario.settings)
    finally:
        sites.clear_faults()
    log = sites.requests
    under_fault = stored_state(db_url, expected)
    forbidden = None
    if scenario.forbids:
        paths = {a["path"] for a in catalog() if a["site"] == scenario.forbids}
        forbidden = sum(1 for r in log if r.site == scenario.forbids and r.path in paths)
    sites.reset_log()
    second = run_crawl(db_url, sites.env())
    requests_recovery = len(sites.requests)
    after = stored_state(db_url, expected)
    runs = [*first["summary"], *second["summary"]]
    statuses = [r["status"] for r in runs]
    errors: Counter[str] = Counter()
    for r in first["summary"]:
        errors.update(r.get("error_counts") or {})
    tracebacks = first["stderr"].count("Traceback") + second["stderr"].count("Traceback")
    survived = (
        first["rc"] == 0
        and second["rc"] == 0
        and tracebacks == 0
        and len(first["summary"]) == len(second["summary"]) == len(DEFAULT_PORTS)
        and all(s in ("finished", "failed") for s in statuses)
    )
    notes = []
    if after["unexpected"]:
        notes.append(f"{len(after['unexpected'])} stored article(s) not in the catalog")
    if not survived:
        tail = (first["stderr"] + second["stderr"]).strip().splitlines()[-3:]
        notes.append("stderr: " + " | ".join(tail))
    bounded = None
    if scenario.bounded:
        # each of the 3 listings stops at its cap (10 pages) at the latest, every article is
        # fetched once; 25 for robots.txt, feeds and sitemaps
        bounded = len(log) <= len(catalog()) + 3 * 10 + 25
    return Result(
        fault=scenario.name,
        what=scenario.what,
        survived=survived,
        exit_codes=[first["rc"], second["rc"]],
        tracebacks=tracebacks,
        statuses=statuses,
        stored_under_fault=len(under_fault["found"]),
        forbidden_fetched=forbidden,
        lost=len(expected) - len(after["found"]),
        duplicates=after["duplicates"],
        incomplete=after["incomplete"],
        requests_fault=len(log),
        requests_recovery=requests_recovery,
        seconds=round(time.monotonic() - start, 1),
        bounded=bounded,
        errors=dict(sorted(errors.items())),
        notes=notes,
    )


def run_matrix(
    names: list[str] | None = None,
    progress: bool = False,
    on_result: Callable[[list[Result], int], None] | None = None,
) -> list[Result]:
    """Run the scenarios in order; ``on_result(results so far, total)`` after each one, so a
    long run that is stopped (or hangs) keeps what it measured."""
    scenarios = [BY_NAME[n] for n in names] if names else SCENARIOS
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory(prefix="newsmon-faults-") as tmp,
        SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as sites,
    ):
        for scenario in scenarios:
            if progress:
                print(f"… {scenario.name}", file=sys.stderr, flush=True)
            results.append(run_scenario(sites, scenario, Path(tmp)))
            if progress:
                r = results[-1]
                print(
                    f"  {'ok' if r.ok else 'NOT OK'}: survived={r.survived} lost={r.lost} "
                    f"dup={r.duplicates} ({r.seconds} s)",
                    file=sys.stderr,
                    flush=True,
                )
            if on_result is not None:
                on_result(results, len(scenarios))
    return results


def table(results: list[Result]) -> Any:
    from rich.table import Table

    t = Table(title=f"newsmon fault matrix ({len(catalog())} sample articles)")
    for col in ("fault", "where", "survived", "stored under fault", "lost", "dup", "incomplete", "requests"):
        t.add_column(col, justify="left" if col in ("fault", "where") else "right", no_wrap=col == "fault")
    for r in results:
        under = str(r.stored_under_fault)
        if r.forbidden_fetched is not None:
            under += f" ({r.forbidden_fetched} forbidden fetched)"
        t.add_row(
            r.fault,
            r.what,
            "[green]yes[/]" if r.survived else "[red]NO[/]",
            under,
            _mark(r.lost),
            _mark(r.duplicates),
            str(r.incomplete),
            f"{r.requests_fault} / {r.requests_recovery}"
            + ("" if r.bounded in (None, True) else " [red]unbounded[/]"),
        )
    return t


def _mark(n: int) -> str:
    return "0" if n == 0 else f"[red]{n}[/]"


def markdown(results: list[Result], total: int | None = None) -> str:
    """docs/faults.md; with ``total`` above the results' count, marked as a partial run."""
    n = len(catalog())
    lines = [
        "# Fault matrix",
        "",
        "What `newsmon crawl` does when a site fails, measured on the bundled sample sites",
        f"({n} articles on four sites, served on 127.0.0.1). For each fault the sites are served",
        "with the fault, `newsmon crawl --all` runs (politeness delays off, `DOWNLOAD_TIMEOUT=3`,",
        "`RETRY_TIMES=1`), then the fault is cleared and the crawl runs again, as the next",
        "scheduled run would. Regenerate with:",
        "",
        "```sh",
        "make faults        # = .venv/bin/python bench/fault_report.py --write-docs",
        "```",
        "",
        "- **stored under fault**: sample articles stored by the crawl that met the fault;",
        "- **lost**: sample articles still missing after the recovery crawl (must be 0);",
        "- **dup**: articles or raw pages stored twice, by canonical URL or as a second copy of a",
        "  sample article under another URL (must be 0);",
        "- **incomplete**: stored articles whose text lacks the end of the body (a page that was",
        "  malformed when fetched is stored as it was: the server answered 200);",
        "- **requests**: requests served during the fault crawl / the recovery crawl.",
        "",
        "| fault | where | survived | stored under fault | lost | dup | incomplete | requests | errors counted |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if total is not None and len(results) < total:
        lines[2:2] = [f"**Partial run: {len(results)} of {total} faults measured so far.**", ""]
    for r in results:
        under = str(r.stored_under_fault)
        if r.forbidden_fetched is not None:
            under += f" (forbidden articles fetched: {r.forbidden_fetched})"
        errors = ", ".join(f"{k}={v}" for k, v in r.errors.items()) or "-"
        lines.append(
            f"| {r.fault} | {r.what} | {'yes' if r.survived else '**NO**'} | {under} | {r.lost} | "
            f"{r.duplicates} | {r.incomplete} | {r.requests_fault} / {r.requests_recovery} | {errors} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated fault names: " + ", ".join(BY_NAME))
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--write-docs", action="store_true", help="rewrite docs/faults.md with the results")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else None
    unknown = [n for n in names or [] if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown fault(s) {unknown}; known: {', '.join(BY_NAME)}")
    docs = PROJECT / "docs" / "faults.md"

    def write_partial(results: list[Result], total: int) -> None:
        docs.write_text(markdown(results, total), encoding="utf-8")

    results = run_matrix(
        names, progress=args.format == "table", on_result=write_partial if args.write_docs else None
    )
    if args.format == "json":
        print(json.dumps([{**asdict(r), "ok": r.ok} for r in results], ensure_ascii=False, indent=2))
    else:
        from rich.console import Console

        Console(width=max(150, Console().width)).print(table(results))
        for r in results:
            for note in r.notes:
                print(f"{r.fault}: {note}")
    if args.write_docs:
        docs.write_text(markdown(results), encoding="utf-8")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
