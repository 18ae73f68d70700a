"""How many took part (``280 đại biểu``, ``gần 150 học viên``) and how many provinces the
event covered (``25 tỉnh, thành phố``)."""

from __future__ import annotations

import re

from pipeline.fields.sentences import Sentence, snip

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


def find_participants(sentences: list[Sentence], prov: dict[str, str]) -> tuple[int | None, str | None]:
    for s in sentences:
        if not (s.is_report or _ATTEND_RE.search(s.folded)) or (s.future and not s.is_report):
            continue
        for m in _PARTICIPANTS_RE.finditer(s.folded):
            if m.group("luot"):
                continue
            value = _number(m.group("n"))
            if value < 2:
                continue
            prov["participants"] = snip(s.text, m.start(), m.end())
            start = m.start("q") if m.group("q") else m.start("n")
            return value, s.text[start : m.end("n")]
    return None, None


def find_provinces_covered(sentences: list[Sentence], prov: dict[str, str]) -> int | None:
    ordered = sorted(sentences, key=lambda s: (("title", "lead", "body").index(s.zone), s.start))
    for s in ordered:
        if s.future:
            continue
        for m in _COVERED_RE.finditer(s.folded):
            n = int(m.group("n"))
            if 1 <= n <= 63:
                prov["provinces_covered"] = snip(s.text, m.start(), m.end())
                return n
    return None
