"""The facts of a reported event: when, where, who organised it, how many came, which documents.

Reports put these in one sentence near the top ("Ngày 7/12, tại Hòa Bình, Bộ ..., Văn phòng ...
phối hợp Ủy ban nhân dân tỉnh Hòa Bình tổ chức Hội nghị tập huấn ...") and repeat or contradict
them further down (25 provinces, later 26). So each field is read from the reporting sentence
first (:mod:`pipeline.reporting`), then in reading order, and ``provenance`` keeps the snippet
every value came from, for the analyst to check.

Dates in the text usually lack the year ("Ngày 7/12", "Sáng nay (9/11)"): they are resolved
against the publication date, never far into the future unless the sentence is about a plan;
dates of legal documents ("Quyết định số 1079/QĐ-TTg ngày 14/9/2022") are never the date held.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.classify import load_rules
from pipeline.gazetteer import (
    SURNAMES,
    Mention,
    find_province,
    find_provinces_in_text,
    find_unit_2025,
    provinces,
)
from pipeline.reporting import (
    FUTURE_RE,
    ReportSentence,
    Zone,
    find_report_sentence,
    make_zones,
    sentence_spans,
)
from pipeline.text import expand_abbreviations, fold, iter_word_matches

logger = logging.getLogger(__name__)

__all__ = ["EventFields", "extract_fields", "legal_refs"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REFORM_2025 = date(2025, 7, 1)  # new provincial governments (Resolution 202/2025/QH15)
FUTURE_GRACE_DAYS = 3  # a held date may follow the publication date by this much (time zones, late dating)
PROVINCE_MIN_SCORE = 3.0
SNIPPET_CHARS = 160


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


# --- sentences in reading order ----------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    zone: str
    start: int
    end: int
    text: str
    folded: str
    is_report: bool = False

    @property
    def future(self) -> bool:
        return FUTURE_RE.search(self.folded) is not None


def _sentences(zones: dict[str, Zone], report: ReportSentence | None) -> list[_Sentence]:
    """The report sentence first, then every sentence of title, lead and body in order."""
    result: list[_Sentence] = []
    for name in ("title", "lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        for start, end in sentence_spans(zone.text):
            is_report = report is not None and report.zone == name and report.start == start
            result.append(
                _Sentence(name, start, end, zone.text[start:end], zone.folded[start:end], is_report)
            )
    result.sort(key=lambda s: not s.is_report)
    return result


def _snip(text: str, start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    a = max(0, start - SNIPPET_CHARS // 2)
    b = min(len(text), end + SNIPPET_CHARS // 2)
    return " ".join(text[a:b].split())


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_ALT = (
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
        + _MONTH_ALT
        + r")\.?\s+(?P<d1>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?(?:st|nd|rd|th)?(?:\s*,?\s*(?P<y>\d{4}))?\b"
    ),
    # "7 December 2023"
    re.compile(
        r"\b(?P<d1>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?\s+(?P<mn>"
        + _MONTH_ALT
        + r")\.?(?:\s+(?P<y>\d{4}))?\b"
    ),
)
_RELATIVE_RE = re.compile(
    r"\b(?P<today>hom nay|sang nay|chieu nay|toi nay|trua nay|today|this morning|this afternoon|this evening)\b"
    r"|\b(?P<yesterday>hom qua|sang qua|chieu qua|yesterday)\b"
)
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
_YEAR_WORD_RE = re.compile(r"\bnam\s+(\d{4})\b|\bin\s+(\d{4})\b")


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


def _dates_in(folded: str) -> list[_DateFound]:
    """Date expressions in a folded sentence, documents' dates left out, in order."""
    found: list[_DateFound] = []
    taken: list[tuple[int, int]] = []
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


def _year_hint(zones: dict[str, Zone], sentences: list[_Sentence]) -> int | None:
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


