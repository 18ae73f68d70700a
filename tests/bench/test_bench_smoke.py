"""The search and near-duplicate benchmarks still run against the current schema (they write
through raw SQLite connections, so a new trigger or SQL function can break them unnoticed).
Tiny sizes; timings are never asserted, only that each run completes and reports its table."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=PROJECT, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_search_bench_reports_fts_and_like_for_every_query():
    out = run("bench/search_bench.py", "--sizes", "3000", "--runs", "3")
    (result,) = json.loads(out.strip().splitlines()[-1])
    assert result["size"] == 3000
    assert result["fts_p50_ms"] > 0 and result["like_p50_ms"] > 0
    for query in ("common word", "phrase", "NOT", "source+recent", "source+old"):
        assert f"\n{query}" in out


def test_dedup_bench_finds_every_planted_copy_and_nothing_else(tmp_path):
    out = run(
        "bench/dedup_bench.py",
        "--sizes",
        "2000,4000",
        "--lookups",
        "200",
        "--assigns",
        "20",
        "--dir",
        str(tmp_path),
    )
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("2,000", "4,000"))]
    assert [r[0] for r in rows] == ["2,000", "4,000"]
    for r in rows:
        assert r[-1] == "0"  # no false match
    assert "ratio 4,000/2,000" in out
