"""Scoring the pipeline on labelled cases: detection, event fields, clustering, near-duplicates.

The cases (YAML, see ``tests/fixtures/labelled/README.md``) go through the same code path
as a crawl — stored as plain-text pages in a fresh database, in order of publication, each
outlet registered as a source the way sources.yaml would list it — and the result is
compared with the labels.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from newsmon.services.store import ArticleStore
from pipeline.types import Page
from pipeline.urls import canonical_url
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import Article

TARGET = "training_conference"
TARGET_TOPICS = {"external_information", "human_rights"}
FIELDS = (
    "date",
    "province",
    "province_2025",
    "participants",
    "provinces_covered",
    "legal_refs",
    "organizers",
)


@dataclass
class Case:
    id: str
    url: str
    title: str
    text: str
    published: datetime | None
    language: str
    label: str
    topics: list[str]
    event: dict[str, Any] | None
    duplicate_of: str | None
    source: str | None = None


@dataclass
class Prediction:
    case: Case
    article_id: int
    event_type: str | None
    fields: dict[str, Any]
    event_id: int | None
    root_id: int


@dataclass
class Report:
    """Scores, and the cases behind each miss so that errors can be read."""

    cases: int
    detection: dict[str, float]
    fields: dict[str, float]
    clustering: dict[str, float]
    duplicates: dict[str, float]
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "detection": self.detection,
            "fields": self.fields,
            "clustering": self.clustering,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Every case of the YAML files (or directories of them) given."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    cases = []
    for file in files:
        for index, raw in enumerate(yaml.safe_load(file.read_text(encoding="utf-8")) or []):
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


def is_target(label: str | None, topics: Iterable[str]) -> bool:
    return label == TARGET and bool(TARGET_TOPICS & set(topics))


def _register_source(session: Any, outlet: str) -> str:
    """Register a case's outlet as a crawl would have it in sources.yaml: an outlet named
    after a province ("Báo Sóc Trăng", "Cổng TTĐT tỉnh Lai Châu") is that province's."""
    from pipeline.gazetteer import find_provinces_in_text
    from pipeline.text import fold
    from storage.repository import upsert_source

    source_id = re.sub(r"[^a-z0-9]+", "-", fold(outlet)).strip("-")[:64] or "outlet"
    mentions = find_provinces_in_text(outlet)
    province = mentions[0].province if mentions else None
    upsert_source(
        session,
        id=source_id,
        name=outlet,
        kind="provincial_paper" if province else "national",
        province=province.name if province else None,
        province_2025=province.unit_2025 if province else None,
        homepage="https://cases.invalid/",
        enabled=True,
        config={},
    )
    return source_id


def run_cases(cases: list[Case]) -> list[Prediction]:
    """Ingest the cases into a fresh database in publication order; return what was made."""
    with tempfile.TemporaryDirectory(prefix="newsmon-eval-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'eval.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        store = ArticleStore(sessions)
        with session_scope(sessions) as session:
            source_ids = {c.source: _register_source(session, c.source) for c in cases if c.source}
        ids: dict[str, int] = {}
        far = datetime.max.replace(tzinfo=UTC)
        for case in sorted(cases, key=lambda c: (c.published or far, c.id)):
            body = f"{case.title}\n\n{case.text}".encode()
            page = Page(url=case.url, body=body, headers={"content-type": "text/plain; charset=utf-8"},
                        source_id=source_ids.get(case.source))  # fmt: skip
            outcome = store.ingest(page, replace=True, published=case.published)
            if outcome.article_id is None:
                raise RuntimeError(f"case {case.id}: no article: {outcome.error}")
            ids[case.id] = outcome.article_id
        with session_scope(sessions) as session:
            rows = {a.id: a for a in session.scalars(select(Article))}
            by_url = {a.canonical_url: a for a in rows.values()}
            predictions = []
            for case in cases:
                article = by_url.get(canonical_url(case.url)) or rows[ids[case.id]]
                predictions.append(
                    Prediction(
                        case,
                        article.id,
                        article.event_type,
                        dict(article.fields or {}),
                        article.event_id,
                        article.duplicate_of or article.id,
                    )
                )
        engine.dispose()
    return predictions


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
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
    if name in ("legal_refs",):
        return tuple(sorted(str(v) for v in value))
    if name == "organizers":
        return None  # scored separately, by overlap
    return value


def _overlap(gold: list[str], predicted: list[str]) -> float:
    from pipeline.text import fold

    g, p = {fold(x) for x in gold}, {fold(x) for x in predicted}
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    return 2 * len(g & p) / (len(g) + len(p))


def score(predictions: list[Prediction]) -> Report:
    errors: list[str] = []
    tp = fp = fn = 0
    for p in predictions:
        gold = is_target(p.case.label, p.case.topics)
        predicted = p.event_type == TARGET
        tp += gold and predicted
        fp += predicted and not gold
        fn += gold and not predicted
        if gold != predicted:
            errors.append(f"detection {p.case.id}: gold {p.case.label}, predicted {p.event_type}")
    detection = _prf(tp, fp, fn)

    field_hits: dict[str, list[float]] = {f: [] for f in FIELDS}
    for p in predictions:
        if not (is_target(p.case.label, p.case.topics) and p.case.event and p.event_type == TARGET):
            continue
        gold_event = p.case.event
        predicted = {**p.fields, "date": p.fields.get("date_held")}
        for name in FIELDS:
            if name == "organizers":
                field_hits[name].append(_overlap(gold_event.get(name) or [], predicted.get(name) or []))
                continue
            ok = _norm_field(name, gold_event.get(name)) == _norm_field(name, predicted.get(name))
            field_hits[name].append(1.0 if ok else 0.0)
            if not ok:
                errors.append(
                    f"{name} {p.case.id}: gold {gold_event.get(name)!r}, predicted {predicted.get(name)!r}"
                )
    fields = {name: round(sum(v) / len(v), 4) if v else 1.0 for name, v in field_hits.items()}
    fields["n"] = len(field_hits["date"])

    event_cases = {p.case.id: p for p in predictions if p.case.event and p.case.event.get("key")}
    gold_pairs = _pairs({cid: p.case.event["key"] for cid, p in event_cases.items()})
    pred_pairs = _pairs({cid: p.event_id for cid, p in event_cases.items()})
    clustering = _prf(
        len(gold_pairs & pred_pairs), len(pred_pairs - gold_pairs), len(gold_pairs - pred_pairs)
    )
    for pair in sorted(pred_pairs ^ gold_pairs, key=sorted):
        kind = "merged" if pair in pred_pairs else "split"
        errors.append(f"clustering {kind}: {' + '.join(sorted(pair))}")

    roots = {p.case.id: p.case.id for p in predictions}
    parent = {p.case.id: p.case.duplicate_of for p in predictions}
    for cid in roots:
        seen = set()
        while parent.get(roots[cid]) and roots[cid] not in seen:
            seen.add(roots[cid])
            roots[cid] = parent[roots[cid]]
    gold_dups = _pairs(roots)
    pred_dups = _pairs({p.case.id: p.root_id for p in predictions})
    duplicates = _prf(len(gold_dups & pred_dups), len(pred_dups - gold_dups), len(gold_dups - pred_dups))
    for pair in sorted(pred_dups ^ gold_dups, key=sorted):
        kind = "false duplicate" if pair in pred_dups else "missed duplicate"
        errors.append(f"{kind}: {' + '.join(sorted(pair))}")
    return Report(len(predictions), detection, fields, clustering, duplicates, errors)


def evaluate(paths: Iterable[Path]) -> Report:
    return score(run_cases(load_cases(paths)))
