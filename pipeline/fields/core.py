"""The facts of a reported event: when, where, who organised it, how many came, which documents.

Reports put these in one sentence near the top ("Ngày 7/12, tại Hòa Bình, Bộ ..., Văn phòng ...
phối hợp Ủy ban nhân dân tỉnh Hòa Bình tổ chức Hội nghị tập huấn ...") and repeat or contradict
them further down (25 provinces, later 26). So each field is read from the reporting sentence
first (:mod:`pipeline.classify.reporting`), then in reading order, and ``provenance`` keeps the snippet
every value came from, for the analyst to check.

Dates in the text usually lack the year ("Ngày 7/12", "Sáng nay (9/11)"): they are resolved
against the publication date, never far into the future unless the sentence is about a plan;
dates of legal documents ("Quyết định số 1079/QĐ-TTg ngày 14/9/2022") are never the date held."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline.classify.classifier import load_rules, url_words
from pipeline.classify.reporting import (
    find_report_sentence,
    make_zones,
)
from pipeline.fields.counts import find_participants, find_provinces_covered
from pipeline.fields.dates import TZ, find_date_held
from pipeline.fields.legal import event_legal_refs
from pipeline.fields.organisers import find_organizers, is_local, with_province
from pipeline.fields.places import REFORM_2025, find_venue, province_of
from pipeline.fields.sentences import reading_order
from pipeline.fields.speakers import find_speakers
from pipeline.gazetteer import (
    find_province,
    find_unit_2025,
)

logger = logging.getLogger(__name__)


@dataclass
class EventFields:
    """Fields of one report; ``provenance`` maps a field name to the snippet it came from."""

    date_held: date | None = None
    date_end: date | None = None
    province: str | None = None  # pre-2025 name
    province_2025: str | None = None
    venue: str | None = None
    organizers: list[str] = field(default_factory=list)
    participants: int | None = None
    participants_text: str | None = None  # as written: "gần 150"
    provinces_covered: int | None = None
    legal_refs: list[str] = field(default_factory=list)
    speakers: list[dict[str, str]] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able values (dates as ISO strings)."""
        return {
            "date_held": self.date_held.isoformat() if self.date_held else None,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "province": self.province,
            "province_2025": self.province_2025,
            "venue": self.venue,
            "organizers": list(self.organizers),
            "participants": self.participants,
            "participants_text": self.participants_text,
            "provinces_covered": self.provinces_covered,
            "legal_refs": list(self.legal_refs),
            "speakers": [dict(s) for s in self.speakers],
            "provenance": dict(self.provenance),
        }


def extract_fields(
    title: str | None,
    lead: str | None,
    text: str,
    published: datetime | None,
    language: str | None = None,
    default_province: str | None = None,
    url: str | None = None,
) -> EventFields:
    """Read the event fields of one report (see the module docstring for the order of trust).

    ``published`` resolves yearless dates ("Ngày 7/12") and decides whether a place name means a
    pre- or post-2025 unit; without it, the year comes from the text ("năm 2023", cited dates).
    ``default_province`` is the province of a provincial source: a provincial site reporting its
    own department's training ("Sở Thông tin và Truyền thông tổ chức ...") rarely names the
    province, so it is used when the text names none and an organiser is such a local body.
    ``url``: the words of its path (the title, in Vietnamese on vietnam.vn's language editions)
    stand in for a place or a count the text does not give.
    """
    rules = load_rules()
    lang = (language or "").lower().split("-")[0] or None
    patterns = rules.report.get(lang) or rules.report[None]
    zones = make_zones(title, lead, text, expand=False)
    report = find_report_sentence(zones, patterns)
    slug = url_words(url) if url else ""
    sentences = reading_order(zones, report)
    report_sentence = next((s for s in sentences if s.is_report), None)
    prov: dict[str, str] = {}
    pub = None
    if published is not None:
        # A Vietnamese writer's "hôm nay" is Vietnam's day; any other page's day is its own clock's.
        pub = (published.astimezone(TZ) if lang in (None, "vi") else published).date()

    held, held_end = find_date_held(sentences, zones, pub, prov, lang)
    when = held or pub
    province, province_2025 = province_of(zones, report, when, prov, slug)
    organizers = find_organizers(report_sentence, sentences, prov)
    if province is None and default_province and any(is_local(o) for o in organizers):
        found = find_province(default_province)
        if found is not None:
            province = found.name
            province_2025 = (
                find_unit_2025(default_province) if when and when >= REFORM_2025 else None
            ) or found.unit_2025
            prov["province"] = (
                f"source province {default_province!r}; local organiser: {prov.get('organizers', '')}"
            )
    participants, participants_text = find_participants(sentences, prov, slug)
    return EventFields(
        date_held=held,
        date_end=held_end,
        province=province,
        province_2025=province_2025,
        venue=find_venue(report_sentence, prov),
        organizers=with_province(organizers, province),
        participants=participants,
        participants_text=participants_text,
        provinces_covered=find_provinces_covered(sentences, prov),
        legal_refs=event_legal_refs(zones, prov),
        speakers=find_speakers(sentences),
        provenance=prov,
    )
