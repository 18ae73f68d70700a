"""Day-month dates written with month names, in every language the registry crawls.

Vietnamese writes dates with numbers (``7/12``, ``ngày 18 tháng 8``); its language editions and
foreign outlets write ``17 octobre``, ``17. Oktober``, ``19 de dezembro``, ``17 октября``,
``10月26日``, ``8월 7일``, ``On June 20``. :func:`find_named_dates` finds them in folded text
(:func:`pipeline.text.fold`: lower case, Vietnamese marks removed) and :func:`weekday_of` reads
a weekday name, so yearless dates and "on Thursday" can be resolved against a publication date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["MONTHS", "WEEKDAY_RE", "NamedDate", "find_named_dates", "month_number", "weekday_of"]

# Folded month names (and their usual abbreviations) -> month number.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "janeiro", "enero", "januari", "январь", "января",
        "январе", "ιανουαριου", "ιανουάριος", "ιανουαρίου", "يناير", "كانون الثاني", "gennaio"),
    2: ("february", "feb", "fevrier", "février", "fevr", "févr", "februar", "fevereiro", "febrero",
        "februari", "февраль", "февраля", "феврале", "φεβρουαριου", "φεβρουαρίου", "فبراير", "شباط",
        "febbraio"),
    3: ("march", "mar", "mars", "marz", "märz", "maerz", "marco", "março", "marzo", "maret", "март",
        "марта", "марте", "μαρτιου", "μαρτίου", "مارس", "آذار"),
    4: ("april", "apr", "avril", "avr", "abril", "апрель", "апреля", "апреле", "απριλιου", "απριλίου",
        "أبريل", "ابريل", "نيسان", "aprile"),
    5: ("may", "mai", "maio", "mayo", "mei", "май", "мая", "мае", "μαιου", "μαΐου", "مايو", "أيار",
        "maggio"),
    6: ("june", "jun", "juin", "juni", "junho", "junio", "июнь", "июня", "июне", "ιουνιου", "ιουνίου",
        "يونيو", "حزيران", "giugno"),
    7: ("july", "jul", "juillet", "juil", "juli", "julho", "julio", "июль", "июля", "июле", "ιουλιου",
        "ιουλίου", "يوليو", "تموز", "luglio"),
    8: ("august", "aug", "aout", "août", "agosto", "agustus", "август", "августа", "августе",
        "αυγουστου", "αυγούστου", "أغسطس", "آب"),
    9: ("september", "sep", "sept", "septembre", "setembro", "septiembre", "setiembre", "сентябрь",
        "сентября", "сентябре", "σεπτεμβριου", "σεπτεμβρίου", "سبتمبر", "أيلول", "settembre"),
    10: ("october", "oct", "octobre", "oktober", "outubro", "octubre", "октябрь", "октября", "октябре",
         "οκτωβριου", "οκτωβρίου", "أكتوبر", "اكتوبر", "تشرين الأول", "ottobre"),
    11: ("november", "nov", "novembre", "novembro", "noviembre", "nopember", "ноябрь", "ноября",
         "ноябре", "νοεμβριου", "νοεμβρίου", "نوفمبر", "تشرين الثاني"),
    12: ("december", "dec", "decembre", "décembre", "dezember", "dezembro", "diciembre", "desember",
         "декабрь", "декабря", "декабре", "δεκεμβριου", "δεκεμβρίου", "ديسمبر", "كانون الأول",
         "dicembre"),
}  # fmt: skip
MONTHS: dict[str, int] = {name: n for n, names in _MONTH_NAMES.items() for name in names}
_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DAY = r"(?P<d1>\d{1,2})(?:er|\.|º|°|st|nd|rd|th)?"
_RANGE = (
    r"(?:\s*(?:-|–|et|and|und|bis|e|a|y|dan|hingga|sampai|и|по|au|to|και|و)\s*"
    r"(?P<d2>\d{1,2})(?:er|\.|º|st|nd|rd|th)?)?"
)
_PATTERNS = (
    # "17 octobre 2024", "17. Oktober", "19 de dezembro de 2024", "17 октября", "9 et 10 décembre"
    re.compile(
        r"(?<!\d)" + _DAY + _RANGE + r"\s*(?:de\s+|del\s+)?(?P<mn>" + _ALT + r")\b\.?"
        r"(?:\s*(?:de\s+|del\s+|,\s*)?(?P<y>(?:19|20)\d{2}))?"
    ),
    # "October 17, 2024", "on Dec. 7", "June 20-21"
    re.compile(
        r"\b(?P<mn>" + _ALT + r")\.?\s+" + _DAY + _RANGE + r"(?:\s*,?\s*(?P<y>(?:19|20)\d{2}))?(?!\d)"
    ),
    # "2024年10月17日", "10月26日と27日", "8月16日", "8月9日から11日まで", "8月9日至11日"
    re.compile(
        r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]"
        r"(?:\s*(?:から|至|と|及|和|、|-|–|~|〜)\s*(?:\d{1,2}\s*月\s*)?(?P<d2>\d{1,2})\s*[日号])?"
    ),
    # "2024년 8월 7일", "8월 9일부터 11일까지"
    re.compile(
        r"(?:(?P<y>(?:19|20)\d{2})\s*년\s*)?(?P<m>\d{1,2})\s*월\s*(?P<d1>\d{1,2})\s*일"
        r"(?:\s*(?:부터|-|–|~|과|와)\s*(?:\d{1,2}\s*월\s*)?(?P<d2>\d{1,2})\s*일)?"
    ),
)

# Weekday names (folded) -> Monday = 0. Not Vietnamese: "thứ hai" is also "second" (lần thứ hai).
_WEEKDAY_NAMES: dict[int, tuple[str, ...]] = {
    0: ("monday", "lundi", "montag", "segunda feira", "lunes", "senin", "понедельник", "月曜日", "星期一", "周一", "월요일", "δευτερα", "δευτέρα", "الاثنين"),
    1: ("tuesday", "mardi", "dienstag", "terca feira", "martes", "selasa", "вторник", "火曜日", "星期二", "周二", "화요일", "τριτη", "τρίτη", "الثلاثاء"),
    2: ("wednesday", "mercredi", "mittwoch", "quarta feira", "miercoles", "miércoles", "rabu", "среду",
        "среда", "水曜日", "星期三", "周三", "수요일", "τεταρτη", "τετάρτη", "الأربعاء"),
    3: ("thursday", "jeudi", "donnerstag", "quinta feira", "jueves", "kamis", "четверг", "木曜日", "星期四", "周四", "목요일", "πεμπτη", "πέμπτη", "الخميس"),
    4: ("friday", "vendredi", "freitag", "sexta feira", "viernes", "jumat", "пятницу", "пятница",
        "金曜日", "星期五", "周五", "금요일", "παρασκευη", "παρασκευή", "الجمعة"),
    5: ("saturday", "samedi", "samstag", "sabado", "sábado", "sabtu", "субботу", "суббота", "土曜日", "星期六", "周六", "토요일", "σαββατο", "σάββατο", "السبت"),
    6: ("sunday", "dimanche", "sonntag", "domingo", "minggu", "воскресенье", "日曜日",
        "星期日", "星期天", "周日", "일요일", "κυριακη", "κυριακή", "الأحد"),
}  # fmt: skip
_WEEKDAYS: dict[str, int] = {name: n for n, names in _WEEKDAY_NAMES.items() for name in names}
WEEKDAY_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted((re.escape(w).replace(r"\ ", r"[\s-]+") for w in _WEEKDAYS),
                                    key=len, reverse=True)) + r")(?!\w)"
)  # fmt: skip


@dataclass(frozen=True)
class NamedDate:
    """A day-month date found in text: ``end_day`` for a range, ``year`` when written."""

    day: int
    month: int
    year: int | None
    end_day: int | None
    start: int
    end: int


def month_number(name: str) -> int | None:
    """The month a (folded) name stands for: ``octobre`` -> 10, ``Okt`` -> None."""
    return MONTHS.get(name.lower().rstrip("."))


def weekday_of(text: str) -> tuple[int, int, int] | None:
    """(weekday, start, end) of the first weekday name in folded ``text``, Monday = 0."""
    m = WEEKDAY_RE.search(text)
    if m is None:
        return None
    key = re.sub(r"[\s-]+", " ", m.group(0))
    weekday = _WEEKDAYS.get(key)
    return (weekday, m.start(), m.end()) if weekday is not None else None


def find_named_dates(folded: str) -> Iterator[NamedDate]:
    """Day-month dates with a month name or in CJK and Korean forms, in order, overlaps dropped."""
    found: list[NamedDate] = []
    taken: list[tuple[int, int]] = []
    for regex in _PATTERNS:
        for m in regex.finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groupdict()
            month = month_number(g["mn"]) if g.get("mn") else int(g["m"])
            day = int(g["d1"])
            end_day = int(g["d2"]) if g.get("d2") else None
            if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            if end_day is not None and not (1 <= end_day <= 31):
                end_day = None
            taken.append((m.start(), m.end()))
            found.append(
                NamedDate(day, month, int(g["y"]) if g.get("y") else None, end_day, m.start(), m.end())
            )
    yield from sorted(found, key=lambda d: d.start)
