"""How ``newsmon eval`` shows a report: one table per set, a column per language group."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from newsmon.cli.app import out
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
