"""How ``newsmon eval`` shows a report: one table per set, a column per language group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from newsmon.cli.app import UsageError, err, out
from pipeline.evaluate.scores import LANGUAGE_GROUPS, Report

FIELD_NAMES = {
    "date": "date held",
    "province": "province (old)",
    "province_2025": "province (2025 unit)",
    "participants": "participants",
    "provinces_covered": "provinces covered",
    "legal_refs": "legal references",
    "organizers": "organisers (overlap)",
}


def _f(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def print_report(report: Report) -> None:
    """The report as a table: detection by language, each field, clustering, near-duplicates."""
    languages = ", ".join(f"{k} {v}" for k, v in report.languages.items())
    missing = f"; {report.missing} without cached text" if report.missing else ""
    table = Table(title=f"{report.name}: {report.cases} case(s) ({languages}){missing}")
    table.add_column("measure")
    table.add_column("all", justify="right")
    for group in LANGUAGE_GROUPS:
        table.add_column(group, justify="right")

    def row(name: str, overall: Any, by_group: dict[str, Any]) -> None:
        table.add_row(name, _f(overall), *(_f(by_group.get(g)) for g in LANGUAGE_GROUPS))

    d, dl = report.detection, report.detection_by_language
    row("training detection: precision", d["precision"], {g: v["precision"] for g, v in dl.items()})
    row("training detection: recall", d["recall"], {g: v["recall"] for g, v in dl.items()})
    row("training detection: F1", d["f1"], {g: v["f1"] for g, v in dl.items()})
    table.add_row(
        "  (reports: true +, false +, missed)",
        f"{d['tp']}, {d['fp']}, {d['fn']}",
        *(f"{v['tp']}, {v['fp']}, {v['fn']}" if (v := dl.get(g)) else "—" for g in LANGUAGE_GROUPS),
    )
    n = report.fields.get("n", 0)
    for name, label in FIELD_NAMES.items():
        if name in report.fields:
            row(
                f"field: {label} (n={n})",
                report.fields[name],
                {g: v.get(name) for g, v in report.fields_by_language.items()},
            )
    c = report.clustering
    table.add_row(
        "event clustering, pairwise F1",
        f"{c['f1']:.3f} (P {c['precision']:.2f}, R {c['recall']:.2f})",
        "",
        "",
        "",
    )
    u = report.duplicates
    table.add_row(
        "near-duplicates, pairwise F1",
        f"{u['f1']:.3f} (P {u['precision']:.2f}, R {u['recall']:.2f})",
        "",
        "",
        "",
    )
    out.print(table)


def build_model_report(labels: Path, cache: Path, fmt: str) -> None:
    """``newsmon eval --build-model``: fit, compare on the held-back part, show the figures."""
    from newsmon.services.model_build import build_model

    if not cache.exists():
        raise UsageError(f"no cached study texts at {cache}: bench/study/README.md says how to build them")
    try:
        report = build_model(labels, cache)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if fmt == "json":
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    table = Table(title=f"learned second stage: {'ON' if report.enabled else 'off'} ({report.path.name})")
    for col in ("measured on", "detector", "precision", "recall", "F1"):
        table.add_column(col)
    for where, name, m in (
        ("tuning part, 5-fold", "rules", report.cross_validation["rules"]),
        (
            "tuning part, 5-fold",
            f"rules + model (high {report.high}, low {report.low})",
            report.cross_validation["model"],
        ),
        ("held-back part", "rules", report.heldout_rules),
        ("held-back part", "rules + model", report.heldout_model),
    ):
        table.add_row(where, name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    out.print(table)


def corrections_report(sessions: Any, fmt: str, errors: bool, export: Path | None) -> None:
    """``newsmon eval --corrections``: the rules against the analysts' corrections."""
    from newsmon.services.correction_eval import corrected_cases, score_corrections
    from storage.db import session_scope

    with session_scope(sessions) as session:
        scores = score_corrections(session)
        cases = corrected_cases(session) if export else []
    if export:
        import yaml

        export.write_text(
            yaml.safe_dump(cases, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
        )
        err.print(
            f"wrote {len(cases)} labelled case(s) to {export} (score them with `newsmon eval {export}`)"
        )
    if fmt == "json":
        out.print_json(json.dumps(scores.as_dict(), ensure_ascii=False, default=str))
        return
    if not scores.verdicts and not scores.fields and not scores.merges + scores.splits:
        err.print("no corrections yet: analysts make them on the event and article pages of `newsmon serve`")
        return
    table = Table(title="the rules against the analysts' corrections")
    for col in ("measure", "value", "from"):
        table.add_column(col)
    table.add_row("detection precision", _f(scores.precision), f"{scores.verdicts} verdict(s)")
    table.add_row("detection recall", _f(scores.recall),
                  f"TP {scores.true_positive} FP {scores.false_positive} FN {scores.false_negative} TN {scores.true_negative}")  # fmt: skip
    for name, counts in scores.fields.items():
        table.add_row(f"{name.replace('_', ' ')} accuracy", _f(scores.accuracy(name)),
                      f"{counts['agreed']} of {counts['checked']} corrected event(s)")  # fmt: skip
    table.add_row("events merged by analysts", str(scores.merges), "each: the rules split one event in two")
    table.add_row("reports split out by analysts", str(scores.splits), "each: the rules joined two events")
    out.print(table)
    if errors and scores.errors:
        err.print(f"{len(scores.errors)} disagreement(s):")
        for line in scores.errors:
            err.print(f"  {line}")
