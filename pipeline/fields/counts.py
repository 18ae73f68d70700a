"""How many took part (``280 đại biểu``, ``gần 150 học viên``, ``plus de 150 délégués``,
``über 200 Teilnehmer``, ``300名``, ``300여 명``) and how many provinces the event covered
(``25 tỉnh, thành phố``)."""

from __future__ import annotations

import re

from pipeline.fields.sentences import Sentence, snip

_PEOPLE = (
    r"dai bieu|hoc vien|can bo|dong chi|nguoi|phong vien|thanh vien|dai dien|bao cao vien|chuyen gia|nha khoa hoc"
    r"|nha bao|cong chuc|vien chuc|lanh dao|delegates|participants|officials|trainees|reporters|journalists"
    r"|people|attendees|members|representatives|students|cadres|leaders|staff|officers|police officers"
    r"|soldiers|cadets|teachers|lecturers|learners|editors|spokespersons|guests"
    # French, Portuguese, Spanish, German, Indonesian, Russian, Greek, Arabic
    r"|delegues|délégués|participants|stagiaires|fonctionnaires|responsables|journalistes|personnes"
    r"|participantes|delegados|funcionarios|funcionários|estagiarios|estagiários|pessoas|personas"
    r"|teilnehmer|teilnehmende|kursteilnehmer|delegierte|beamte|vertreter|journalisten|personen"
    r"|funktionare|funktionäre|offiziere|polizisten|mitarbeiter"
    r"|peserta|delegasi|pejabat|orang|wartawan"
    r"|делегатов|участников|слушателей|человек|представителей|журналистов|чиновников"
    r"|συμμετέχοντες|συνέδρους|αντιπροσώπους|مندوب|مشارك|مشاركا|شخص"
)


_PARTICIPANTS_RE = re.compile(
    r"(?:(?P<q>gan|hon|khoang|tren|xap xi|chung|toi|den|nearly|almost|more than|over|about|around|some"
    r"|approximately|up to|plus de|pres de|près de|environ|quelque|quelques|pres|mais de|cerca de|quase"
    r"|más de|mas de|casi|unos|über|uber|mehr als|rund|etwa|fast|lebih dari|sekitar|hampir|более|около"
    r"|почти|свыше|πάνω από|περίπου|أكثر من|نحو)\s+)?"
    r"(?<![\d.,])(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,5})\s+(?P<luot>luot\s+)?(?:" + _PEOPLE + r")\b"
)


_ATTEND_RE = re.compile(
    r"\b(?:tham du|tham gia|du hoi nghi|du lop|su tham gia|thu hut|du|voi|attended|attending|took part"
    r"|participated|bringing together|brought together|gathered|drew|attracted|with|for"
    r"|assisté|assiste|participé|participe|réuni|reuni|participation|pour|avec|ont pris part"
    r"|participaram|participaram|presentes|reuniu|participaron|asistieron|reunió|con|para|com"
    r"|nahmen|teilgenommen|teilnahme|versammelt|für|mit|dihadiri|diikuti|hadir|bagi|untuk"
    r"|приняли|участие|собрал|для|συμμετείχαν|παρευρέθηκαν|حضر|شارك)\b"
    r"|参加|出席|参与|参会|受講|참석|참가|참여|대상"
)
# Chinese and Japanese "300名", "200多名", "250余名", Korean "300여 명", "200명".
_CJK_PARTICIPANTS_RE = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,5})\s*(?P<q>多|余|여|餘)?\s*(?:名|人|명)(?!\s*(?:の省|省))"
)


_COVERED_RE = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,2})\s+(?:(?:tinh\W+thanh(?:\s+pho)?|tinh\b|tinh thanh\b)"
    r"|(?:[\w-]+\s+){0,2}(?:provinces|provinzen|provincias|provincias|provinsi|провинций)\b)"
    r"|(?<![\d.,])(?P<cjk>\d{1,2})\s*(?:个)?(?:省|개\s*성)"
)


def _number(s: str) -> int:
    return int(re.sub(r"[.,]", "", s))


def find_participants(
    sentences: list[Sentence], prov: dict[str, str], slug: str = ""
) -> tuple[int | None, str | None]:
    """The first count of people in a sentence that reports attendance; else one in the URL's
    words ("…-300-dai-bieu-duoc-tap-huan-…")."""
    for s in sentences:
        if not (s.is_report or _ATTEND_RE.search(s.folded)) or (s.future and not s.is_report):
            continue
        matches = list(_PARTICIPANTS_RE.finditer(s.folded)) + list(_CJK_PARTICIPANTS_RE.finditer(s.folded))
        for m in sorted(matches, key=lambda m: m.start()):
            if m.groupdict().get("luot"):
                continue
            value = _number(m.group("n"))
            if value < 2:
                continue
            prov["participants"] = snip(s.text, m.start(), m.end())
            start = m.start("q") if m.group("q") and m.start("q") < m.start("n") else m.start("n")
            return value, s.text[start : m.end("n")]
    if slug:
        m = _PARTICIPANTS_RE.search(slug.lower())
        if m and not m.group("luot") and _number(m.group("n")) >= 2:
            prov["participants"] = f"URL: {slug}"
            return _number(m.group("n")), m.group("n")
    return None, None


def find_provinces_covered(sentences: list[Sentence], prov: dict[str, str]) -> int | None:
    ordered = sorted(sentences, key=lambda s: (("title", "lead", "body").index(s.zone), s.start))
    for s in ordered:
        if s.future:
            continue
        for m in _COVERED_RE.finditer(s.folded):
            n = int(m.group("n") or m.group("cjk"))
            if 1 <= n <= 63:
                prov["provinces_covered"] = snip(s.text, m.start(), m.end())
                return n
    return None
