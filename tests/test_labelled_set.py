"""The labelled evaluation set (tests/fixtures/labelled/*.yaml) is well-formed.

Checks the schema described in tests/fixtures/labelled/README.md: unique ids, labels and topics from
the allowed lists, an event block exactly for event labels, parseable dates, provinces among the 63
pre-2025 names with the right 2025 unit, duplicate links to earlier reports, consistency of reports
that share an event key, and the minimum size of every category of cases.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from pipeline.gazetteer import find_province, provinces, units_2025

LABELLED = Path(__file__).parent / "fixtures" / "labelled"
SEED_TEXTS = Path(__file__).parent / "fixtures" / "seeds"

LABELS = {
    "training_conference",
    "other_conference",
    "seminar",
    "dialogue",
    "award",
    "plan_or_directive",
    "other",
}
EVENT_LABELS = {"training_conference", "other_conference", "seminar", "dialogue", "award"}
TOPICS = {
    "external_information",
    "human_rights",
    "cybersecurity",
    "child_rights",
    "digital_transformation",
    "press",
    "other",
}
CASE_KEYS = {
    "id",
    "language",
    "source",
    "url",
    "published",
    "title",
    "text",
    "label",
    "topics",
    "event",
    "duplicate_of",
    "notes",
}
OPTIONAL_CASE_KEYS = {"not_duplicate_of", "seed_file"}
EVENT_KEYS = {
    "key",
    "date",
    "date_end",
    "province",
    "province_2025",
    "organizers",
    "participants",
    "provinces_covered",
    "legal_refs",
}
OPTIONAL_EVENT_KEYS = {"series", "participants_best"}
SPACELESS = {"zh", "ja", "th", "lo", "km"}
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# 1079/QĐ-TTg, 57-KL/TW, 72/2015/NĐ-CP, 04/CTPH-PBGDPL-TTĐN, 202/2025/QH15
LEGAL_ID = re.compile(r"^\d+(?:/\d{4})?[/-][A-ZĐ][A-ZĐ0-9]*(?:[/-][A-ZĐ][A-Za-zĐ0-9]*)*$")
ICT = timedelta(hours=7)

MINIMUMS = {
    "non-seed cases": 65,
    "positive events": 22,
    "hard negatives": 25,
    "english": 6,
    "duplicate pairs": 6,
    "hard non-duplicate pairs": 3,
    "multi-report events": 5,
    "sibling series": 3,
}


def load_cases() -> list[dict]:
    """Every case of every YAML file, each with ``_file`` set to the file name."""
    cases = []
    for path in sorted(LABELLED.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, list), f"{path.name}: not a YAML list"
        for case in data:
            assert isinstance(case, dict), f"{path.name}: a case is not a mapping"
            cases.append({**case, "_file": path.name})
    return cases


CASES = load_cases()
BY_ID = {c["id"]: c for c in CASES}


def is_seed(case: dict) -> bool:
    return case["_file"] == "seeds.yaml"


def as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime), f"not a date-time: {value!r}"
    return value


def as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value)
    assert isinstance(value, date) and not isinstance(value, datetime), f"not a date: {value!r}"
    return value


def reports_by_key() -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for case in CASES:
        if case.get("event"):
            groups[case["event"]["key"]].append(case)
    return groups


def case_ids(case: dict) -> str:
    return case["id"]


def test_files_present():
    names = {p.name for p in LABELLED.glob("*.yaml")}
    assert {
        "seeds.yaml",
        "positives.yaml",
        "negatives.yaml",
        "english.yaml",
        "duplicates.yaml",
        "multi_report_events.yaml",
        "siblings.yaml",
    } <= names
    assert (LABELLED / "README.md").is_file()


def test_ids_unique_and_kebab_case():
    seen: dict[str, str] = {}
    for case in CASES:
        assert KEBAB.match(case["id"]), f"not kebab-case: {case['id']}"
        assert case["id"] not in seen, f"duplicate id {case['id']} in {case['_file']} and {seen[case['id']]}"
        seen[case["id"]] = case["_file"]


def test_urls_unique():
    urls = [c["url"] for c in CASES if c["url"]]
    assert len(urls) == len(set(urls)), "two cases share a URL"


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_case_schema(case):
    keys = set(case) - {"_file"}
    missing = (CASE_KEYS - {"event"}) - keys
    assert not missing, f"missing keys {missing}"
    assert not keys - CASE_KEYS - OPTIONAL_CASE_KEYS, f"unknown keys {keys - CASE_KEYS - OPTIONAL_CASE_KEYS}"

    assert re.fullmatch(r"[a-z]{2}", case["language"])
    assert case["label"] in LABELS
    assert case["topics"] and set(case["topics"]) <= TOPICS, case["topics"]
    assert len(set(case["topics"])) == len(case["topics"])
    assert isinstance(case["title"], str) and case["title"].strip()
    assert isinstance(case["text"], str) and case["text"].strip()
    assert isinstance(case["notes"], str) and case["notes"].strip()

    published = as_datetime(case["published"])
    if is_seed(case):
        assert case["id"].startswith("seed-")
    else:
        # only seeds may lack outlet, address or publication time
        assert isinstance(case["source"], str) and case["source"].strip()
        assert isinstance(case["url"], str) and re.match(r"^https?://[a-z0-9.-]+\.[a-z]{2,}/", case["url"])
        assert published is not None
        words = len(case["text"].split())
        if case["language"] in SPACELESS:  # no spaces between words: about two characters a word
            words = len("".join(case["text"].split())) // 2
        assert 110 <= words <= 520, f"body of {words} words"
        assert "\n\n" in case["text"], "paragraphs must be separated by blank lines"
    if published is not None:
        assert published.utcoffset() == ICT, "publication time must carry +07:00"
        assert (
            datetime(2019, 1, 1, tzinfo=published.tzinfo)
            <= published
            < datetime(2026, 1, 1, tzinfo=published.tzinfo)
        )

    if case["label"] in EVENT_LABELS:
        assert isinstance(case.get("event"), dict), "event labels need an event block"
    else:
        assert case.get("event") is None, "only event labels carry an event block"


EVENT_CASES = [c for c in CASES if c.get("event")]


@pytest.mark.parametrize("case", EVENT_CASES, ids=case_ids)
def test_event_fields(case):
    event = case["event"]
    keys = set(event)
    assert not EVENT_KEYS - keys, f"missing event keys {EVENT_KEYS - keys}"
    assert not keys - EVENT_KEYS - OPTIONAL_EVENT_KEYS, (
        f"unknown event keys {keys - EVENT_KEYS - OPTIONAL_EVENT_KEYS}"
    )
    assert KEBAB.match(event["key"])

    start, end = as_date(event["date"]), as_date(event["date_end"])
    if end is not None:
        assert start is not None and start < end <= start + timedelta(days=10)
    published = as_datetime(case["published"])
    if start is not None and published is not None and case["label"] != "plan_or_directive":
        # reports of held events are published on the day or after (allow for time zones abroad)
        assert start - timedelta(days=1) <= published.date() <= start + timedelta(days=60)

    province, unit = event["province"], event["province_2025"]
    if province is not None:
        found = find_province(province)
        assert found is not None and found.name == province, f"not one of the 63 names: {province!r}"
        assert unit == found.unit_2025, f"{province} became {found.unit_2025}, not {unit}"
    else:
        assert unit is None or unit in units_2025(), f"unknown 2025 unit {unit!r}"

    assert isinstance(event["organizers"], list)
    assert all(isinstance(o, str) and o.strip() for o in event["organizers"])
    for field in ("participants", "participants_best"):
        value = event.get(field)
        assert value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)
    covered = event["provinces_covered"]
    assert covered is None or (isinstance(covered, int) and 1 < covered <= 63)
    refs = event["legal_refs"]
    assert isinstance(refs, list) and len(set(refs)) == len(refs)
    for ref in refs:
        assert isinstance(ref, str) and LEGAL_ID.match(ref), f"not a normalised legal id: {ref!r}"


def test_gazetteer_has_63_provinces_and_34_units():
    assert len(provinces()) == 63
    assert len(units_2025()) == 34


def test_duplicate_links():
    for case in CASES:
        target = case.get("duplicate_of")
        if target is None:
            continue
        assert target in BY_ID, f"{case['id']}: duplicate_of {target} does not exist"
        original = BY_ID[target]
        assert original is not case
        assert original.get("duplicate_of") is None, f"{case['id']}: point to the original, not to a copy"
        earlier, later = as_datetime(original["published"]), as_datetime(case["published"])
        assert earlier is not None and later is not None and earlier < later, (
            f"{case['id']}: the original must be published earlier"
        )
        assert case["label"] == original["label"]
        if case.get("event"):
            assert case["event"]["key"] == original["event"]["key"]


def test_not_duplicate_links():
    for case in CASES:
        other = case.get("not_duplicate_of")
        if other is None:
            continue
        assert other in BY_ID and other != case["id"], f"{case['id']}: bad not_duplicate_of {other}"
        assert case.get("duplicate_of") != other and BY_ID[other].get("duplicate_of") != case["id"]
        if case.get("event") and BY_ID[other].get("event"):
            assert case["event"]["key"] != BY_ID[other]["event"]["key"], "a non-duplicate pair of one event"


def test_reports_of_one_event_agree():
    for key, reports in reports_by_key().items():
        assert len({r["label"] for r in reports}) == 1, f"{key}: labels differ"
        for field in ("date", "province", "province_2025", "series"):
            values = {str(r["event"][field]) for r in reports if r["event"].get(field) is not None}
            assert len(values) <= 1, f"{key}: {field} differs across reports: {values}"
        best = {r["event"]["participants_best"] for r in reports if "participants_best" in r["event"]}
        assert len(best) <= 1, f"{key}: participants_best differs across reports: {best}"


def test_series_are_distinct_events():
    series: dict[str, list[dict]] = defaultdict(list)
    for case in EVENT_CASES:
        if case["event"].get("series"):
            series[case["event"]["series"]].append(case)
    for name, members in series.items():
        keys = [m["event"]["key"] for m in members]
        assert len(keys) >= 2 and len(set(keys)) == len(keys), f"series {name} must be distinct events"
        assert all(m.get("duplicate_of") is None for m in members)


def test_seeds_match_seed_files():
    seeds = [c for c in CASES if is_seed(c)]
    assert len(seeds) == 5
    for case in seeds:
        path = SEED_TEXTS / case["seed_file"]
        if path.is_file():
            assert case["text"] == path.read_text(encoding="utf-8"), f"{case['id']}: seed text changed"
        assert case["label"] == "training_conference"
    assert BY_ID["seed-000"]["event"]["date"] is None and BY_ID["seed-000"]["event"]["province"] is None


def category_counts() -> dict[str, int]:
    originals = [c for c in CASES if not is_seed(c) and c.get("duplicate_of") is None]
    groups = reports_by_key()
    series = {c["event"]["series"] for c in EVENT_CASES if c["event"].get("series")}
    sibling_pairs = {
        frozenset((c["id"], c["not_duplicate_of"]))
        for c in CASES
        if c.get("not_duplicate_of") and c.get("event") and c["event"].get("series")
    }
    non_dup_pairs = {frozenset((c["id"], c["not_duplicate_of"])) for c in CASES if c.get("not_duplicate_of")}
    return {
        "non-seed cases": sum(not is_seed(c) for c in CASES),
        "positive events": len({c["event"]["key"] for c in originals if c["label"] == "training_conference"}),
        "hard negatives": sum(c["label"] != "training_conference" for c in originals),
        "english": sum(c["language"] == "en" for c in CASES),
        "duplicate pairs": sum(c.get("duplicate_of") is not None for c in CASES),
        "hard non-duplicate pairs": len(non_dup_pairs - sibling_pairs),
        "multi-report events": sum(
            len([r for r in reports if r.get("duplicate_of") is None]) >= 2 for reports in groups.values()
        ),
        "sibling series": len(series),
    }


def test_category_minimums():
    counts = category_counts()
    for name, minimum in MINIMUMS.items():
        assert counts[name] >= minimum, f"{name}: {counts[name]} < {minimum}"
    labels = {c["label"] for c in CASES}
    assert labels == LABELS, f"labels never used: {LABELS - labels}"
