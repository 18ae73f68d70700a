"""newsmon against its peers on their own evaluation sets (a benchmark, not a test).

Usage::

    python bench/peer_bench.py dates  [--archive PATH] [--limit N] [--json] [--failures N]
    python bench/peer_bench.py bodies [--archive PATH] [--limit N] [--json] [--failures N]

``dates``: htmldate's 1,000 pages with gold publication dates (``htmldate-eval.tar.xz``). Each
page's bytes go through newsmon's own path (charset detection, parsing, publication date) and
through ``htmldate.find_date(html, extensive_search=True, original_date=True)``, in one run. A
page is a true positive when the day found equals the gold day, a false positive when another
day is found, a false negative when none is (pages without a gold date are misses).

``bodies``: trafilatura's 990 pages with snippets the body must and must not contain
(``trafilatura-eval.tar.xz``). newsmon's body is its lead and text as ``newsmon analyze``
makes them; the peer is ``trafilatura.extract(html)`` with its defaults. Per snippet: a
'with' snippet found is a true positive, missed a false negative; a 'without' snippet found is a
false positive. Precision, recall, F1 over all snippets.

Both print the scores side by side and the cost ratio (newsmon's seconds per page over the
peer's, same pages, same run). The archives stay in ``../shared/bench/peer/`` (Apache-2.0,
licence inside); they are unpacked into a temporary directory and never copied into the
project. Without the archive the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract.dates import find_published  # noqa: E402
from pipeline.extract.decode import decode_html  # noqa: E402
from pipeline.extract.htmltree import parse_html  # noqa: E402
from pipeline.process import ExtractionFailed, extract_page  # noqa: E402
from pipeline.types import Page  # noqa: E402

PEER_DIR = ROOT.parent / "shared" / "bench" / "peer"
ARCHIVES = {"dates": "htmldate-eval.tar.xz", "bodies": "trafilatura-eval.tar.xz"}
SUBDIRS = ("eval", "cache", "test_set")


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "tests"


def _file(base: Path, name: str) -> Path | None:
    for sub in SUBDIRS:
        path = base / sub / name
        if path.exists():
            return path
    return None


def _prf(tp: int, fp: int, fn: int, n: int | None = None) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }
    if n:
        out["accuracy"] = round(tp / n, 4)
    return out


def _timed(fn: Callable[[bytes, str], Any], raw: bytes, url: str, empty: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(raw, url) if raw else empty
    return value, time.perf_counter() - start


# ---------------------------------------------------------------------------- dates


def newsmon_date(raw: bytes, url: str) -> str | None:
    """newsmon's publication day for a page, in the page's own time zone."""
    html, _ = decode_html(raw)
    root = parse_html(html)
    value, _source = find_published(root if root is not None else html, url)
    return value.strftime("%Y-%m-%d") if value else None


def htmldate_date(raw: bytes, url: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(raw.decode("utf-8", "replace"), url=url, extensive_search=True, original_date=True)
    except Exception:  # a peer failing on a page is a miss, not a crash of the bench
        return None


def run_dates(base: Path, limit: int | None) -> dict[str, Any]:
    gold: dict[str, dict[str, str]] = {}
    for name in ("eval_mediacloud_2020.json", "eval_default.json"):
        gold.update(json.loads((base / name).read_text(encoding="utf-8")))
    items = list(gold.items())[:limit]
    sides = {"newsmon": newsmon_date, "htmldate": htmldate_date}
    counts = {s: [0, 0, 0] for s in sides}
    seconds = dict.fromkeys(sides, 0.0)
    failures: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    for url, entry in items:
        path = _file(base, entry["file"])
        expected = entry.get("date")
        raw = path.read_bytes() if path else b""
        for side, fn in sides.items():
            found, took = _timed(fn, raw, url, None)
            seconds[side] += took
            c = counts[side]
            if found and expected and found == expected:
                c[0] += 1
            elif found:
                c[1] += 1
                failures[side].append(
                    {"url": url, "file": entry["file"], "expected": expected, "found": found}
                )
            else:
                c[2] += 1
                failures[side].append(
                    {"url": url, "file": entry["file"], "expected": expected, "found": None}
                )
    n = len(items)
    return {
        "pages": n,
        "scores": {s: _prf(*counts[s], n=n) for s in sides},
        "seconds_per_page": {s: round(seconds[s] / max(1, n), 5) for s in sides},
        "cost_ratio": round(seconds["newsmon"] / max(seconds["htmldate"], 1e-9), 3),
        "failures": failures,
    }


# ---------------------------------------------------------------------------- bodies


def newsmon_body(raw: bytes, url: str) -> str:
    """What newsmon keeps of a page: its lead and body text."""
    try:
        extracted, _warnings = extract_page(Page(url=url, body=raw, headers={}))
    except ExtractionFailed:
        return ""
    return "\n".join(filter(None, [extracted.lead, extracted.text]))


def trafilatura_body(raw: bytes, url: str) -> str:
    """trafilatura as its own evaluation runs it (tests/comparison_small.py: fallback on, no URL)."""
    import trafilatura

    return (
        trafilatura.extract(raw, include_comments=False, include_tables=True, include_formatting=False) or ""
    )


def run_bodies(base: Path, limit: int | None) -> dict[str, Any]:
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    items = list(gold.items())[:limit]
    sides = {"newsmon": newsmon_body, "trafilatura": trafilatura_body}
    counts = {s: [0, 0, 0, 0] for s in sides}  # tp fp fn tn
    seconds = dict.fromkeys(sides, 0.0)
    failures: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    for url, entry in items:
        path = _file(base, entry["file"])
        raw = path.read_bytes() if path else b""
        for side, fn in sides.items():
            text, took = _timed(fn, raw, url, "")
            seconds[side] += took
            c = counts[side]
            missed = [s for s in entry.get("with", []) if s not in text]
            leaked = [s for s in entry.get("without", []) if s in text]
            c[0] += len(entry.get("with", [])) - len(missed)
            c[2] += len(missed)
            c[1] += len(leaked)
            c[3] += len(entry.get("without", [])) - len(leaked)
            if missed or leaked:
                failures[side].append({"url": url, "file": entry["file"], "missed": missed, "leaked": leaked})
    n = len(items)
    scores = {}
    for side, (tp, fp, fn, tn) in counts.items():
        scores[side] = _prf(tp, fp, fn)
        scores[side]["accuracy"] = round((tp + tn) / max(1, tp + fp + fn + tn), 4)
    return {
        "pages": n,
        "scores": scores,
        "seconds_per_page": {s: round(seconds[s] / max(1, n), 5) for s in sides},
        "cost_ratio": round(seconds["newsmon"] / max(seconds["trafilatura"], 1e-9), 3),
        "failures": failures,
    }


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=sorted(ARCHIVES))
    parser.add_argument("--archive", type=Path, help="the peer's archive (default: ../shared/bench/peer/...)")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--failures", type=int, default=0, metavar="N", help="list newsmon's first N misses")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    archive = args.archive or PEER_DIR / ARCHIVES[args.set]
    if not archive.exists():
        print(f"peer set not found: {archive} (pass --archive PATH)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsmon-peer-") as tmp:
        base = unpack(archive, Path(tmp))
        result = run_dates(base, args.limit) if args.set == "dates" else run_bodies(base, args.limit)
    peer = "htmldate" if args.set == "dates" else "trafilatura"
    if args.json:
        shown = {k: v for k, v in result.items() if k != "failures"}
        shown["failures"] = {s: f[: args.failures] for s, f in result["failures"].items()}
        print(json.dumps(shown, ensure_ascii=False, indent=1))
        return 0
    print(f"{args.set}: {result['pages']} pages of {archive.name}")
    print(f"{'':12} {'precision':>9} {'recall':>7} {'F1':>6} {'s/page':>8}")
    for side in ("newsmon", peer):
        s = result["scores"][side]
        print(
            f"{side:12} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} {result['seconds_per_page'][side]:8.4f}"
        )
    print(f"cost ratio newsmon/{peer}: {result['cost_ratio']:.2f}")
    for failure in result["failures"]["newsmon"][: args.failures]:
        print("  miss:", json.dumps(failure, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
