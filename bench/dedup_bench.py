"""Near-duplicate lookup cost against corpus size, on SQLite (a temporary file).

Builds one database and grows it through the given sizes (default 10 thousand, then
1 million articles). Most articles are synthetic: an ``articles`` row without text or
signature, and 32 random band hashes (what a random MinHash signature gives), bulk-inserted
with ``executemany`` in big transactions (about 2.3 GB of SQLite at 1M). At every stage some real articles are planted among them (generated text,
real signatures and bands); the queries are republished copies of planted articles (which
must be found) and new texts (which must not match anything).

At each size it times, on a fresh connection with the production pragmas (WAL):

- ``probe``: the band lookup alone (``band_candidates``), N queries;
- ``assign``: the full ``assign_duplicate`` on a freshly upserted article (signature,
  band rows written, probe, exact verification from stored text, group update), fewer
  queries, rolled back afterwards so the corpus does not change.

The band index makes a lookup a fixed number of B-tree probes, so the ratio of the 1M to
the 10k figure should stay close to 1 (B-tree depth grows by one level or two).

    python bench/dedup_bench.py                  # 10k and 1M (about 5 minutes on 2 cores)
    python bench/dedup_bench.py --quick          # 10k and 100k
    python bench/dedup_bench.py --sizes 10000,300000 --lookups 500
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsmon.services.dedup import assign_duplicate, band_candidates
from pipeline.dedup.nearcopy import BANDS, band_hashes, signature, signature_bytes
from pipeline.process import content_hash
from storage import repository as repo
from storage.db import make_engine, register_sqlite_functions, session_factory, upgrade

logger = logging.getLogger(__name__)

CHUNK = 20_000  # articles per transaction (x32 band rows)
PLANTED_PER_STAGE = 300
WARMUP = 50
_ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")  # fmt: skip
_RHYMES = ("a", "ai", "an", "ang", "anh", "ao", "âm", "ân", "ât", "e", "em", "en", "ê", "ênh", "i", "inh", "ít", "o", "oa", "oan", "ong", "ô", "ôi", "ông", "ơ", "ơi", "u", "uy", "ư", "ưa", "ương", "iêu", "uân")  # fmt: skip
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    import unicodedata

    words: set[str] = set()
    while len(words) < size:
        syllable = rng.choice(_ONSETS) + rng.choice(_RHYMES)
        words.add(unicodedata.normalize("NFC", syllable[0] + rng.choice(_TONES) + syllable[1:]))
    return sorted(words)


class TextMaker:
    """Vietnamese-looking articles: syllables drawn from a Zipf-like distribution (6 paragraphs)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = _vocabulary(self.rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.vocab))]

    def article(self) -> str:
        paragraphs = []
        for _ in range(6):
            words = self.rng.choices(self.vocab, self.weights, k=self.rng.randint(40, 90))
            paragraphs.append(" ".join(words).capitalize() + ".")
        return "\n\n".join(paragraphs)

    def republish(self, text: str) -> str:
        """Another outlet's copy: own prefix, one paragraph dropped, a credit line."""
        paragraphs = text.split("\n\n")
        del paragraphs[self.rng.randrange(1, len(paragraphs))]
        return "\n\n".join([f"(BTV) - {paragraphs[0]}", *paragraphs[1:], "Theo Nhân Dân"])


