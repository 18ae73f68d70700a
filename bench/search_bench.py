"""Search latency on SQLite: FTS5 (``articles_fts``) against a LIKE scan of the same data.

Builds a temporary SQLite database at the current schema, fills it with synthetic
Vietnamese-like articles (about 120 words each drawn from a Zipf-distributed vocabulary of
real syllables, with some planted topic phrases), inserted through the production triggers,
and then times :func:`newsmon.services.search.search` (count, bm25 ranking, a page of 20, snippets)
on a set of queries: common and rare words, a phrase, OR, NOT, a filter. The same queries run
again with the LIKE fallback (what PostgreSQL uses) over the folded column, in the same run,
and the ratio of the two is printed.

    python bench/search_bench.py            # 100 thousand articles (about 2 minutes)
    python bench/search_bench.py --full     # 100 thousand, then 1 million
    python bench/search_bench.py --sizes 20000 --runs 50
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

import newsmon.services.search.engine as searching
from pipeline.text import fold_words, search_document
from storage.db import make_engine, register_sqlite_functions, session_factory, upgrade

_WORDS = (
    "của và các có được cho trong với là những người này đã để không một tại về từ khi năm theo "
    "công tác thông tin đối ngoại tuyên truyền quyền con người nhân hội nghị tập huấn tỉnh huyện "
    "xã sở ban ngành đoàn thể cán bộ đảng viên chính quyền địa phương phát triển kinh tế văn hóa "
    "xã hội giáo dục y tế nông nghiệp du lịch môi trường an ninh quốc phòng biên giới hợp tác "
    "quốc tế đầu tư doanh nghiệp thị trường sản xuất lao động việc làm chương trình kế hoạch đề án "
    "triển khai thực hiện kết quả đánh giá tổng kết nhiệm vụ giải pháp nâng cao hiệu quả chất lượng "
    "chuyển đổi số công nghệ báo chí phóng viên truyền thông mạng xã hội hoà bình hòa giải khỏe "
    "thủy lợi giao thông đường bộ cầu cảng sân bay điện nước nhà ở đất đai tài nguyên khoáng sản"
)
SYLLABLES = _WORDS.split()
PLANTED = ("tập huấn thông tin đối ngoại", "quyền con người", "hội nghị tập huấn", "biên giới Việt Lào")
QUERIES = [
    ("common word", "tinh"),
    ("two words", "tap huan"),
    ("phrase", '"thong tin doi ngoai"'),
    ("rare phrase", '"bien gioi viet lao"'),
    ("OR", '"quyen con nguoi" OR "bien gioi viet lao"'),
    ("NOT", '"hoi nghi tap huan" -"quyen con nguoi"'),
    ("accented", "tập huấn thông tin đối ngoại"),
    ("no match", "xylophone"),
]


def build(path: Path, size: int, seed: int = 5) -> float:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(SYLLABLES))]
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    register_sqlite_functions(conn)  # the search index's triggers call them
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    (existing,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    first = datetime(2019, 1, 1)
    batch: list[tuple[object, ...]] = []
    # Folding each vocabulary item once makes the folded document a join (what search_document
    # gives, checked on the first article): a million articles build in minutes, not an hour.
    folded = {w: " ".join(fold_words(w)) for w in (*SYLLABLES, *PLANTED)}
    for i in range(existing, size):
        words = rng.choices(SYLLABLES, weights, k=120)
        if rng.random() < 0.05:
            words.insert(rng.randrange(100), rng.choice(PLANTED))
        title_words = rng.choices(SYLLABLES, weights, k=10)
        title = " ".join(title_words).capitalize()
        text = " ".join(words).capitalize() + "."
        document = " " + " ".join(folded[w] for w in (*title_words, *words)) + " "
        if i == existing:
            assert document == search_document(title, None, text)
        # Stored in publication order, as a monitor running for years stores them: one article
        # every 3 minutes from 2019 (a million reach September 2024).
        published = first + timedelta(minutes=3 * i)
        url = f"https://bench.example/{i}"
        copy_of = i if i % 20 == 19 else None  # one article in 20 is a copy of the one before (id i)
        batch.append((url, url, f"s{i % 40}", title, text, published, "vi", f"h{i}", 120, published, published, "[]", "{}",
                      "{}", document, copy_of))  # fmt: skip
        if len(batch) == 5000:
            _insert(conn, batch)
            batch.clear()
    if batch:
        _insert(conn, batch)
    conn.execute("PRAGMA optimize")
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO articles (canonical_url, url, source_id, title, text, published_at, language, content_hash, "
        "word_count, created_at, updated_at, topics, classification, fields, search_text, duplicate_of) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r[:5], r[5].isoformat(sep=" "), *r[6:9], r[9].isoformat(sep=" "), r[10].isoformat(sep=" "), *r[11:])
         for r in rows],
    )  # fmt: skip
    conn.commit()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def time_queries(sessions, runs: int, like: bool) -> dict[str, list[float]]:
    original = searching.uses_fts
    if like:
        searching.uses_fts = lambda _s: False
    try:
        timings: dict[str, list[float]] = {}
        with sessions() as session:
            for name, query in QUERIES:
                searching.search(session, query)  # warm the page cache
                for _ in range(runs):
                    t = time.perf_counter()
                    searching.search(session, query, limit=20)
                    timings.setdefault(name, []).append((time.perf_counter() - t) * 1000)
            # Filters at both ends of the corpus: the last tenth (recent) and the second tenth (old).
            (size,) = session.execute(sa.text("SELECT max(id) FROM articles")).one()

            def at(share: float) -> datetime:
                return (datetime(2019, 1, 1) + timedelta(minutes=3 * int(size * share))).replace(tzinfo=UTC)

            for name, filters in (
                ("source+recent", searching.Filters(source_id="s7", since=at(0.9))),
                ("source+old", searching.Filters(source_id="s7", since=at(0.1), until=at(0.2))),
            ):
                for _ in range(runs):
                    t = time.perf_counter()
                    searching.search(session, "tap huan", filters)
                    timings.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        return timings
    finally:
        searching.uses_fts = original


def report(size: int, fts: dict[str, list[float]], like: dict[str, list[float]]) -> dict[str, object]:
    all_fts = [v for vs in fts.values() for v in vs]
    all_like = [v for vs in like.values() for v in vs]
    print(f"\n{size:,} articles")
    print(f"{'query':<14} {'FTS p50':>9} {'FTS p95':>9} {'LIKE p50':>9} {'LIKE p95':>9} {'ratio':>7}")
    for name in fts:
        f50, f95 = statistics.median(fts[name]), percentile(fts[name], 95)
        l50, l95 = statistics.median(like[name]), percentile(like[name], 95)
        print(f"{name:<14} {f50:9.1f} {f95:9.1f} {l50:9.1f} {l95:9.1f} {l50 / f50:6.0f}x")
    f50, f95 = statistics.median(all_fts), percentile(all_fts, 95)
    l50, l95 = statistics.median(all_like), percentile(all_like, 95)
    print(
        f"{'all':<14} {f50:9.1f} {f95:9.1f} {l50:9.1f} {l95:9.1f} {l50 / f50:6.0f}x   (ms; ratio = LIKE p50 / FTS p50)"
    )
    return {"size": size, "fts_p50_ms": f50, "fts_p95_ms": f95, "like_p50_ms": l50, "like_p95_ms": l95}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="100 thousand, then 1 million articles")
    parser.add_argument("--sizes", help="comma-separated corpus sizes (default 100000)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query for FTS (LIKE: a fifth)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the database here and reuse it next time (default: a temporary directory)",
    )
    args = parser.parse_args()
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else [100_000, 1_000_000]
        if args.full
        else [100_000]
    )
    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-search-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        path = tmp / "bench.db"
        for size in sorted(sizes):
            took = build(path, size)
            print(f"built {size:,} articles in {took:.0f} s ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
            sessions = session_factory(make_engine(f"sqlite:///{path}"))
            fts = time_queries(sessions, args.runs, like=False)
            like = time_queries(sessions, max(3, args.runs // 5), like=True)
            results.append(report(size, fts, like))
    finally:
        if not args.workdir:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n" + json.dumps(results))


if __name__ == "__main__":
    main()