def _date_held(
    sentences: list[_Sentence], zones: dict[str, Zone], published: date | None, prov: dict[str, str]
) -> tuple[date | None, date | None]:
    patterns = load_rules().report[None]
    candidates = [s for s in sentences if s.is_report] + [
        s for s in sentences if not s.is_report and patterns.nouns.search(s.folded) and s.zone != "title"
    ]
    hint: int | None = None
    for s in candidates:
        for found in _dates_in(s.folded):
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
            prov["date_held"] = _snip(s.text, found.start, found.end)
            return held, end
    # "Hôm nay", "sáng nay" without a date: the publication date.
    for s in candidates[:3]:
        m = _RELATIVE_RE.search(s.folded)
        if m and published is not None:
            prov["date_held"] = _snip(s.text, m.start(), m.end())
            return (published if m.group("today") else published - timedelta(days=1)), None
    return None, None


# --- place -------------------------------------------------------------------------------------

_AT_BEFORE_RE = re.compile(r"(?<!hien )\b(?:tai|o|in|at)\b[^.;]{0,60}$")
_ADMIN_BEFORE_RE = re.compile(
    r"(?:\btinh|\bthanh pho|\btp\.?|\buy ban nhan dan|\bubnd|\btinh uy|\bthanh uy)\s*$"
)
_HOST_BEFORE_RE = re.compile(
    r"(?:chu tich|bi thu|giam doc|truong ban|chanh van phong)\b[^,.;]{0,60}?(?:tinh|thanh pho|tinh uy|thanh uy)\s*$"
)
_VENUE_RE = re.compile(
    r"(?<!hien )\b(?:tai|in|at)\s+(?P<venue>[^,;.()]{2,80}?)(?=\s*(?:,|;|\.|\(|$|\s+(?:on|from|to)\b))"
)
_VENUE_CONTINUE_RE = re.compile(
    r"^\s*,\s*(?P<more>(?:tinh|thanh pho|tp\.?|huyen|quan|thi xa|xa|phuong)\s[^,;.()]{2,40}|[^,;.()]{2,40}\s(?:province|city|district))"
)
_NOT_VENUE = re.compile(
    r"^(?:\d|(?:hoi nghi|lop|buoi|le|dia phuong|co so|day|do|cac|nhieu|nhung|this|that"
    r"|the\s+(?:conference|event|training|meeting|session))\b)"
)


