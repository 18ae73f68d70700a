"""The sentence that reports an event, and the text zones classification and field extraction read.

News reports of a conference put the facts in one sentence near the top: "Ngày 7/12, tại Hòa Bình,
Bộ ... phối hợp ... tổ chức Hội nghị tập huấn ...". Classification weighs phrases in it more than
elsewhere, and the date held, the place and the organisers are read from it first. Finding it
needs an organising verb, an event noun and, preferably, a date; the word lists are data in
``rules/classify.yaml`` (``report_sentence``), passed in compiled.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.months import find_named_dates, month_number
from pipeline.text import expand_abbreviations, fold, normalize

logger = logging.getLogger(__name__)

__all__ = [
    "DATE_HINT_RE",
    "FUTURE_RE",
    "ReportPatterns",
    "ReportSentence",
    "Zone",
    "aligned_fold",
    "find_report_sentence",
    "make_zones",
    "sentence_spans",
]

MAX_BODY_PARAGRAPHS = 4  # the reporting sentence is in the lead or the first paragraphs
SHORT_PARAGRAPH = 60  # shorter lines (bylines, datelines, captions left in) do not count as paragraphs
_PARAGRAPH = "\ue000"  # private-use character marking paragraph breaks through normalize()
LEAD_FALLBACK_CHARS = 700  # without a lead, a first paragraph up to this long stands in for it

_MONTHS_EN = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
# A date in a sentence, on folded text: "ngay 7/12", "sang nay (9/11)", "hom nay, 8/8", "trong 2 ngay (7 - 8/12)",
# "ngay 18 thang 8", "on december 7", "7 december".
DATE_HINT_RE = re.compile(
    r"\b(?:ngay|sang|chieu|toi|trua|dem|hom nay|sang nay|chieu nay|toi nay|trong (?:\d+|hai|ba) ngay)\b"
    r"[\s,(]*(?:nay[\s,(]*)?\d{1,2}(?:\s*(?:-|–|va|den)\s*\d{1,2})?\s*(?:[/.-]\s*\d{1,2}\b|thang\s+\d{1,2}\b)"
    r"|\b(?:hom nay|sang nay|chieu nay|toi nay|hom qua|sang qua|chieu qua|toi qua|today|this morning"
    r"|this afternoon|yesterday|aujourd hui|hier|heute|gestern|hoy|ayer|hoje|ontem)\b"
    rf"|\b{_MONTHS_EN}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTHS_EN}\b"
)
# Future or plan wording: a sentence with it does not report something that happened.
FUTURE_RE = re.compile(
    r"\b(?:se|du kien|sap|chuan bi|ke hoach|will|scheduled|plans? to|is expected|are expected)\b"
)
_GENERIC_BEFORE_RE = re.compile(r"\b(?:nhieu|cac|nhung|moi|\d+|many|several|all)\s+$")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…;:])[\"”’')]*\s+|(?<=[。！？；])[」』）]*\s*|\n+")
_ORDINAL_DAY_RE = re.compile(r"(?<!\d)\d{1,2}\.$")
_ABBREV_BEFORE_DOT_RE = re.compile(
    r"(?:\b(?:TP|Tp|tp|TS|ThS|PGS|GS|BS|KS|CN|St|Mr|Mrs|Ms|Dr|No|Jan|Feb|Mar|Apr|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-ZĐ])\.$"
)


@dataclass(frozen=True)
class Zone:
    """One part of an article: ``text`` normalised (and abbreviations expanded when asked),
    ``folded`` the accent-free lower-case form, index-aligned with ``text``."""

    name: str  # "title" | "lead" | "body"
    text: str
    folded: str


@dataclass(frozen=True)
class ReportPatterns:
    """Compiled word lists that make a sentence a report: an organising verb and an event noun."""

    verbs: re.Pattern[str]
    nouns: re.Pattern[str]


@dataclass(frozen=True)
class ReportSentence:
    zone: str  # "lead" | "body"
    start: int  # offsets in that zone's text
    end: int
    has_date: bool
    future: bool

    def text(self, zones: dict[str, Zone]) -> str:
        return zones[self.zone].text[self.start : self.end]


def aligned_fold(s: str) -> str:
    """``fold(s)``, guaranteed the same length as ``s`` so offsets carry over between the two."""
    folded = fold(s)
    if len(folded) == len(s):
        return folded
    return "".join((fold(c) or " ")[0] for c in s)


@lru_cache(maxsize=16)
def _base_zones(title: str | None, lead: str | None, text: str) -> tuple[Zone, ...]:
    """Normalised zones without abbreviation expansion; cached because classification and field
    extraction read the same article one after the other."""
    # One normalize() pass over the whole body, paragraph breaks kept through a private-use marker.
    joined = normalize((text or "").replace("\n", f" {_PARAGRAPH} "))
    paragraphs = [p.strip() for p in joined.split(_PARAGRAPH)]
    paragraphs = [p for p in paragraphs if p]
    bare = not (lead and lead.strip()) and not (title and title.strip())
    if bare and len(paragraphs) > 1 and len(paragraphs[0]) <= LEAD_FALLBACK_CHARS:
        lead, paragraphs = paragraphs[0], paragraphs[1:]
    zones = []
    for name, value in (("title", title), ("lead", lead)):
        if value and value.strip():
            s = normalize(value)
            zones.append(Zone(name, s, aligned_fold(s)))
    body = "\n".join(paragraphs)
    zones.append(Zone("body", body, aligned_fold(body)))
    return tuple(zones)


def make_zones(title: str | None, lead: str | None, text: str, expand: bool = False) -> dict[str, Zone]:
    """Normalise title, lead and body into zones; paragraphs of the body stay on their own lines.

    Without title and lead (a bare text file), a short first paragraph stands in for the lead:
    that is where Vietnamese reports put the sapo. ``expand`` spells abbreviations out.
    """
    zones = {}
    for zone in _base_zones(title, lead, text):
        if expand:
            expanded = expand_abbreviations(zone.text)
            if expanded != zone.text:
                zone = Zone(zone.name, expanded, aligned_fold(expanded))
        zones[zone.name] = zone
    return zones


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; paragraph breaks and ``.!?;:`` before a capital end sentences,
    ``TP. Hồ Chí Minh`` and ``PGS.TS. Lê ...`` do not."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        if "\n" not in m.group(0):
            nxt = text[m.end() : m.end() + 2].lstrip("\"“‘'(")[:1]
            if not (nxt.isupper() or nxt.isdigit()):
                continue
            if text[m.start() - 1 : m.start()] == "." and _ABBREV_BEFORE_DOT_RE.search(
                text[max(0, m.start() - 6) : m.start()]
            ):
                continue
            if _ORDINAL_DAY_RE.search(text[max(0, m.start() - 4) : m.start()]) and month_number(
                text[m.end() : m.end() + 12].split(" ", 1)[0].strip(",.")
            ):
                continue  # "am 9. August": a German day, not a sentence end
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _specific_noun(folded: str, patterns: ReportPatterns) -> bool:
    """An event noun that names one event, not a kind ("nhiều hội nghị", "các lớp", "3 hội nghị")."""
    return any(
        not _GENERIC_BEFORE_RE.search(folded[max(0, m.start() - 12) : m.start()])
        for m in patterns.nouns.finditer(folded)
    )


def _paragraphs_end(text: str, n: int) -> int:
    """Offset where the ``n``-th paragraph of at least ``SHORT_PARAGRAPH`` characters ends."""
    seen = 0
    pos = 0
    for line in text.split("\n"):
        pos += len(line) + 1
        if len(line) >= SHORT_PARAGRAPH:
            seen += 1
            if seen >= n:
                return min(pos, len(text))
    return len(text)


def _names_event_first(folded: str, patterns: ReportPatterns) -> bool:
    """A sentence that opens with the event's name ("Hội nghị tập huấn … do … tổ chức nhằm …"):
    it reports that event even without a date."""
    m = patterns.nouns.search(folded.lstrip(" \"'“‘(«-–"))
    return m is not None and m.start() == 0


def find_report_sentence(zones: dict[str, Zone], patterns: ReportPatterns) -> ReportSentence | None:
    """The sentence that reports the event: organising verb + event noun (one event, not "nhiều hội
    nghị"), in the lead, or dated in the first paragraphs; a dated one wins, then the earliest.
    ``None`` for texts that report no event."""
    candidates: list[tuple[int, int, ReportSentence]] = []
    order = 0
    for name in ("lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        limit = len(zone.folded)
        if name == "body":
            limit = _paragraphs_end(zone.text, MAX_BODY_PARAGRAPHS)
        for start, end in sentence_spans(zone.text[:limit]):
            folded = zone.folded[start:end]
            if patterns.verbs.search(folded) is None or not _specific_noun(folded, patterns):
                continue
            has_date = (
                DATE_HINT_RE.search(folded) is not None or next(find_named_dates(folded), None) is not None
            )
            if name == "body" and not has_date and not _names_event_first(folded, patterns):
                continue  # "Thời gian qua, nhiều hội nghị ... đã được tổ chức": a remark, not the report
            future = FUTURE_RE.search(folded) is not None
            rank = (0 if has_date else 2) + (0 if name == "lead" else 1)
            candidates.append((rank, order, ReportSentence(name, start, end, has_date, future)))
            order += 1
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]
