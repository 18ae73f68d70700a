"""An event's fields, merged from its reports: the value most reports agree on.

Ties go to the report from the host province's own outlet, then to the earliest report; the
``provenance`` records which article each value came from.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.cluster.match import parse_date

__all__ = ["LIST_FIELDS", "MERGED_FIELDS", "merged_fields"]

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
LIST_FIELDS = frozenset({"organizers", "legal_refs", "speakers"})
MERGED_FIELDS = ("date_held", "date_end", "province", "province_2025", "venue", "participants",
                 "provinces_covered", "organizers", "legal_refs", "speakers")  # fmt: skip


def _vote(values: list[tuple[Any, Any]], home: set[int]) -> tuple[Any, Any] | None:
    """The value most reports agree on; ties to a host-province outlet, then the earliest report."""
    present = [(v, a) for v, a in values if v not in (None, "", [])]
    if not present:
        return None
    counts = Counter(_key(v) for v, _ in present)

    def rank(item: tuple[Any, Any]) -> tuple[int, int, datetime, int]:
        value, art = item
        published = art.published_at or datetime.max.replace(tzinfo=_VN)
        return (-counts[_key(value)], 0 if art.id in home else 1, published, art.id)

    return min(present, key=rank)


def _headline(text: str | None, limit: int = 120) -> str | None:
    """A stand-in title from the first sentence, for reports that have none."""
    if not text:
        return None
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _key(value: Any) -> Any:
    """A hashable form of a field value (lists of names, speakers as dicts)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, list | dict) else value


def merged_fields(reports: list[Any], source_provinces: dict[str, str | None]) -> dict[str, Any]:
    """The event's values from its reports (``id``, ``url``, ``fields``, ``title``, ``lead``,
    ``text``, ``language``, ``topics``, ``classification``, ``published_at``, ``duplicate_of``,
    ``source_id``): every merged field, ``title``, ``topics``, ``score`` and ``provenance``.
    ``source_provinces`` maps a source id to its 2025 province (the host outlet wins ties)."""
    if not reports:
        return {}
    by_date = sorted(reports, key=lambda a: (a.published_at or datetime.max.replace(tzinfo=_VN), a.id))
    provenance: dict[str, Any] = {}
    values: dict[str, Any] = {}
    voted_province = _vote([((r.fields or {}).get("province_2025"), r) for r in reports], set())
    home = {
        r.id
        for r in reports
        if voted_province and source_provinces.get(r.source_id or "") == voted_province[0]
    }
    for field in MERGED_FIELDS:
        chosen = _vote([((r.fields or {}).get(field), r) for r in reports], home)
        value = chosen[0] if chosen else None
        if field in ("date_held", "date_end"):
            value = parse_date(value)
        values[field] = value if value is not None else ([] if field in LIST_FIELDS else None)
        if chosen:
            provenance[field] = {"article_id": chosen[1].id, "url": chosen[1].url}
    originals = [r for r in by_date if not r.duplicate_of] or by_date
    titled = next((r for r in originals if r.language == "vi" and r.title), None) or originals[0]
    values["title"] = titled.title or _headline(titled.lead or titled.text)
    provenance["title"] = {"article_id": titled.id, "url": titled.url}
    topics: list[str] = []
    for r in by_date:
        topics += [t for t in r.topics or [] if t not in topics]
    values["topics"] = topics
    values["score"] = max((r.classification or {}).get("score", 0.0) for r in reports)
    values["provenance"] = provenance
    return values