def _province_of(
    zones: dict[str, Zone], report: ReportSentence | None, when: date | None, prov: dict[str, str]
) -> tuple[str | None, str | None]:
    """Where it was held: "tại X" in the reporting sentence, else its other provinces, else the
    title and lead, else the host official ("Phó Chủ tịch UBND tỉnh Trà Vinh"), else None."""
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, Mention, str]] = {}
    capped: dict[tuple[str, str], float] = {}
    order = 0
    for name in ("title", "lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        for mention in find_provinces_in_text(zone.text):
            before = zone.folded[max(0, mention.start - 80) : mention.start]
            in_report = (
                report is not None and report.zone == name and report.start <= mention.start < report.end
            )
            at = _AT_BEFORE_RE.search(before) is not None
            if in_report:
                weight, cap_key = (10.0 if at else 6.0), "report"
            elif name == "title":
                weight, cap_key = (6.0 if at else 4.0), "title"
            elif name == "lead":
                weight, cap_key = (5.0 if at else 3.0), "lead"
            elif _HOST_BEFORE_RE.search(before):
                weight, cap_key = 3.0, "host"
            else:
                sentence_future = (
                    FUTURE_RE.search(zone.folded[max(0, mention.start - 120) : mention.start]) is not None
                )
                if at:
                    weight, cap_key = (0.5 if sentence_future else 2.0), "at"
                elif _ADMIN_BEFORE_RE.search(before):
                    weight, cap_key = 1.0, "admin"
                else:
                    weight, cap_key = 0.5, "bare"
            caps = {
                "report": 20.0,
                "title": 6.0,
                "lead": 6.0,
                "host": 3.0,
                "at": 4.0,
                "admin": 3.0,
                "bare": 2.0,
            }
            key = (mention.province.name, cap_key)
            add = min(weight, caps[cap_key] - capped.get(key, 0.0))
            if add <= 0:
                continue
            capped[key] = capped.get(key, 0.0) + add
            scores[mention.province.name] = scores.get(mention.province.name, 0.0) + add
            first.setdefault(mention.province.name, (order, mention, zone.text))
            order += 1
    if not scores:
        return None, None
    best = max(scores, key=lambda p: (scores[p], -first[p][0]))
    if scores[best] < PROVINCE_MIN_SCORE:
        return None, None
    _, mention, text = first[best]
    prov["province"] = _snip(text, mention.start, mention.end)
    unit = mention.province.unit_2025
    if when is not None and when >= REFORM_2025 and mention.kind == "name":
        new_unit = find_unit_2025(mention.surface)
        if new_unit:
            # After the merger "tỉnh Gia Lai" is the new unit, which also took in Bình Định:
            # the pre-2025 province is unknown unless a town or district names it.
            merged = [p for p in provinces() if p.unit_2025 == new_unit]
            return (mention.province.name if len(merged) == 1 else None), new_unit
    return mention.province.name, unit


def _venue(report: _Sentence | None, prov: dict[str, str]) -> str | None:
    if report is None:
        return None
    for m in _VENUE_RE.finditer(report.folded):
        if _NOT_VENUE.match(m.group("venue")):
            continue
        start, end = m.start("venue"), m.end("venue")
        more = _VENUE_CONTINUE_RE.match(report.folded[end:])
        if more:
            end += more.end("more")
        venue = report.text[start:end].strip()
        if not any(c.isupper() for c in venue):
            continue
        prov["venue"] = _snip(report.text, start, end)
        return venue
    return None


# --- organisers --------------------------------------------------------------------------------

_ORG_HEADS = (
    "Bộ Chỉ huy", "Bộ Tư lệnh", "Bộ", "Ban", "Văn phòng", "Ủy ban", "UBND", "HĐND", "Hội đồng", "Sở", "Cục",
    "Tổng cục", "Vụ", "Chi cục", "Tỉnh ủy", "Thành ủy", "Huyện ủy", "Đảng ủy", "Hội", "Viện", "Học viện",
    "Trường", "Đại học", "Đài", "Báo", "Thông tấn xã", "Trung tâm", "Liên hiệp", "Liên đoàn", "Mặt trận",
    "Đoàn", "Tỉnh đoàn", "Thành đoàn", "Công an", "Quân khu", "Phòng", "Đại sứ quán", "Tổng Lãnh sự quán",
    "Tổ chức", "Quỹ", "Cơ quan", "Tập đoàn", "Công ty", "Ngân hàng", "Nhà xuất bản", "Tạp chí", "Hiệp hội",
    "Tòa án", "Viện kiểm sát", "Thanh tra", "Kiểm toán", "BCĐ", "MTTQ", "Bộ đội Biên phòng",
    "tỉnh", "thành phố", "huyện", "Tỉnh", "Thành phố", "Huyện", "TP",
)  # fmt: skip
_ORG_HEAD_RE = re.compile(
    r"^(?:" + "|".join(re.escape(h) for h in sorted(_ORG_HEADS, key=len, reverse=True)) + r")(?!\w)"
)
_ORG_VERB_RE = re.compile(
    r"(?:\s+(?:da|vua|long trong|chinh thuc|dong|cung|phoi hop))*\s+(?:to chuc|khai mac|dong to chuc|chu tri)\b"
)
_ORG_SPLIT_RE = re.compile(r",\s+|\s+phoi hop(?:\s+voi)?\s+|\s+va\s+|\s+cung\s+(?:voi\s+)?|\s+voi\s+")
_ABBR_PAREN_RE = re.compile(r"\s*\((?:[A-ZĐ&\-. ]{2,12}|[A-ZĐ][A-ZĐa-z&\-]{1,8})\)")
_PROVINCIAL_ORG_RE = re.compile(
    r"^(?:Sở|Ủy ban nhân dân tỉnh|Hội đồng nhân dân tỉnh|Tỉnh ủy|Ban .+ Tỉnh ủy|Tỉnh đoàn)$|^Sở "
)
_EN_ORGANISED_BY_RE = re.compile(r"\b(?:jointly\s+|co-)?organi[sz]ed\s+by\s+(?P<orgs>[^.;]+)")
_EN_ORG_TAIL_RE = re.compile(
    r"\s+(?:in|at|on)\s+(?:\d|(?:" + _MONTH_ALT + r")\b|[\w ]+\s(?:city|province)\b).*$"
)
# Words that do not occur in an organiser's name: the piece is a clause, not a name.
_NOT_ORG_RE = re.compile(r"\b(?:vua|da|se|ban hanh|nham|ve viec)\b")


def _split_orgs(text: str, folded: str) -> list[str]:
    """Split "A, B phối hợp C và D" into names, splitting only where a name starts."""
    pieces: list[str] = []
    last = 0
    for m in _ORG_SPLIT_RE.finditer(folded):
        if _ORG_HEAD_RE.match(text[m.end() :]):
            pieces.append(text[last : m.start()])
            last = m.end()
    pieces.append(text[last:])
    return [p.strip(" ,;:") for p in pieces if p.strip(" ,;:")]


def _organizers(report: _Sentence | None, sentences: list[_Sentence], prov: dict[str, str]) -> list[str]:
    """Names before the organising verb of the reporting sentence ("A, B phối hợp C tổ chức"),
    or after "organised by"; abbreviations spelled out, "(TT&TT)" dropped."""
    candidates = [report] if report is not None else []
    candidates += [s for s in sentences if s.zone in {"lead", "body"} and not s.is_report][:6]
    for s in candidates:
        if s is None:
            continue
        en = _EN_ORGANISED_BY_RE.search(s.folded)
        if en:
            names = _english_orgs(s.text[en.start("orgs") : en.end("orgs")])
            if names:
                prov["organizers"] = _snip(s.text, en.start(), en.end())
                return names
        verb = _ORG_VERB_RE.search(s.folded)
        if verb is None:
            continue
        head = s.folded[: verb.start()]
        cut = head.rfind(" do ")  # passive: "Hội nghị do X tổ chức"
        offset = cut + 4 if cut >= 0 else 0
        text, folded = s.text[offset : verb.start()], s.folded[offset : verb.start()]
        # Drop leading clauses (date, place) up to the first piece that starts with an organisation.
        start = None
        for m in re.finditer(r"(?:^|,\s+)", text):
            if _ORG_HEAD_RE.match(text[m.end() :]):
                start = m.end()
                break
        if start is None:
            continue
        names = []
        for piece in _split_orgs(text[start:], folded[start:]):
            if not _ORG_HEAD_RE.match(piece) or _NOT_ORG_RE.search(fold(piece)):
                continue
            name = _ABBR_PAREN_RE.sub("", piece).strip(" ,")
            name = " ".join(expand_abbreviations(name).split())
            if name not in names:
                names.append(name)
        if names:
            prov["organizers"] = _snip(s.text, offset + start, verb.end())
            return names
    return []


def _is_local(name: str) -> bool:
    """A provincial body named without its province ("Sở Thông tin và Truyền thông", "Tỉnh ủy")."""
    return bool(_PROVINCIAL_ORG_RE.match(name)) and not find_provinces_in_text(name)


def _with_province(names: list[str], province: str | None) -> list[str]:
    """Name local bodies after the place once it is known ("Sở Thông tin và Truyền thông Thanh Hóa")."""
    if not province:
        return names
    return [f"{n} {province}" if _is_local(n) else n for n in names]


def _english_orgs(text: str) -> list[str]:
    text = _EN_ORG_TAIL_RE.sub("", text)
    parts = re.split(r",\s+(?:and\s+)?(?=the\s|The\s)|\s+and\s+(?=the\s|The\s)", text)
    names = []
    for p in parts:
        p = re.sub(r"^(?:the|The)\s+", "", p.strip(" ,."))
        if p and p[:1].isupper() and p not in names:
            names.append(p)
    return names


# --- counts ------------------------------------------------------------------------------------

_PEOPLE = (
    r"dai bieu|hoc vien|can bo|dong chi|nguoi|phong vien|thanh vien|dai dien|bao cao vien|chuyen gia|nha khoa hoc"
    r"|nha bao|cong chuc|vien chuc|lanh dao|delegates|participants|officials|trainees|reporters|journalists"
    r"|people|attendees|members|representatives|students"
)
_PARTICIPANTS_RE = re.compile(
    r"(?:(?P<q>gan|hon|khoang|tren|xap xi|chung|toi|den|nearly|almost|more than|over|about|around|some|approximately|up to)\s+)?"
    r"(?<![\d.,])(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,5})\s+(?P<luot>luot\s+)?(?:" + _PEOPLE + r")\b"
)
_ATTEND_RE = re.compile(
    r"\b(?:tham du|tham gia|du hoi nghi|du lop|su tham gia|thu hut|du|voi|attended|attending|took part"
    r"|participated|bringing together|brought together|gathered|drew|attracted|with|for)\b"
)
_COVERED_RE = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,2})\s+(?:(?:tinh\W+thanh(?:\s+pho)?|tinh\b|tinh thanh\b)|(?:[\w-]+\s+){0,2}provinces\b)"
)


