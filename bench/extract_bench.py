"""Extraction benchmark (not a test): speed and shingle F1 of the newsmon pipeline against plain trafilatura.

Usage::

    python bench/extract_bench.py [PAGES_DIR] [--aeb PATH] [--vi PATH] [--repeat N]

(a) pages per second of the per-page pipeline (``pipeline.process.process_page``: decode, extract,
    noise cleanup, dates, language — what ``newsmon analyze`` runs) over the HTML files in PAGES_DIR
    (default: every article page of the sample sites, served on loopback), and the ratio to
    ``trafilatura.bare_extraction(html, url=url, with_metadata=True)`` on the same pages in the same run;
(b) shingle precision/recall/F1 on the article-extraction-benchmark (aeb) pages, beside plain
    trafilatura ``bare_extraction`` and ``extract``;
(c) the same on the Vietnamese pages (vi), where the lead paragraph (sapo) matters;
(d) the Vietnamese noise set (vi-noise, in the project, always run): every article page of the
    sample sites plus one portal page per visitor-counter shape and article
    (``newsmon/sample_sites/noise_pages.py``), with F1 and the number of pages whose body holds
    page noise (the site's widgets, captions, the counter) that the gold text does not.

Metric (as upstream defines it): tokens = regex \\w+ (Unicode); 4-token shingles; per page TP/FP/FN
are multiset overlaps normalised to sum 1; precision and recall are means over pages (pages with
no predicted / no true shingles left out of the respective mean); F1 = 2PR/(P+R) of the means.
The benchmark data lives outside the project (../shared/bench by default): tests never need it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.process import ExtractionFailed, process_page  # noqa: E402
from pipeline.types import Page  # noqa: E402

logger = logging.getLogger(__name__)

_TOKEN_RE = re.compile(r"\w+")
Scores = tuple[float, float, float]


# ---------------------------------------------------------------------------- metric


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_scores(true: str, pred: str) -> Scores:
    """Normalised (TP, FP, FN) of 4-token shingle multisets for one page."""
    t, p = _shingles(true), _shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(scores: list[Scores]) -> tuple[float, float, float]:
    """Mean precision and recall over pages, and the F1 of those means."""

    def precision(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fn == 0 else tp / (tp + fn)

    p = statistics.mean([precision(*s) for s in scores if s[0] + s[1] > 0] or [0.0])
    r = statistics.mean([recall(*s) for s in scores if s[0] + s[2] > 0] or [0.0])
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


# ---------------------------------------------------------------------------- extractors


def ours(html: str, url: str | None) -> str:
    """The whole per-page pipeline as `newsmon analyze` runs it: decode, extract, clean, language."""
    try:
        return process_page(Page(url=url or "https://bench.invalid/page", body=html.encode("utf-8"))).text
    except ExtractionFailed:
        return ""


def plain_bare(html: str, url: str | None) -> str:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return (doc.text if doc is not None else "") or ""


def plain_extract(html: str, url: str | None) -> str:
    return trafilatura.extract(html, url=url) or ""


EXTRACTORS: dict[str, Callable[[str, str | None], str]] = {
    "newsmon pipeline": ours,
    "trafilatura bare_extraction": plain_bare,
    "trafilatura extract": plain_extract,
}


# ---------------------------------------------------------------------------- data


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def html_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.name.endswith((".html", ".htm", ".html.gz")))


def sample_pages() -> list[tuple[str, str | None]]:
    """Every article page of the bundled sample sites, served on loopback and fetched once."""
    import urllib.request

    from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog

    pages = []
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites:
        for article in catalog():
            url = sites.urls[article["site"]] + article["path"]
            with urllib.request.urlopen(url, timeout=10) as response:
                pages.append((response.read().decode("utf-8", "replace"), url))
    return pages


def vi_noise_pages() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(html, url, gold, leaks) for the sample-site article pages and the counter-shape pages."""
    import urllib.request

    from newsmon.sample_sites import noise_pages
    from newsmon.sample_sites.articles import all_articles
    from newsmon.sample_sites.render import NOISE
    from newsmon.sample_sites.render.common import today
    from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites

    articles = all_articles()
    out = []
    with SampleSites(ports=dict.fromkeys(DEFAULT_PORTS, 0)) as sites:
        for article in articles:
            url = sites.urls[article.site] + article.path
            with urllib.request.urlopen(url, timeout=10) as response:
                html = response.read().decode("utf-8", "replace")
            gold = noise_pages.gold_text(article)
            noise = (*NOISE[article.site], *(f.caption for f in article.figures))
            out.append((html, url, gold, tuple(n for n in noise if n not in gold)))
    vietnamese = [a for a in articles if a.language == "vi"]
    for page in noise_pages.pages(vietnamese, today()):
        out.append((page.html, page.url, page.gold, page.leaks))
    return out


def noise_accuracy(
    pages: list[tuple[str, str, str, tuple[str, ...]]],
) -> dict[str, tuple[float, float, float, int]]:
    """Shingle P/R/F1 and the number of pages leaking noise, per extractor."""
    out = {}
    for name, fn in EXTRACTORS.items():
        scores, leaking = [], 0
        for html, url, gold, leaks in pages:
            text = fn(html, url)
            scores.append(shingle_scores(gold, text))
            leaking += any(leak in text for leak in leaks)
        out[name] = (*prf(scores), leaking)
    return out


