"""Scores of predictions against labelled cases: detection by language, event fields one by
one, clustering and near-duplicates as pairs.

Detection counts a report of a held training on external information or human rights
(:func:`pipeline.evaluate.cases.is_target`). Fields are scored on the reports that are such a
training both in the labels and in the prediction, each field only where the labels give it
(a label of ``null`` is scored too: the text does not say, so neither should the pipeline).
Clustering counts pairs of reports put in one event, over every labelled event report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from pipeline.evaluate.cases import TARGET, Case, is_target
from pipeline.text import fold

__all__ = ["FIELDS", "LANGUAGE_GROUPS", "Prediction", "Report", "language_group", "score"]

FIELDS = (
    "date",
    "province",
    "province_2025",
    "participants",
    "provinces_covered",
    "legal_refs",
    "organizers",
)
LANGUAGE_GROUPS = ("vi", "en", "other")


@dataclass
class Prediction:
    """What the pipeline made of one case."""

    case: Case
    article_id: int
    event_type: str | None
    fields: dict[str, Any]
    event_id: int | None
    root_id: int


@dataclass
class Report:
    """Scores of one set of cases, and the cases behind each miss so that errors can be read."""

    name: str
    cases: int
    detection: dict[str, float]
    detection_by_language: dict[str, dict[str, float]]
    fields: dict[str, float]
    fields_by_language: dict[str, dict[str, float]]
    clustering: dict[str, float]
    duplicates: dict[str, float]
    errors: list[str] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    missing: int = 0  # study items left out: no cached text

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "missing": self.missing,
            "languages": self.languages,
            "detection": self.detection,
            "detection_by_language": self.detection_by_language,
            "fields": self.fields,
            "fields_by_language": self.fields_by_language,
            "clustering": self.clustering,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


def language_group(language: str | None) -> str:
    lang = (language or "vi").lower().split("-")[0]
    return lang if lang in ("vi", "en") else "other"


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}  # fmt: skip


def _pairs(groups: dict[str, Any]) -> set[frozenset[str]]:
    members: dict[Any, list[str]] = {}
    for case_id, group in groups.items():
        if group is not None:
            members.setdefault(group, []).append(case_id)
    return {frozenset(pair) for ids in members.values() for pair in combinations(sorted(ids), 2)}


def _norm_field(name: str, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if name == "date":
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if name == "legal_refs":
        return tuple(sorted(str(v) for v in value))
    if name in ("province", "province_2025"):
        return fold(str(value)).replace(" (thanh pho)", "").strip()
    if name in ("participants", "provinces_covered"):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def _overlap(gold: list[str], predicted: list[str]) -> float:
    g, p = {fold(x) for x in gold}, {fold(x) for x in predicted}
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    return 2 * len(g & p) / (len(g) + len(p))


def _detection(predictions: list[Prediction], errors: list[str]) -> dict[str, dict[str, float]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in predictions:
        gold = is_target(p.case)
        predicted = p.event_type == TARGET
        for group in ("all", language_group(p.case.language)):
            c = counts[group]
            c[0] += gold and predicted
            c[1] += predicted and not gold
            c[2] += gold and not predicted
        if gold != predicted:
            errors.append(
                f"detection {p.case.id} [{p.case.language}]: gold {p.case.label}"
                f"{' (target)' if gold else ''}, predicted {p.event_type}"
            )
    return {g: prf(*counts[g]) for g in ("all", *LANGUAGE_GROUPS) if g in counts}


def _fields(
    predictions: list[Prediction], errors: list[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    hits: dict[str, dict[str, list[float]]] = defaultdict(lambda: {f: [] for f in FIELDS})
    n = 0
    for p in predictions:
        if not (is_target(p.case) and p.case.event and p.event_type == TARGET):
            continue
        n += 1
        gold_event = p.case.event
        predicted = {**p.fields, "date": p.fields.get("date_held")}
        for name in FIELDS:
            if name not in gold_event:
                continue
            if name == "organizers":
                value = _overlap(gold_event.get(name) or [], predicted.get(name) or [])
            else:
                value = float(
                    _norm_field(name, gold_event.get(name)) == _norm_field(name, predicted.get(name))
                )
                if not value:
                    errors.append(
                        f"{name} {p.case.id} [{p.case.language}]: gold {gold_event.get(name)!r}, "
                        f"predicted {predicted.get(name)!r}"
                    )
            for group in ("all", language_group(p.case.language)):
                hits[group][name].append(value)

    def summary(by_field: dict[str, list[float]]) -> dict[str, float]:
        out = {name: round(sum(v) / len(v), 4) for name, v in by_field.items() if v}
        out["n"] = max((len(v) for v in by_field.values()), default=0)
        return out

    overall = summary(hits["all"]) if "all" in hits else {"n": 0}
    overall["n"] = n
    return overall, {g: summary(hits[g]) for g in LANGUAGE_GROUPS if g in hits}


def score(predictions: list[Prediction], name: str = "cases") -> Report:
    errors: list[str] = []
    detection = _detection(predictions, errors)
    fields, fields_by_language = _fields(predictions, errors)

    event_cases = {p.case.id: p for p in predictions if p.case.event and p.case.event.get("key")}
    gold_pairs = _pairs({cid: p.case.event["key"] for cid, p in event_cases.items()})  # type: ignore[index]
    pred_pairs = _pairs({cid: p.event_id for cid, p in event_cases.items()})
    clustering = prf(len(gold_pairs & pred_pairs), len(pred_pairs - gold_pairs), len(gold_pairs - pred_pairs))
    for pair in sorted(pred_pairs ^ gold_pairs, key=sorted):
        kind = "merged" if pair in pred_pairs else "split"
        errors.append(f"clustering {kind}: {' + '.join(sorted(pair))}")

    roots = {p.case.id: p.case.id for p in predictions}
    parent = {p.case.id: p.case.duplicate_of for p in predictions}
    for cid in roots:
        seen = set()
        while parent.get(roots[cid]) and roots[cid] not in seen:
            seen.add(roots[cid])
            roots[cid] = parent[roots[cid]]  # type: ignore[assignment]
    gold_dups = _pairs(roots)
    pred_dups = _pairs({p.case.id: p.root_id for p in predictions})
    duplicates = prf(len(gold_dups & pred_dups), len(pred_dups - gold_dups), len(gold_dups - pred_dups))
    for pair in sorted(pred_dups ^ gold_dups, key=sorted):
        kind = "false duplicate" if pair in pred_dups else "missed duplicate"
        errors.append(f"{kind}: {' + '.join(sorted(pair))}")
    languages: dict[str, int] = defaultdict(int)
    for p in predictions:
        languages[p.case.language] += 1
    return Report(
        name=name,
        cases=len(predictions),
        detection=detection.get("all", prf(0, 0, 0)),
        detection_by_language={g: v for g, v in detection.items() if g != "all"},
        fields=fields,
        fields_by_language=fields_by_language,
        clustering=clustering,
        duplicates=duplicates,
        errors=errors,
        languages=dict(sorted(languages.items())),
    )