def _number(s: str) -> int:
    return int(re.sub(r"[.,]", "", s))


def _participants(sentences: list[_Sentence], prov: dict[str, str]) -> tuple[int | None, str | None]:
    for s in sentences:
        if not (s.is_report or _ATTEND_RE.search(s.folded)) or (s.future and not s.is_report):
            continue
        for m in _PARTICIPANTS_RE.finditer(s.folded):
            if m.group("luot"):
                continue
            value = _number(m.group("n"))
            if value < 2:
                continue
            prov["participants"] = _snip(s.text, m.start(), m.end())
            start = m.start("q") if m.group("q") else m.start("n")
            return value, s.text[start : m.end("n")]
    return None, None


def _provinces_covered(sentences: list[_Sentence], prov: dict[str, str]) -> int | None:
    ordered = sorted(sentences, key=lambda s: (("title", "lead", "body").index(s.zone), s.start))
    for s in ordered:
        if s.future:
            continue
        for m in _COVERED_RE.finditer(s.folded):
            n = int(m.group("n"))
            if 1 <= n <= 63:
                prov["provinces_covered"] = _snip(s.text, m.start(), m.end())
                return n
    return None


# --- legal references --------------------------------------------------------------------------

_GOV_KINDS = r"QĐ|QD|NQ|KH|CT|TB|KL|NĐ|ND|TT|TTLT|HD|HĐ|CV|BC|QC|TTr|ĐA|DA|QH\d{0,2}|UBTVQH\d{0,2}|L"
_GOV_REF_RE = re.compile(
    r"(?P<n>\d{1,5})\s*/\s*(?:(?P<y>(?:19|20)\d{2})\s*/\s*)?(?P<k>" + _GOV_KINDS + r")"
    r"(?:\s*-\s*(?P<i>[A-ZĐ][A-Za-zĐđ0-9]{0,12}(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9]{0,12})*))?(?![\w/])"
)
_PARTY_REF_RE = re.compile(
    r"(?P<n>\d{1,4})\s*-\s*(?P<k>KL|CT|TB|NQ|QĐ|QD|HD|KH|QC|BC|TTr|ĐA|DA|CV|QĐi)\s*/\s*"
    r"(?P<i>T\.Ư|TƯ|TW|[A-ZĐƯ][A-Za-zĐđƯư]{0,10})(?![\w/])"
)
_BARE_REF_RE = re.compile(
    r"\b(?P<kind>Kết luận|Chỉ thị|Nghị quyết|Quyết định|Thông báo|Thông báo kết luận)\s+(?:số\s+)+(?P<n>\d{1,5})(?![\d/-])"
    r"|\b(?P<kind2>Kết luận|Chỉ thị|Nghị quyết|Quyết định)\s+(?P<n2>\d{1,5})(?![\d/-])",
)
_ISSUER_AFTER_RE = re.compile(
    r"^(?:\s*,?\s*ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})?\s*,?\s*(?:của\s+)?"
    r"(?P<who>Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương|Trung ương|Thủ tướng(?: Chính phủ)?|Chính phủ)"
)
_PARTY_ISSUERS = {"Bộ Chính trị", "Ban Bí thư", "Ban Chấp hành Trung ương", "Trung ương"}
_BARE_KIND = {
    "Kết luận": "KL",
    "Chỉ thị": "CT",
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Thông báo": "TB",
    "Thông báo kết luận": "TB",
}
_KIND_FIX = {"QD": "QĐ", "ND": "NĐ", "DA": "ĐA"}  # written without the Vietnamese Đ


