"""The day an event was held: Vietnamese day-month forms, month names in every language
(:mod:`pipeline.months`), "hôm nay", "chiều qua", "on Thursday", yearless dates resolved
against the publication date, document dates (``Quyết định … ngày 14/9/2022``) left out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from pipeline.classify.classifier import load_rules
from pipeline.classify.reporting import (
    Zone,
)
from pipeline.fields.sentences import Sentence, snip
from pipeline.months import find_named_dates, weekday_of

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


FUTURE_GRACE_DAYS = 3  # a held date may follow the publication date by this much (time zones, late dating)


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


MONTH_ALT = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)


_LEAD_WORD = r"(?:ngay|sang|chieu|toi|trua|dem|hom)(?:\s+(?:nay|qua|mai))?"


# Each pattern on folded text; named groups d1 (first day), d2 (last day), m, y.
_DATE_PATTERNS = (
    # "trong 2 ngày (7 - 8/12)", "trong 2 ngày 24 và 25-9", "ngày 7 và 8/12", "từ ngày 8 đến 10/9"
    re.compile(
        r"\b(?:trong\s+(?:\d+|hai|ba|bon)\s+ngay|(?:tu\s+)?" + _LEAD_WORD + r")[\s,(]*"
        r"(?P<d1>\d{1,2})(?:\s*[/.-]\s*(?P<m1>\d{1,2}))?\s*(?:-|–|va|den|toi)\s*(?:ngay\s+)?"
        r"(?P<d2>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}))?(?![\d/])"
    ),
    # "ngày 18/8/2023", "Ngày 7/12", "sáng 29-5", "Chiều nay (11/10)", "Hôm nay, 8/8", "Ngày 18.6"
    re.compile(
        r"\b"
        + _LEAD_WORD
        + r"[\s,(]*(?P<d1>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}))?(?![\d/])"
    ),
    # "ngày 18 tháng 8 năm 2023"
    re.compile(r"\bngay\s+(?P<d1>\d{1,2})\s+thang\s+(?P<m>\d{1,2})(?:\s+nam\s+(?P<y>\d{4}))?"),
    # "On December 7", "on Dec. 7, 2023", "December 7-8"
    re.compile(
        r"\b(?P<mn>"
        + MONTH_ALT
        + r")\.?\s+(?P<d1>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?(?:st|nd|rd|th)?(?:\s*,?\s*(?P<y>\d{4}))?\b"
    ),
    # "7 December 2023"
    re.compile(
        r"\b(?P<d1>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?\s+(?P<mn>"
        + MONTH_ALT
        + r")\.?(?:\s+(?P<y>\d{4}))?\b"
    ),
)


_RELATIVE_RE = re.compile(
    r"(?<!\w)(?P<today>hom nay|sang nay|chieu nay|toi nay|trua nay|today|this morning|this afternoon"
    r"|this evening|aujourd hui|ce matin|cet apres midi|heute|heute morgen|hoy|esta manana|hoje"
    r"|esta manha|hari ini|pagi ini|сегодня|今天|今日|本日|오늘)(?!\w)"
    r"|(?<!\w)(?P<yesterday>hom qua|sang qua|chieu qua|toi qua|yesterday|hier|gestern|ayer|ontem"
    r"|kemarin|вчера|昨天|昨日|어제)(?!\w)"
)
WEEKDAY_WINDOW = 6  # "on Thursday" in a report: the last Thursday up to publication, within a week


_DOC_WORDS = (
    r"quyet dinh|ket luan|chi thi|nghi quyet|ke hoach|thong bao|nghi dinh|thong tu|cong van|huong dan"
    r"|luat|de an|chuong trinh|van ban|bao cao|decision|conclusion|directive|resolution|decree|plan"
)


# A date that belongs to a document: "Quyết định số 1079/QĐ-TTg ngày 14/9/2022" (a document before it),
# "ngày 15/6/2023 của Bộ Chính trị" (an issuer after it), "ngày 14-9-2022, Thủ tướng Chính phủ đã ký ..."
# (a signing verb right after it, with no organising verb in between).
_DOC_BEFORE_RE = re.compile(r"(?:" + _DOC_WORDS + r")(?:\s+so)?[\s\w/.-]{0,25}[\s,]+$")


_REF_BEFORE_RE = re.compile(r"\d+\s*[/-]\s*[a-z]{1,6}[\w/-]*[\s,]*$")


_DOC_AFTER_RE = re.compile(
    r"^[\s,)]*(?:cua\s+(?:bo chinh tri|ban bi thu|ban chap hanh|trung uong|thu tuong|chinh phu|quoc hoi"
    r"|uy ban|ubnd|bo\s|tinh uy|hoi dong)"
    r"|(?:(?!to chuc|khai mac|dien ra|hop)[^.;,]){0,40}?\b(?:da ky|ky ban hanh|da ban hanh|ban hanh|phe duyet"
    r"|ky (?:quyet dinh|ket luan|chi thi|nghi quyet|nghi dinh|thong tu|van ban|ke hoach|thong bao)"
    r"|signed|issued)\b)"
)


# "năm 2023", "in 2023", "the 2024 training", "en 2024", "im Jahr 2024", "2024年", "2024년", "tahun 2024"
_YEAR_WORD_RE = re.compile(
    r"(?:\bnam|\bin|\bthe|\bof|\bfor|\ben|\bem|\bjahr|\btahun|\bв|\bde)\s+((?:19|20)\d{2})\b"
    r"|((?:19|20)\d{2})\s*(?:年|년|году|год)"
)


@dataclass(frozen=True)
class _DateFound:
    day: int
    month: int
    year: int | None
    end_day: int | None
    end_month: int | None
    start: int
    end: int


def _month_number(token: str) -> int:
    return _MONTHS[token[:3]]


def _is_document_date(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - 60) : start]
    return bool(
        _DOC_BEFORE_RE.search(before)
        or _REF_BEFORE_RE.search(before)
        or _DOC_AFTER_RE.match(folded[end : end + 90])
    )


def _dates_in(folded: str, named: bool = False) -> list[_DateFound]:
    """Date expressions in a folded sentence, documents' dates left out, in order; ``named``
    adds month names of every language and CJK/Korean forms (not for Vietnamese, where "mai"
    is tomorrow and "sáng mai 15/3" no May)."""
    found: list[_DateFound] = []
    taken: list[tuple[int, int]] = []
    if named:
        for d in find_named_dates(folded):
            taken.append((d.start, d.end))
            if not _is_document_date(folded, d.start, d.end):
                found.append(_DateFound(d.day, d.month, d.year, d.end_day, d.month if d.end_day else None,
                                        d.start, d.end))  # fmt: skip
    for regex in _DATE_PATTERNS:
        for m in regex.finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groupdict()
            try:
                month = _month_number(g["mn"]) if g.get("mn") else int(g["m"])
                day = int(g["d1"])
                year = int(g["y"]) if g.get("y") else None
                end_day = int(g["d2"]) if g.get("d2") else None
                end_month = month if end_day is not None else None
                if g.get("m1"):  # "24/9 - 2/10"
                    month = int(g["m1"])
            except (KeyError, ValueError):
                continue
            if not (1 <= day <= 31 and 1 <= month <= 12) or (end_day is not None and not 1 <= end_day <= 31):
                continue
            taken.append((m.start(), m.end()))
            if _is_document_date(folded, m.start(), m.end()):
                continue
            found.append(_DateFound(day, month, year, end_day, end_month, m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _resolve_year(
    day: int, month: int, published: date | None, future_ok: bool, year_hint: int | None
) -> date | None:
    """The year of a yearless date: the latest one not after publication (plus a grace of
    ``FUTURE_GRACE_DAYS``), or, for a plan, the next one from publication on."""
    if published is None:
        return _safe_date(year_hint, month, day) if year_hint else None
    candidates = [
        d
        for y in (published.year - 1, published.year, published.year + 1)
        if (d := _safe_date(y, month, day))
    ]
    if future_ok:
        upcoming = [d for d in candidates if d >= published - timedelta(days=FUTURE_GRACE_DAYS)]
        return min(upcoming) if upcoming else None
    past = [d for d in candidates if d <= published + timedelta(days=FUTURE_GRACE_DAYS)]
    return max(past) if past else None


def _year_hint(zones: dict[str, Zone], sentences: list[Sentence]) -> int | None:
    """Without a publication date: "năm 2023" in the title or in a sentence about the event, else
    the year of the latest full date in the text (the event is not older than what it cites)."""
    patterns = load_rules().report[None]
    title = zones.get("title")
    for s in ([title.folded] if title else []) + [
        s.folded for s in sentences if patterns.nouns.search(s.folded)
    ]:
        m = _YEAR_WORD_RE.search(s)
        if m:
            return int(m.group(1) or m.group(2))
    years = [
        int(y)
        for z in zones.values()
        for y in re.findall(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*((?:19|20)\d{2})\b", z.folded)
    ]
    return max(years) if years else None


_CLOSING_RE = re.compile(r"\b(?:be giang|be mac|ket thuc|closing|closed|concluded|cloture|abschluss)\b")
_OPENING_RE = re.compile(
    r"\b(?:khai mac|khai giang|bat dau|dien ra tu|opened|began|started|ouvert|eroffnet)\b"
)
COURSE_MAX_DAYS = 31


def _opening_date(
    sentences: list[Sentence],
    closing: Sentence,
    closed: date,
    published: date | None,
    hint: int | None,
    named: bool,
) -> date | None:
    """The day a course that closed on ``closed`` opened, when another sentence says it."""
    for s in sentences:
        if s is closing or not _OPENING_RE.search(s.folded):
            continue
        for found in _dates_in(s.folded, named):
            if found.year is not None:
                opened = _safe_date(found.year, found.month, found.day)
            else:
                opened = _resolve_year(
                    found.day, found.month, published or closed, False, hint or closed.year
                )
            if opened is not None and 0 < (closed - opened).days <= COURSE_MAX_DAYS:
                return opened
    return None


def find_date_held(
    sentences: list[Sentence],
    zones: dict[str, Zone],
    published: date | None,
    prov: dict[str, str],
    language: str | None = None,
) -> tuple[date | None, date | None]:
    patterns = load_rules().report[None]
    named = language not in (None, "vi")
    candidates = [s for s in sentences if s.is_report] + [
        s for s in sentences if not s.is_report and patterns.nouns.search(s.folded) and s.zone != "title"
    ]
    hint: int | None = None
    for s in candidates:
        for found in _dates_in(s.folded, named):
            future = s.future
            if found.year is not None:
                held = _safe_date(found.year, found.month, found.day)
            else:
                if published is None and hint is None:
                    hint = _year_hint(zones, sentences)
                held = _resolve_year(found.day, found.month, published, future, hint)
            if held is None:
                continue
            end = None
            if found.end_day is not None:
                end = _safe_date(held.year, found.end_month or held.month, found.end_day)
                if end is not None and end < held:  # "30/11 - 2/12"
                    end = _safe_date(
                        held.year + (held.month == 12), (found.end_month or held.month), found.end_day
                    )
            prov["date_held"] = snip(s.text, found.start, found.end)
            if end is None and _CLOSING_RE.search(s.folded):
                opened = _opening_date(candidates, s, held, published, hint, named)
                if opened is not None:  # a course closed on this day, opened earlier: it spans both
                    prov["date_end"] = prov["date_held"]
                    return opened, held
            return held, end
    # "Hôm nay", "sáng nay" without a date: the publication date; "on Thursday": the last one.
    for s in candidates[:3]:
        m = _RELATIVE_RE.search(s.folded)
        if m and published is not None:
            prov["date_held"] = snip(s.text, m.start(), m.end())
            return (published if m.group("today") else published - timedelta(days=1)), None
        weekday = weekday_of(s.folded) if named else None
        if weekday is not None and published is not None:
            back = (published.weekday() - weekday[0]) % 7
            if back <= WEEKDAY_WINDOW:
                prov["date_held"] = snip(s.text, weekday[1], weekday[2])
                return published - timedelta(days=back), None
    return None, None
