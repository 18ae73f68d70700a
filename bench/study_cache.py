"""Rebuild the study set's local text cache from search answers (texts are never committed).

The study set (``bench/study/labels.jsonl``) names each real page by its URL and the search
query that found it. Its texts live only in ``.cache/study/texts.jsonl`` (git-ignored;
``NEWSMON_STUDY_CACHE`` moves it), one ``{"url", "query", "excerpt"}`` per line, which
``newsmon eval`` reads. The pages come from the search tool's ``pages`` corpus, a tool of a
development session that no script can call; so the cache is rebuilt in two steps:

    python bench/study_cache.py plan [--missing] > queries.jsonl
        # one {"query", "urls"} per line: run each query in the search tool's pages corpus
        # and save each answer (the tool's JSON) into a folder
    python bench/study_cache.py import ANSWERS...
        # files or folders of saved answers ({"query", "results": [{"url", "excerpt"}]}) or
        # of JSON lines {"url", "query", "excerpt"}; keeps the excerpts of labelled URLs
    python bench/study_cache.py status
        # items, cached texts and what is still missing, by split

Exit status: 0, or 1 when ``status`` finds items without a text.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "study" / "labels.jsonl"
CACHE = Path(os.environ.get("NEWSMON_STUDY_CACHE") or ROOT / ".cache" / "study" / "texts.jsonl")


def read_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_cache(path: Path = CACHE) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    texts = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts[(row["url"], row.get("query", ""))] = row["excerpt"]
    return texts


def _answers(path: Path) -> list[tuple[str, str, str]]:
    """(url, query, excerpt) of a saved answer file: the search tool's JSON, or JSON lines."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    rows: list[tuple[str, str, str]] = []
    if isinstance(data, dict) and "results" in data:
        query = data.get("query", "")
        for result in data.get("results") or []:
            if result.get("url") and result.get("excerpt"):
                rows.append((result["url"], query, result["excerpt"]))
        return rows
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append((row["url"], row.get("query", ""), row["excerpt"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{lineno}: neither a search answer nor a cache line ({exc})") from None
    return rows


def cmd_import(paths: list[Path], cache: Path, labels_path: Path = LABELS) -> int:
    labels = read_labels(labels_path)
    wanted = {(item["url"], item.get("query", "")) for item in labels}
    urls = {url for url, _ in wanted}
    texts = read_cache(cache)
    added = 0
    files = [f for p in paths for f in (sorted(p.rglob("*.json*")) if p.is_dir() else [p])]
    for file in files:
        for url, query, excerpt in _answers(file):
            key = (url, query) if (url, query) in wanted else None
            if key is None and url in urls:  # the same page found by another query: keep it too
                key = (url, query)
            if key is None or texts.get(key) == excerpt:
                continue
            texts[key] = excerpt
            added += 1
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for (url, query), excerpt in sorted(texts.items()):
            fh.write(json.dumps({"url": url, "query": query, "excerpt": excerpt}, ensure_ascii=False) + "\n")
    tmp.replace(cache)
    print(f"{added} text(s) added from {len(files)} file(s); {len(texts)} in {cache}")
    return 0


def cmd_plan(missing_only: bool, cache: Path, labels_path: Path = LABELS) -> int:
    texts = read_cache(cache)
    cached_urls = {url for url, _ in texts}
    by_query: dict[str, list[str]] = defaultdict(list)
    for item in read_labels(labels_path):
        if missing_only and item["url"] in cached_urls:
            continue
        by_query[item.get("query", "")].append(item["url"])
    for query, urls in sorted(by_query.items()):
        print(json.dumps({"corpus": "pages", "query": query, "urls": sorted(set(urls))}, ensure_ascii=False))
    return 0


def cmd_status(cache: Path, labels_path: Path = LABELS) -> int:
    texts = read_cache(cache)
    cached_urls = {url for url, _ in texts}
    counts: Counter[tuple[str, str]] = Counter()
    for item in read_labels(labels_path):
        have = (item["url"], item.get("query", "")) in texts or item["url"] in cached_urls
        counts[(item["split"], "cached" if have else "missing")] += 1
    total_missing = 0
    for split in ("study", "heldout"):
        cached, missing = counts[(split, "cached")], counts[(split, "missing")]
        total_missing += missing
        print(f"{split:8} {cached + missing:4} items, {cached:4} with text, {missing:4} missing")
    print(f"cache: {cache} ({'present' if cache.exists() else 'absent'})")
    return 1 if total_missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"cache file (default {CACHE})")
    parser.add_argument("--labels", type=Path, default=LABELS, help=f"study-set labels (default {LABELS})")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="add texts from saved search answers")
    imp.add_argument("paths", nargs="+", type=Path)
    plan = sub.add_parser("plan", help="the queries to run, with the URLs each must return")
    plan.add_argument("--missing", action="store_true", help="only queries whose pages have no text yet")
    sub.add_parser("status", help="how much of the study set has text")
    args = parser.parse_args(argv)
    if args.command == "import":
        return cmd_import(args.paths, args.cache, args.labels)
    if args.command == "plan":
        return cmd_plan(args.missing, args.cache, args.labels)
    return cmd_status(args.cache, args.labels)


if __name__ == "__main__":
    sys.exit(main())