def _issuer(raw: str) -> str:
    """``TTG``/``Ttg`` -> ``TTg`` (the Prime Minister), ``T.Ư``/``TƯ`` -> ``TW``; the rest as written."""
    parts = [p.strip() for p in re.split(r"\s*-\s*", raw) if p.strip()]
    return "-".join("TTg" if p.upper() == "TTG" else "TW" if p in {"T.Ư", "TƯ"} else p for p in parts)


def legal_refs(text: str) -> list[tuple[int, str]]:
    """(position, normalised id) of every legal document cited in ``text``, in order, with repeats.

    ``1079/QĐ-TTg``, ``57-KL/TW``, ``55/2025/NĐ-CP``; "Kết luận số 57 ngày 15/6/2023 của Bộ Chính trị"
    becomes ``57-KL/TW``; a bare number without an issuer is resolved only by a full id elsewhere.
    """
    found: list[tuple[int, str]] = []
    party_spans: list[tuple[int, int]] = []
    for m in iter_word_matches(_PARTY_REF_RE, text, "/.-"):
        kind = _KIND_FIX.get(m.group("k"), m.group("k"))
        found.append((m.start(), f"{m.group('n')}-{kind}/{_issuer(m.group('i'))}"))
        party_spans.append(m.span())
    for m in iter_word_matches(_GOV_REF_RE, text, "/.-"):
        if any(s <= m.start() < e for s, e in party_spans):
            continue
        kind = _KIND_FIX.get(m.group("k"), m.group("k"))
        issuer = m.group("i")
        if issuer is None and kind not in {"L"} and not kind.startswith(("QH", "UBTVQH")):
            continue  # "6/2023" and the like: a document id has an issuer
        year = f"{m.group('y')}/" if m.group("y") else ""
        ref = f"{m.group('n')}/{year}{kind}" + (f"-{_issuer(issuer)}" if issuer else "")
        found.append((m.start(), ref))
    bare: list[tuple[int, str, str, str | None]] = []
    for m in _BARE_REF_RE.finditer(text):
        kind_word = m.group("kind") or m.group("kind2")
        number = m.group("n") or m.group("n2")
        who = _ISSUER_AFTER_RE.match(text[m.end() : m.end() + 80])
        bare.append((m.start(), _BARE_KIND[kind_word], number, who.group("who") if who else None))
    for pos, kind, n, who in bare:
        if who in _PARTY_ISSUERS and kind in {"KL", "CT", "NQ", "TB"}:
            found.append((pos, f"{n}-{kind}/TW"))
        elif who and who.startswith("Thủ tướng") and kind in {"QĐ", "CT"}:
            found.append((pos, f"{n}/{kind}-TTg"))
        elif who == "Chính phủ" and kind == "NQ":
            found.append((pos, f"{n}/NQ-CP"))
        else:  # no issuer: only a full id with the same number and kind settles it
            same = [r for _, r in found if re.match(rf"0*{int(n)}[-/](?:\d{{4}}/)?{kind}(?![^\W_])", r)]
            if len(set(same)) == 1:
                found.append((pos, same[0]))
    return sorted(found)