def _ts(when: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite (naive ISO text)."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@dataclass
class Corpus:
    path: Path
    size: int = 0
    planted: list[tuple[int, str]] = field(default_factory=list)  # (article id, text)
    band_rows: int = 0

    def grow(self, target: int, maker: TextMaker, rng: np.random.Generator) -> float:
        """Bulk-insert articles (and their bands) up to ``target``; returns the seconds taken."""
        start = time.perf_counter()
        conn = sqlite3.connect(self.path)
        register_sqlite_functions(conn)  # the search index triggers call them
        conn.execute("PRAGMA journal_mode=OFF")  # a throw-away database: no journal while loading
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1500000")  # 1.5 GB while loading (the lookups use the default)
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA foreign_keys=OFF")  # the rows are consistent by construction
        # The secondary index (used only to delete an article's bands) is rebuilt by one sort at
        # the end, cheaper than 32 random insertions per article; the (band, hash) key stays.
        conn.execute("DROP INDEX IF EXISTS ix_article_bands_article_id")
        plant_at = set(
            rng.choice(np.arange(self.size + 1, target + 1), PLANTED_PER_STAGE, replace=False).tolist()
        )
        first = self.size + 1
        while first <= target:
            last = min(first + CHUNK - 1, target)
            ids = np.arange(first, last + 1)
            hashes = rng.integers(-(2**63), 2**63 - 1, size=(len(ids), BANDS), dtype=np.int64, endpoint=True)
            articles = []
            when = _ts(_EPOCH)
            for i in ids.tolist():
                url = f"https://bench.invalid/a/{i}"
                if i in plant_at:
                    text = maker.article()
                    sig = signature(text)
                    published = _EPOCH + timedelta(minutes=i)
                    articles.append(
                        (i, url, url, text, content_hash(text), len(text.split()), _ts(published),
                         signature_bytes(sig), when, when)
                    )  # fmt: skip
                    hashes[i - first] = [h for _, h in band_hashes(sig)]
                    self.planted.append((i, text))
                else:
                    articles.append((i, url, url, "", f"{i:x}", 0, None, None, when, when))
            band_no, band_hash, band_article = (
                np.tile(np.arange(BANDS), len(ids)),
                hashes.ravel(),
                np.repeat(ids, BANDS),
            )
            order = np.lexsort((band_article, band_hash, band_no))  # key order: better cache locality
            rows = zip(
                band_no[order].tolist(), band_hash[order].tolist(), band_article[order].tolist(), strict=True
            )
            with conn:
                conn.executemany(
                    "INSERT INTO articles (id, canonical_url, url, text, content_hash, word_count, published_at,"
                    " minhash, created_at, updated_at, topics, classification, fields)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', '{}', '{}')",
                    articles,
                )
                conn.executemany("INSERT INTO article_bands (band, hash, article_id) VALUES (?, ?, ?)", rows)
            self.band_rows += len(order)
            done = last - self.size
            elapsed = time.perf_counter() - start
            if done % (CHUNK * 10) == 0 or last == target:
                print(
                    f"  loaded {last:>9,} articles  ({done / elapsed:,.0f} articles/s,"
                    f" {self.band_rows:,} band rows)",
                    flush=True,
                )
            first = last + 1
        print("  rebuilding ix_article_bands_article_id ...", flush=True)
        conn.execute("CREATE INDEX ix_article_bands_article_id ON article_bands (article_id)")
        conn.execute("PRAGMA journal_mode=WAL")  # back to what production uses
        conn.close()
        self.size = target
        return time.perf_counter() - start


def _stats(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return statistics.fmean(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))]


@dataclass
class StageResult:
    size: int
    build_s: float
    db_mb: float
    lookup_mean: float
    lookup_p95: float
    candidates: float
    assign_mean: float
    assign_p95: float
    found: str
    false_matches: int


