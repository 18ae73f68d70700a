"""Smoke test of bench/analyze_bench.py: it times both sides of every case and reports ratios.

Timings are never asserted (the machine may be busy); the report's fields and their sense are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, PROJECT

BENCH = PROJECT / "bench" / "analyze_bench.py"


def test_reports_every_case_with_its_baseline() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--pages", str(FIXTURES / "html"), "--rounds", "1", "--json"],
        capture_output=True, text=True, timeout=240, cwd=PROJECT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pages"] == 3
    for case in ("many", "one"):
        row = report[case]
        assert row["newsmon"] > 0 and row["trafilatura"] > 0
        assert abs(row["ratio"] - row["newsmon"] / row["trafilatura"]) < 1e-9
    assert set(report["help"]) == {"newsmon"}


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--pages", str(tmp_path / "none")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "no such folder" in result.stderr
