"""The study set: its committed labels are well-formed, its cache is rebuilt from search answers,
and `newsmon eval` scores both parts by language and field (texts here are our own)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.evaluate.cases import load_study
from pipeline.gazetteer import units_2025

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "bench" / "study" / "labels.jsonl"
LABEL_TYPES = {
    "training_conference",
    "other_conference",
    "seminar",
    "dialogue",
    "award",
    "plan_or_directive",
    "other",
}


def _items() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_committed_labels_are_well_formed() -> None:
    items = _items()
    assert len(items) >= 450
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["url"] for i in items}) == len(items)
    units = set(units_2025())
    for i in items:
        assert i["split"] in ("study", "heldout")
        assert i["label"] in LABEL_TYPES
        assert i["training"] == (
            i["label"] == "training_conference"
            and bool({"external_information", "human_rights"} & set(i["topics"]))
        ), i["id"]
        assert i["query"] and i["url"].startswith(("http://", "https://"))
        event = i.get("event")
        assert (event is not None) == (i["label"] in {"training_conference", "other_conference", "seminar",
                                                      "dialogue", "award"}), i["id"]  # fmt: skip
        if event:
            assert event["province_2025"] is None or event["province_2025"] in units, i["id"]
            assert "evidence" not in event  # quotations of the page are not committed


def test_set_is_large_and_spread() -> None:
    items = _items()
    assert sum(i["training"] for i in items) >= 230
    assert sum(not i["training"] for i in items) >= 150
    assert sum(i["label"] == "training_conference" for i in items) >= 300
    languages = Counter(i["language"] for i in items)
    assert len(languages) >= 10 and languages["en"] >= 50
    heldout = [i for i in items if i["split"] == "heldout"]
    assert 0.25 <= len(heldout) / len(items) <= 0.42


def test_every_report_of_an_event_is_on_one_side() -> None:
    sides: dict[str, set[str]] = {}
    for i in _items():
        if i.get("event"):
            sides.setdefault(i["event"]["key"], set()).add(i["split"])
    assert all(len(s) == 1 for s in sides.values())


def _tiny_set(tmp_path: Path) -> tuple[Path, Path]:
    """Four items in our own words: two to tune on, two held back, one without a cached text."""
    items = [
        {"id": "s1", "split": "study", "url": "https://a.vn/tap-huan-thong-tin-doi-ngoai-tai-lang-son",
         "query": "q1", "language": "vi", "published": "2023-11-09", "label": "training_conference",
         "training": True, "topics": ["external_information"],
         "event": {"key": "k1", "date": "2023-11-09", "date_end": None, "province_2025": "Lạng Sơn",
                   "province_old": "Lạng Sơn", "organisers": [], "participants": 100}},
        {"id": "s2", "split": "study", "url": "https://b.vn/ke-hoach-tap-huan-nam-sau", "query": "q1",
         "language": "vi", "published": "2023-11-10", "label": "plan_or_directive", "training": False,
         "topics": ["external_information"], "event": None},
        {"id": "s3", "split": "heldout", "url": "https://c.vn/fr/formation-droits-homme", "query": "q2",
         "language": "fr", "published": "2024-10-18", "label": "training_conference", "training": True,
         "topics": ["human_rights"],
         "event": {"key": "k3", "date": "2024-10-17", "date_end": None, "province_2025": "Nghệ An",
                   "province_old": "Nghệ An", "organisers": [], "participants": 150}},
        {"id": "s4", "split": "heldout", "url": "https://d.vn/no-text", "query": "q3", "language": "vi",
         "published": None, "label": "other", "training": False, "topics": ["other"], "event": None},
    ]  # fmt: skip
    texts = [
        {"url": "https://a.vn/tap-huan-thong-tin-doi-ngoai-tai-lang-son", "query": "q1",
         "excerpt": "Gần 100 đại biểu dự tập huấn thông tin đối ngoại\n\nSáng nay (9/11), tại thành phố Lạng Sơn, "
                    "Sở Thông tin và Truyền thông tổ chức hội nghị tập huấn công tác thông tin đối ngoại cho "
                    "gần 100 đại biểu."},
        {"url": "https://b.vn/ke-hoach-tap-huan-nam-sau", "query": "q1",
         "excerpt": "Kế hoạch tổ chức tập huấn thông tin đối ngoại năm sau\n\nỦy ban nhân dân tỉnh ban hành kế "
                    "hoạch tổ chức lớp tập huấn thông tin đối ngoại, dự kiến vào tháng 10 năm sau."},
        {"url": "https://c.vn/fr/formation-droits-homme", "query": "q2",
         "excerpt": "Conférence de formation sur les droits de l'homme à Nghe An\n\nLe matin du 17 octobre, le "
                    "Comité populaire de la province de Nghe An a organisé une conférence de formation sur les "
                    "droits de l'homme pour plus de 150 délégués."},
    ]  # fmt: skip
    labels, cache = tmp_path / "labels.jsonl", tmp_path / "texts.jsonl"
    labels.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    cache.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    return labels, cache


def test_load_study_counts_missing_texts(tmp_path: Path) -> None:
    labels, cache = _tiny_set(tmp_path)
    study = load_study(labels, cache)
    assert [c.id for c in study.cases["study"]] == ["s1", "s2"]
    assert [c.id for c in study.cases["heldout"]] == ["s3"]
    assert study.missing == {"study": 0, "heldout": 1}


@pytest.mark.one_backend
def test_eval_scores_both_parts_by_language(tmp_path: Path) -> None:
    labels, cache = _tiny_set(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "--database", f"sqlite:///{tmp_path / 'x.db'}", "eval",
         str(ROOT / "tests" / "fixtures" / "labelled" / "seeds.yaml"), "--study-labels", str(labels),
         "--study-cache", str(cache), "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reports = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(reports) == {"cases", "study set: study", "study set: heldout"}
    study, heldout = reports["study set: study"], reports["study set: heldout"]
    assert study["detection"]["tp"] == 1 and study["detection"]["fp"] == 0  # the plan is no report
    assert heldout["missing"] == 1
    assert heldout["detection_by_language"]["other"]["tp"] == 1
    assert heldout["fields"]["date"] == 1.0 and heldout["fields"]["province_2025"] == 1.0
    assert heldout["fields"]["participants"] == 1.0


def test_eval_without_cache_says_so(tmp_path: Path) -> None:
    labels, _ = _tiny_set(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "eval", str(ROOT / "tests" / "fixtures" / "labelled" / "seeds.yaml"),
         "--study-labels", str(labels), "--study-cache", str(tmp_path / "absent.jsonl"), "--no-errors"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0
    assert "no cached texts" in result.stderr and "study set" not in result.stdout


def test_cache_is_rebuilt_from_search_answers(tmp_path: Path) -> None:
    labels, cache = _tiny_set(tmp_path)
    cache.unlink()
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "q2.json").write_text(json.dumps({"query": "q2", "results": [
        {"url": "https://c.vn/fr/formation-droits-homme", "excerpt": "Conférence de formation ..."},
        {"url": "https://unlabelled.example/x", "excerpt": "not kept"},
    ]}), encoding="utf-8")  # fmt: skip
    script = ROOT / "bench" / "study_cache.py"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), "--cache", str(cache), "--labels", str(labels), *args],
                              capture_output=True,
                              text=True, timeout=60)  # fmt: skip

    plan = run("plan", "--missing")
    assert plan.returncode == 0
    assert {json.loads(line)["query"] for line in plan.stdout.splitlines()} == {"q1", "q2", "q3"}
    assert "1 text(s) added" in run("import", str(answers)).stdout
    rows = [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
    assert [r["url"] for r in rows] == ["https://c.vn/fr/formation-droits-homme"]
    status = run("status")
    assert status.returncode == 1 and "missing" in status.stdout