def _legal_refs(zones: dict[str, Zone], prov: dict[str, str]) -> list[str]:
    refs: list[str] = []
    for name in ("title", "lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        for pos, ref in legal_refs(zone.text):
            if ref not in refs:
                refs.append(ref)
                prov.setdefault("legal_refs", _snip(zone.text, pos, pos + len(ref)))
    return refs


# --- speakers ----------------------------------------------------------------------------------

_TITLE_WORDS = (
    r"Thứ trưởng|Bộ trưởng|Cục trưởng|Phó Cục trưởng|Vụ trưởng|Phó Vụ trưởng|Giám đốc|Phó Giám đốc|Chủ tịch|Phó Chủ tịch"
    r"|Bí thư|Phó Bí thư|Trưởng ban|Phó Trưởng ban|Chánh Văn phòng|Phó Chánh Văn phòng|Ủy viên|Tổng Biên tập|Đại sứ"
    r"|Thiếu tướng|Trung tướng|Thượng tướng|Đại tướng|Đại tá|Thượng tá|Trung tá|Giáo sư|Phó Giáo sư|Tiến sĩ|Thạc sĩ"
    r"|PGS\.?\s?,?\s?TS\.?|GS\.?\s?,?\s?TS\.?|TS\.|ThS\.|Trưởng phòng|Phó Trưởng phòng|Chánh án|Viện trưởng|Trưởng đoàn"
)
_TITLE_START_RE = re.compile(r"^(?:" + _TITLE_WORDS + r")\b")
_HONORIFIC_RE = re.compile(r"(?:^|\s)(?:đồng chí|Đồng chí|ông|Ông|bà|Bà|đ/c)\s*$")
_ROLE_PATTERNS = (
    ("phát biểu khai mạc", "phát biểu khai mạc"),
    ("phát biểu bế mạc", "phát biểu bế mạc"),
    ("phát biểu kết luận", "phát biểu kết luận"),
    ("phát biểu chỉ đạo", "phát biểu chỉ đạo"),
    ("phát biểu chào mừng", "phát biểu chào mừng"),
    ("phát biểu đề dẫn", "phát biểu đề dẫn"),
    ("dự và chỉ đạo", "dự và chỉ đạo"),
    ("chủ trì", "chủ trì"),
    ("phát biểu", "phát biểu"),
    ("cho biết", "phát biểu"),
    ("nhấn mạnh", "phát biểu"),
    ("khẳng định", "phát biểu"),
    ("trình bày", "trình bày"),
    ("cập nhật", "trình bày"),
    ("báo cáo", "trình bày"),
    ("trao đổi", "trình bày"),
)
_ROLE_RE = re.compile(r"\b(?:" + "|".join(re.escape(fold(p)) for p, _ in _ROLE_PATTERNS) + r")\b")
_ROLE_OF = {fold(p): r for p, r in _ROLE_PATTERNS}
_NAME_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(SURNAMES, key=len, reverse=True)) + r")(?:\s+[^\W\d_][\w]*){1,3}"
)
_STOP_NAME_TEXT = "Phó Chủ Bộ Ban Sở Cục Ủy Tỉnh Thành Trung Hội Đảng Nhà Việt Chính Quốc Thường Thông Truyền"
_STOP_NAME_WORDS = frozenset(_STOP_NAME_TEXT.split())
_TITLE_END_RE = re.compile(
    r"\s+(?:đã\s+|cũng\s+)?(?:phát biểu|cho biết|nhấn mạnh|khẳng định|dự và chỉ đạo|chủ trì|trình bày|cập nhật|báo cáo|trao đổi|đề nghị|yêu cầu|mong muốn|chia sẻ)\b"
)