def measure(corpus: Corpus, maker: TextMaker, lookups: int, assigns: int, build_s: float) -> StageResult:
    """Time band probes and full assign_duplicate calls on a fresh production-like connection."""
    rng = random.Random(corpus.size)
    engine = make_engine(f"sqlite:///{corpus.path}")
    sessions = session_factory(engine)
    # queries: half republished copies of planted articles, half new texts
    half = lookups // 2
    copies = [(aid, maker.republish(text)) for aid, text in rng.choices(corpus.planted, k=half)]
    fresh = [maker.article() for _ in range(lookups - half)]
    probe_bands = [band_hashes(signature(t)) for _, t in copies] + [band_hashes(signature(t)) for t in fresh]
    expected: list[int | None] = [aid for aid, _ in copies] + [None] * len(fresh)
    order = list(range(lookups))
    rng.shuffle(order)

    times: list[float] = []
    n_candidates = 0
    found = 0
    with sessions() as session:
        for k, q in enumerate(order):
            t0 = time.perf_counter()
            cands = band_candidates(session, probe_bands[q])
            dt = time.perf_counter() - t0
            if k >= WARMUP:
                times.append(dt)
            n_candidates += len(cands)
            if expected[q] is not None and expected[q] in {c for c, _ in cands}:
                found += 1
    lookup_mean, lookup_p95 = _stats(times)

    # full path on new rows, rolled back at the end
    sample = rng.sample(corpus.planted, k=min(assigns // 2, len(corpus.planted)))
    queries = [(aid, maker.republish(text)) for aid, text in sample]
    queries += [(None, maker.article()) for _ in range(assigns - len(queries))]
    rng.shuffle(queries)
    assign_times: list[float] = []
    assign_found = false_matches = 0
    with sessions() as session:
        for k, (aid, text) in enumerate(queries):
            new_id, _ = repo.upsert_article(
                session,
                f"https://bench.invalid/q/{corpus.size}/{k}",
                url=f"https://bench.invalid/q/{corpus.size}/{k}",
                text=text,
                content_hash=content_hash(text),
                published_at=datetime.now(UTC),
                word_count=len(text.split()),
            )
            session.flush()
            t0 = time.perf_counter()
            match = assign_duplicate(session, new_id)
            assign_times.append(time.perf_counter() - t0)
            if aid is None:
                false_matches += match is not None
            elif match is not None and match.original_id == aid:
                assign_found += 1
        session.rollback()
    engine.dispose()
    assign_mean, assign_p95 = _stats(assign_times[min(WARMUP // 5, len(assign_times) // 2) :])
    n_copies = sum(1 for aid, _ in queries if aid is not None)
    return StageResult(
        size=corpus.size,
        build_s=build_s,
        db_mb=sum(p.stat().st_size for p in corpus.path.parent.glob(corpus.path.name + "*")) / 1e6,
        lookup_mean=lookup_mean,
        lookup_p95=lookup_p95,
        candidates=n_candidates / lookups,
        assign_mean=assign_mean,
        assign_p95=assign_p95,
        found=f"{found}/{half} probe, {assign_found}/{n_copies} assign",
        false_matches=false_matches,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated corpus sizes, growing")
    parser.add_argument("--quick", action="store_true", help="10k and 100k (for development)")
    parser.add_argument("--lookups", type=int, default=1000, help="band probes timed at each size")
    parser.add_argument("--assigns", type=int, default=200, help="full assign_duplicate calls at each size")
    parser.add_argument("--dir", help="where to put the database (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    sizes = (
        [10_000, 100_000] if args.quick else sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    )
    if sizes[0] < PLANTED_PER_STAGE * 2:
        parser.error(f"sizes must be at least {PLANTED_PER_STAGE * 2}")

    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="newsmon-dedup-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "bench.db"
    if path.exists():
        parser.error(f"{path} exists; give another --dir")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()

    corpus = Corpus(path)
    maker = TextMaker(seed=1)
    rng = np.random.default_rng(7)
    results: list[StageResult] = []
    total = time.perf_counter()
    try:
        for size in sizes:
            print(f"building {size:,} articles ...", flush=True)
            build_s = corpus.grow(size, maker, rng)
            print(
                f"measuring at {size:,} ({args.lookups} probes, {args.assigns} assign_duplicate) ...",
                flush=True,
            )
            results.append(measure(corpus, maker, args.lookups, args.assigns, build_s))
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"SQLite {sqlite3.sqlite_version}, {BANDS} bands/article, {args.lookups} probes and "
          f"{args.assigns} assign_duplicate per size (first {WARMUP} probes not timed)")  # fmt: skip
    header = (
        f"{'articles':>10} {'band rows':>11} {'build s':>8} {'DB MB':>7} {'probe ms':>9} {'p95':>6}"
        f" {'cands':>6} {'assign ms':>10} {'p95':>6}  found (copies)  false"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.size:>10,} {r.size * BANDS:>11,} {r.build_s:>8.1f} {r.db_mb:>7,.0f} {r.lookup_mean:>9.3f}"
            f" {r.lookup_p95:>6.3f} {r.candidates:>6.2f} {r.assign_mean:>10.3f} {r.assign_p95:>6.3f}"
            f"  {r.found}  {r.false_matches}"
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(
            f"\nratio {b.size:,}/{a.size:,}: probe mean x{b.lookup_mean / a.lookup_mean:.2f}"
            f" (p95 x{b.lookup_p95 / a.lookup_p95:.2f}), assign_duplicate mean x{b.assign_mean / a.assign_mean:.2f}"
            f" (p95 x{b.assign_p95 / a.assign_p95:.2f}); corpus x{b.size / a.size:,.0f}"
        )
    print(f"total {time.perf_counter() - total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
