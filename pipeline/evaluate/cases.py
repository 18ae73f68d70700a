"""Labelled cases for scoring: the team's own-words cases (YAML) and the study set of real
reports (labels committed, texts in a local cache).

Own-words cases: ``tests/fixtures/labelled/*.yaml`` (schema in its README). The study set:
``bench/study/labels.jsonl`` holds per real page its URL, the search query that found it, its
language and our labels; the page texts are never committed: ``bench/study_cache.py`` builds
``.cache/study/texts.jsonl`` (one ``{"url", "query", "excerpt"}`` per line) from the answers of
the search tool. A study item whose text is not in the cache is left out and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from pipeline import yamlfile

__all__ = [
    "SPLITS",
    "TARGET",
    "TARGET_TOPICS",
    "Case",
    "StudySet",
    "is_target",
    "load_cases",
    "load_study",
]

TARGET = "training_conference"
TARGET_TOPICS = frozenset({"external_information", "human_rights"})
SPLITS = ("study", "heldout")
_VN = timezone(timedelta(hours=7))


@dataclass
class Case:
    """One labelled report. ``event`` holds the gold event fields (``key``, ``date``,
    ``date_end``, ``province``, ``province_2025``, ``organizers``, ``participants`` ...);
    fields absent from it are not scored."""

    id: str
    url: str
    title: str
    text: str
    published: datetime | None
    language: str
    label: str
    topics: list[str]
    event: dict[str, Any] | None
    duplicate_of: str | None = None
    source: str | None = None
    target: bool | None = None  # the study set labels this directly; else label + topics decide
    split: str | None = None
    notes: str = ""


def is_target(case: Case) -> bool:
    """Whether the case is a report of a held training on external information or human rights."""
    if case.target is not None:
        return case.target
    return case.label == TARGET and bool(TARGET_TOPICS & set(case.topics))


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(12), _VN)
    elif len(str(value)) == 10:  # a day: noon in Vietnam, so no zone moves it
        parsed = datetime.combine(date.fromisoformat(str(value)), time(12), _VN)
    else:
        parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Every case of the YAML files (or directories of them) given."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    cases = []
    for file in files:
        for index, raw in enumerate(yamlfile.safe_load(file.read_text(encoding="utf-8")) or []):
            try:
                cases.append(_case(raw))
            except (KeyError, TypeError, ValueError) as exc:
                name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
                raise ValueError(f"{file}: case {name}: {type(exc).__name__}: {exc}") from None
    return cases


def _case(raw: dict[str, Any]) -> Case:
    return Case(
        id=raw["id"],
        url=raw.get("url") or f"https://cases.invalid/{raw['id']}",
        title=raw.get("title") or "",
        text=raw["text"],
        published=_datetime(raw["published"]),
        language=raw.get("language", "vi"),
        label=raw["label"],
        topics=list(raw.get("topics") or []),
        event=raw.get("event"),
        duplicate_of=raw.get("duplicate_of"),
        source=raw.get("source"),
    )


@dataclass
class StudySet:
    """The study set's cases by split, and the items left out because no text is cached."""

    cases: dict[str, list[Case]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    items: int = 0


def _study_event(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    return {
        "key": raw["key"],
        "date": raw.get("date"),
        "date_end": raw.get("date_end"),
        "province": raw.get("province_old"),
        "province_2025": raw.get("province_2025"),
        "organizers": list(raw.get("organisers") or []),
        "participants": raw.get("participants"),
    }


def read_cache(path: Path) -> dict[tuple[str, str], str]:
    """``(url, query) -> excerpt`` from a cache file; a missing file is an empty cache."""
    texts: dict[tuple[str, str], str] = {}
    if not path.exists():
        return texts
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                texts[(row["url"], row.get("query", ""))] = row["excerpt"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a cache line ({exc})") from None
    return texts


def load_study(labels: Path, cache: Path, splits: Iterable[str] = SPLITS) -> StudySet:
    """The study set's items with their cached texts, by split."""
    texts = read_cache(cache)
    by_url = {url: text for (url, _query), text in texts.items()}
    wanted = tuple(splits)
    result = StudySet(cases={s: [] for s in wanted}, missing={s: 0 for s in wanted})
    with labels.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                split = item["split"]
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{labels}:{lineno}: not a study item ({exc})") from None
            result.items += 1
            if split not in wanted:
                continue
            text = texts.get((item["url"], item.get("query", ""))) or by_url.get(item["url"])
            if text is None:
                result.missing[split] += 1
                continue
            result.cases[split].append(
                Case(
                    id=item["id"],
                    url=item["url"],
                    title="",
                    text=text,
                    published=_datetime(item.get("published")),
                    language=item.get("language") or "vi",
                    label=item["label"],
                    topics=list(item.get("topics") or []),
                    event=_study_event(item.get("event")),
                    target=bool(item["training"]),
                    split=split,
                    notes=item.get("notes") or "",
                )
            )
    return result