def _person_at(m: re.Match[str]) -> str | None:
    """The person's name at a surname: capitalised words up to a title word; places are not people."""
    words = m.group(0).split()
    name = [words[0]]
    for w in words[1:]:
        if not w[:1].isupper() or w in _STOP_NAME_WORDS or (w.isupper() and len(w) > 1):
            break
        name.append(w)
    if len(name) < 2:
        return None
    full = " ".join(name)
    if find_province(full) is not None:
        return None
    return full


def _speakers(sentences: list[_Sentence]) -> list[dict[str, str]]:
    """Speakers named with a speech verb: {name, title, role}. Titles before ("Thứ trưởng Bộ ...
    Nguyễn Thanh Lâm") or after ("đồng chí Phạm Anh Tuấn, Cục trưởng ...") the name."""
    people: dict[str, dict[str, str]] = {}
    for s in sentences:
        role_m = _ROLE_RE.search(s.folded)
        if role_m is None:
            continue
        for m in _NAME_RE.finditer(s.text):
            name = _person_at(m)
            if name is None:
                continue
            name_end = m.start() + len(name)
            before = s.text[: m.start()]
            after = s.text[name_end:]
            title = ""
            if _HONORIFIC_RE.search(before) or after.startswith((",", " -", " –")):
                tail = re.match(r"^\s*[,–-]\s*(.+)", after)
                if tail:
                    end = _TITLE_END_RE.search(tail.group(1))
                    title = tail.group(1)[: end.start()] if end else ""
            if not title:
                chunk = re.split(r"[,;:]\s+|(?:^|\s+)(?:đồng chí|ông|bà)\s+", before, flags=re.IGNORECASE)[
                    -1
                ].strip()
                t = _TITLE_START_RE.search(chunk)
                if t:
                    title = chunk
            title = " ".join(expand_abbreviations(_ABBR_PAREN_RE.sub("", title)).split()).strip(" ,.-–")
            if len(title) > 160:
                title = ""
            role_word = fold(role_m.group(0))
            role = _ROLE_OF.get(role_word, "phát biểu")
            entry = people.setdefault(name, {"name": name})
            if title and len(title) > len(entry.get("title", "")):
                entry["title"] = title
            if "role" not in entry or (
                entry["role"] in {"phát biểu", "trình bày"} and role not in {"phát biểu", "trình bày"}
            ):
                entry["role"] = role
    return list(people.values())


