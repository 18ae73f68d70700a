"""Export writers: CSV for spreadsheets and scripts, Excel workbooks for analysts."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["write_csv", "write_xlsx"]


def write_csv(rows: Iterable[dict[str, Any]], columns: list[str], stream: Any) -> None:
    """Rows as CSV with a BOM (Excel then reads UTF-8 Vietnamese); lists joined with "; "."""
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
    stream.write("\ufeff")  # BOM: Excel then reads UTF-8 Vietnamese correctly
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})


def write_xlsx(rows: Iterable[dict[str, Any]], columns: list[str], output: Path, title: str) -> None:
    """Rows as an Excel workbook of one sheet, streamed; cells Excel refuses are cleaned."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    workbook = Workbook(write_only=True)  # streams rows to a temporary file
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values = []
        for k in columns:
            v = row.get(k)
            if isinstance(v, list):
                v = "; ".join(map(str, v))
            if isinstance(v, str):
                v = v[:32_000]  # an Excel cell holds at most 32,767 characters
            values.append(v)
        try:
            sheet.append(values)
        except IllegalCharacterError:  # control characters Excel refuses
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    workbook.save(output)
