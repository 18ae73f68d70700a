"""Who organised an event: the bodies named as organising (chủ trì, phối hợp, tổ chức,
``organised by``), abbreviations expanded, the province appended to provincial bodies."""

from __future__ import annotations

import re

from pipeline.fields.dates import MONTH_ALT
from pipeline.fields.sentences import Sentence, snip
from pipeline.gazetteer import (
    find_provinces_in_text,
)
from pipeline.text import expand_abbreviations, fold

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


ABBR_PAREN_RE = re.compile(r"\s*\((?:[A-ZĐ&\-. ]{2,12}|[A-ZĐ][A-ZĐa-z&\-]{1,8})\)")


_PROVINCIAL_ORG_RE = re.compile(
    r"^(?:Sở|Ủy ban nhân dân tỉnh|Hội đồng nhân dân tỉnh|Tỉnh ủy|Ban .+ Tỉnh ủy|Tỉnh đoàn)$|^Sở "
)


_EN_ORGANISED_BY_RE = re.compile(r"\b(?:jointly\s+|co-)?organi[sz]ed\s+by\s+(?P<orgs>[^.;]+)")


_EN_ORG_TAIL_RE = re.compile(
    r"\s+(?:in|at|on)\s+(?:\d|(?:" + MONTH_ALT + r")\b|[\w ]+\s(?:city|province)\b).*$"
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


def find_organizers(report: Sentence | None, sentences: list[Sentence], prov: dict[str, str]) -> list[str]:
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
                prov["organizers"] = snip(s.text, en.start(), en.end())
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
            name = ABBR_PAREN_RE.sub("", piece).strip(" ,")
            name = " ".join(expand_abbreviations(name).split())
            if name not in names:
                names.append(name)
        if names:
            prov["organizers"] = snip(s.text, offset + start, verb.end())
            return names
    return []


def is_local(name: str) -> bool:
    """A provincial body named without its province ("Sở Thông tin và Truyền thông", "Tỉnh ủy")."""
    return bool(_PROVINCIAL_ORG_RE.match(name)) and not find_provinces_in_text(name)


def with_province(names: list[str], province: str | None) -> list[str]:
    """Name local bodies after the place once it is known ("Sở Thông tin và Truyền thông Thanh Hóa")."""
    if not province:
        return names
    return [f"{n} {province}" if is_local(n) else n for n in names]


def _english_orgs(text: str) -> list[str]:
    text = _EN_ORG_TAIL_RE.sub("", text)
    parts = re.split(r",\s+(?:and\s+)?(?=the\s|The\s)|\s+and\s+(?=the\s|The\s)", text)
    names = []
    for p in parts:
        p = re.sub(r"^(?:the|The)\s+", "", p.strip(" ,."))
        if p and p[:1].isupper() and p not in names:
            names.append(p)
    return names