# --- entry point -------------------------------------------------------------------------------


def extract_fields(
    title: str | None,
    lead: str | None,
    text: str,
    published: datetime | None,
    language: str | None = None,
    default_province: str | None = None,
) -> EventFields:
    """Read the event fields of one report (see the module docstring for the order of trust).

    ``published`` resolves yearless dates ("Ngày 7/12") and decides whether a place name means a
    pre- or post-2025 unit; without it, the year comes from the text ("năm 2023", cited dates).
    ``default_province`` is the province of a provincial source: a provincial site reporting its
    own department's training ("Sở Thông tin và Truyền thông tổ chức ...") rarely names the
    province, so it is used when the text names none and an organiser is such a local body.
    """
    rules = load_rules()
    lang = (language or "").lower().split("-")[0] or None
    patterns = rules.report.get(lang) or rules.report[None]
    zones = make_zones(title, lead, text, expand=False)
    report = find_report_sentence(zones, patterns)
    sentences = _sentences(zones, report)
    report_sentence = next((s for s in sentences if s.is_report), None)
    prov: dict[str, str] = {}
    pub = None
    if published is not None:
        pub = (published.astimezone(TZ) if published.tzinfo else published).date()

    held, held_end = _date_held(sentences, zones, pub, prov)
    when = held or pub
    province, province_2025 = _province_of(zones, report, when, prov)
    organizers = _organizers(report_sentence, sentences, prov)
    if province is None and default_province and any(_is_local(o) for o in organizers):
        found = find_province(default_province)
        if found is not None:
            province = found.name
            province_2025 = (
                find_unit_2025(default_province) if when and when >= REFORM_2025 else None
            ) or found.unit_2025
            prov["province"] = (
                f"source province {default_province!r}; local organiser: {prov.get('organizers', '')}"
            )
    participants, participants_text = _participants(sentences, prov)
    return EventFields(
        date_held=held,
        date_end=held_end,
        province=province,
        province_2025=province_2025,
        venue=_venue(report_sentence, prov),
        organizers=_with_province(organizers, province),
        participants=participants,
        participants_text=participants_text,
        provinces_covered=_provinces_covered(sentences, prov),
        legal_refs=_legal_refs(zones, prov),
        speakers=_speakers(sentences),
        provenance=prov,
    )
