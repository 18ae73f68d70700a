"""Provinces: the 63 pre-2025 provinces and the 34 units they became (Resolution 202/2025/QH15).

The data file (``data/provinces.tsv``) maps each old name to its 2025 unit. Names are
matched diacritic- and case-insensitively so that ``Thanh Hoa`` finds ``Thanh Hóa``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

_CITY_SUFFIX = re.compile(r"\s*\(thành phố\)\s*$")


@dataclass(frozen=True)
class Province:
    name: str  # pre-2025 name, e.g. "Hòa Bình"
    unit_2025: str  # the 2025 unit it belongs to, e.g. "Phú Thọ"
    city_2025: bool  # whether the 2025 unit is a centrally-governed city


def _key(name: str) -> str:
    """Accent-folded, lower-case key without punctuation (keeps this module dependency-free)."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    folded = re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", folded.strip())
    return re.sub(r"[^a-z0-9]+", "", folded)


@cache
def provinces() -> tuple[Province, ...]:
    """All 63 pre-2025 provinces, in file order."""
    text = resources.files("pipeline").joinpath("data/provinces.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    result = []
    for row in rows:
        new = row["new_name"].strip()
        result.append(
            Province(
                name=unicodedata.normalize("NFC", row["old_name"].strip()),
                unit_2025=unicodedata.normalize("NFC", _CITY_SUFFIX.sub("", new)),
                city_2025=bool(_CITY_SUFFIX.search(new)),
            )
        )
    return tuple(result)


@cache
def _index() -> dict[str, Province]:
    return {_key(p.name): p for p in provinces()}


def units_2025() -> list[str]:
    """The 34 provincial units since 2025, sorted."""
    return sorted({p.unit_2025 for p in provinces()})


def find_province(name: str) -> Province | None:
    """The pre-2025 province called ``name`` (any accents/case, with or without "Tỉnh"), or None."""
    return _index().get(_key(name))


def is_unit_2025(name: str) -> bool:
    return _key(name) in {_key(u) for u in units_2025()}
