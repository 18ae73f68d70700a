"""Issue 3 acceptance: the five seeds plus a republished copy of seed 001 make five events
and one duplicate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, PROJECT

SEEDS = sorted((FIXTURES / "seeds").glob("0??_*.txt"))


def republished_copy_of_001(tmp_path: Path) -> Path:
    text = SEEDS[1].read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "(Ảnh:" not in line and not line.startswith("0:00")]
    body = "\n".join(lines).replace("NDO - ", "(HBĐT) - ")
    copy = tmp_path / "copy_of_001.txt"
    copy.write_text(body + "\n\nTheo Nhân Dân\n", encoding="utf-8")
    return copy


def newsmon(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmon", "--database", db, *args], capture_output=True, text=True,
                          cwd=PROJECT, timeout=180)  # fmt: skip


def test_five_seeds_and_a_copy_make_five_events_and_one_duplicate(database_url, tmp_path: Path):
    db = database_url
    copy = republished_copy_of_001(tmp_path)
    result = newsmon("ingest", *map(str, SEEDS), str(copy), db=db)
    assert result.returncode == 0, result.stderr
    assert "6 new article(s)" in result.stdout
    events = json.loads(newsmon("events", "--format", "json", db=db).stdout)
    assert len(events) == 5, [e["title"] for e in events]
    assert all(e["type"] == "training_conference" for e in events)
    articles = json.loads(newsmon("articles", "list", "--format", "json", db=db).stdout)
    duplicates = [a for a in articles if a["duplicate_of"]]
    assert len(duplicates) == 1
    assert duplicates[0]["url"].endswith("copy_of_001.txt")
    by_url = {a["id"]: a for a in articles}
    assert by_url[duplicates[0]["duplicate_of"]]["url"].endswith(SEEDS[1].name)
    event_of_001 = next(e for e in events if any(a["url"].endswith(SEEDS[1].name) for a in e["articles"]))
    assert len(event_of_001["articles"]) == 2
    assert (event_of_001["date"], event_of_001["province"], event_of_001["province_2025"]) == (
        "2023-12-07",
        "Hòa Bình",
        "Phú Thọ",
    )