def load_aeb(path: Path) -> list[tuple[str, str | None, str]]:
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        html_path = path / "html" / f"{key}.html.gz"
        if html_path.exists():
            pages.append((_read(html_path), item.get("url"), item.get("articleBody", "")))
    return pages


def load_vi(path: Path) -> list[tuple[str, str | None, str]]:
    pages = []
    for html_path in sorted(path.glob("*.html")):
        stem = html_path.name[: -len(".html")]
        gold_txt = path / f"{stem}.gold.txt"
        gold_json = path / f"{stem}.gold.json"
        if not gold_txt.exists():
            continue
        url = json.loads(gold_json.read_text(encoding="utf-8")).get("url") if gold_json.exists() else None
        pages.append((_read(html_path), url, gold_txt.read_text(encoding="utf-8")))
    return pages


# ---------------------------------------------------------------------------- runs


def speed(pages: list[tuple[str, str | None]], repeat: int) -> dict[str, float]:
    """Pages per second of our extraction and of plain bare_extraction(with_metadata=True).

    The two run page by page in turn, so that both see the same machine load.
    """
    contenders = {"newsmon pipeline": ours, "trafilatura bare_extraction": plain_bare}
    for fn in contenders.values():
        fn(*pages[0])  # warm-up: imports, rule loading, caches
    elapsed = dict.fromkeys(contenders, 0.0)
    for _ in range(repeat):
        for html, url in pages:
            for name, fn in contenders.items():
                start = time.perf_counter()
                fn(html, url)
                elapsed[name] += time.perf_counter() - start
    return {name: repeat * len(pages) / t if t else float("inf") for name, t in elapsed.items()}


def accuracy(pages: Iterable[tuple[str, str | None, str]]) -> dict[str, tuple[float, float, float]]:
    scores: dict[str, list[Scores]] = {name: [] for name in EXTRACTORS}
    for html, url, gold in pages:
        for name, fn in EXTRACTORS.items():
            scores[name].append(shingle_scores(gold, fn(html, url)))
    return {name: prf(s) for name, s in scores.items()}


def print_table(title: str, rows: dict[str, tuple[float, float, float]], n: int) -> None:
    print(f"\n{title} ({n} pages)")
    print(f"  {'extractor':<30} {'precision':>9} {'recall':>7} {'F1':>7}")
    for name, (p, r, f1) in rows.items():
        print(f"  {name:<30} {p:>9.3f} {r:>7.3f} {f1:>7.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pages", nargs="?", type=Path, help="directory of HTML pages for the speed run")
    shared = ROOT.parent / "shared" / "bench"
    parser.add_argument(
        "--aeb", type=Path, default=shared / "aeb", help="article-extraction-benchmark folder"
    )
    parser.add_argument("--vi", type=Path, default=shared / "vi", help="Vietnamese gold pages folder")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the pages in the speed run")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    if not args.no_speed:
        if args.pages:
            pages = [(_read(p), None) for p in html_files(args.pages)]
            where = str(args.pages)
        else:
            pages, where = sample_pages(), "the sample sites"
        if not pages:
            print(f"no HTML pages in {where}")
        else:
            rates = speed(pages, args.repeat)
            ratio = rates["newsmon pipeline"] / rates["trafilatura bare_extraction"]
            print(f"speed over {len(pages)} pages from {where} ({args.repeat} passes)")
            for name, rate in rates.items():
                print(f"  {name:<30} {rate:8.1f} pages/s")
            print(f"  ratio ours / plain            {ratio:8.2f}")
    if args.aeb.is_dir():
        aeb = load_aeb(args.aeb)
        print_table(f"aeb: {args.aeb}", accuracy(aeb), len(aeb))
        if args.pages is None and not args.no_speed:
            rates = speed([(h, u) for h, u, _ in aeb], 1)
            ratio = rates["newsmon pipeline"] / rates["trafilatura bare_extraction"]
            print(
                f"  speed on aeb: ours {rates['newsmon pipeline']:.1f} pages/s, plain "
                f"{rates['trafilatura bare_extraction']:.1f} pages/s, ratio {ratio:.2f}"
            )
    else:
        print(f"\naeb: {args.aeb} not found, skipped")
    if args.vi.is_dir():
        vi = load_vi(args.vi)
        print_table(f"vi: {args.vi}", accuracy(vi), len(vi))
    else:
        print(f"\nvi: {args.vi} not found, skipped")
    noisy = vi_noise_pages()
    print(f"\nvi-noise: sample-site pages and visitor-counter shapes ({len(noisy)} pages)")
    print(f"  {'extractor':<30} {'precision':>9} {'recall':>7} {'F1':>7} {'leaking':>8}")
    for name, (p, r, f1, leaking) in noise_accuracy(noisy).items():
        print(f"  {name:<30} {p:>9.3f} {r:>7.3f} {f1:>7.3f} {leaking:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
