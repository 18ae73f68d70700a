"""Provinces: the 63 pre-2025 provinces, the 34 units they became, and their names in running text.

The data files map each old name to its 2025 unit (``data/provinces.tsv``, Resolution
202/2025/QH15) and list other spellings and cities that stand for a province
(``data/place_aliases.tsv``: ``TP.HCM``, ``Huế``, ``Daklak``, ``Buôn Ma Thuột`` ...) and the
pre-2025 districts (``data/districts.tsv``: "huyện Mường Lát" is in Thanh Hóa).

Looking a *name* up (:func:`find_province`) is diacritic- and case-insensitive: ``Thanh Hoa``
finds ``Thanh Hóa``. Finding provinces in *text* (:func:`find_provinces_in_text`) is not, because
Vietnamese province names are ordinary words too: ``hòa bình`` is peace, ``Thái Bình Dương`` the
Pacific, ``quản trị`` management, ``Nguyễn Hòa Bình`` a person. Accented text is matched with its
accents and capitals; accent-folded matching is only the fallback for text without diacritics
(English, or Vietnamese typed without accents).
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pipeline.text import fold, iter_word_matches, nfc, normalize_tone_marks, trie_regex

logger = logging.getLogger(__name__)

__all__ = [
    "SURNAMES",
    "Mention",
    "Province",
    "find_province",
    "find_provinces_in_text",
    "find_unit_2025",
    "has_diacritics",
    "is_unit_2025",
    "province_from_host",
    "provinces",
    "units_2025",
]

_CITY_SUFFIX = re.compile(r"\s*\(thành phố\)\s*$")
CONTEXT_CHARS = 40  # characters of context kept on each side of a mention


@dataclass(frozen=True)
class Province:
    name: str  # pre-2025 name, e.g. "Hòa Bình"
    unit_2025: str  # the 2025 unit it belongs to, e.g. "Phú Thọ"
    city_2025: bool  # whether the 2025 unit is a centrally-governed city


@dataclass(frozen=True)
class Mention:
    """A place in a text that stands for a province.

    ``start``/``end`` index the text after NFC and tone-mark normalisation (the same length as
    the NFC text). ``kind`` is ``name`` for the province's own name or another spelling of it,
    ``city`` for a city that stands for its province, ``district`` for a pre-2025 district.
    """

    province: Province
    start: int
    end: int
    surface: str
    context: str
    kind: str = "name"


@dataclass(frozen=True)
class _Alias:
    surface: str
    province: str
    kind: str
    needs_prefix: bool = False
    english: bool = False  # matched only in text without diacritics
    needs_admin: bool = False  # a district: only right after huyện/quận/thị xã/thành phố


def _key(name: str) -> str:
    """Accent-folded, lower-case key without punctuation (``TP. Hồ Chí Minh`` -> ``hochiminh``)."""
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
def _aliases() -> tuple[_Alias, ...]:
    text = resources.files("pipeline").joinpath("data/place_aliases.tsv").read_text(encoding="utf-8")
    by_name = {p.name: p for p in provinces()}
    result = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        surface, province, kind = (nfc(c) for c in cols[:3])
        if province not in by_name or kind not in {"name", "city"}:
            logger.warning("place_aliases.tsv:%d: ignored (unknown province or kind): %r", lineno, line)
            continue
        flags = set(cols[3].split(",")) if len(cols) > 3 else set()
        result.append(_Alias(surface, province, kind, "prefix" in flags, "en" in flags))
    return tuple(result)


@cache
def _districts() -> tuple[_Alias, ...]:
    """Pre-2025 districts named in one province only (``data/districts.tsv``)."""
    text = resources.files("pipeline").joinpath("data/districts.tsv").read_text(encoding="utf-8")
    known = {p.name for p in provinces()}
    result = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        surface, province = (nfc(c.strip()) for c in line.split("\t")[:2])
        if province in known:
            result.append(_Alias(surface, province, "district", needs_admin=True))
    return tuple(result)


@cache
def _index() -> dict[str, Province]:
    """Lookup key -> province, for the 63 names and the aliases of kind ``name``."""
    index = {_key(p.name): p for p in provinces()}
    by_name = {p.name: p for p in provinces()}
    for alias in _aliases():
        if alias.kind == "name":
            index.setdefault(_key(alias.surface), by_name[alias.province])
    return index


def units_2025() -> list[str]:
    """The 34 provincial units since 2025, sorted."""
    return sorted({p.unit_2025 for p in provinces()})


def find_province(name: str) -> Province | None:
    """The pre-2025 province called ``name`` (any accents/case, with or without "Tỉnh", or another
    spelling such as ``TP.HCM``, ``Huế``, ``Daklak``), or None. Cities are not provinces here."""
    return _index().get(_key(name))


@cache
def _unit_index() -> dict[str, str]:
    """Lookup key -> 2025 unit, for the unit names and every spelling of a same-named old province."""
    units = {_key(u): u for u in units_2025()}
    index = dict(units)
    for key, province in _index().items():
        unit = "Huế" if province.unit_2025 == "Huế" else units.get(_key(province.name))
        if unit is not None:
            index.setdefault(key, unit)
    return index


def is_unit_2025(name: str) -> bool:
    """Whether ``name`` is one of the 34 units of 2025 (any accents/case; ``TP.HCM``, ``Hue`` too)."""
    return find_unit_2025(name) is not None


def find_unit_2025(name: str) -> str | None:
    """The 2025 unit called ``name``, or None.

    All 34 units kept a pre-2025 name (Huế aside, which was Thừa Thiên Huế), so after 1 July 2025
    "tỉnh Phú Thọ" is the enlarged unit: this says which unit a post-reform text means.
    """
    return _unit_index().get(_key(name))


# --- names in running text -------------------------------------------------------------------

# Phrases that contain a province name but are something else; matched so that the name inside
# is not. Historical merged provinces, the Pacific Ocean, a newspaper, "Vinh danh" (to honour).
_BLOCKERS = (
    "Thái Bình Dương",
    "Hà Nam Ninh",
    "Hà Sơn Bình",
    "Hải Hưng",
    "Nam Hà",
    "Hà Tuyên",
    "Bắc Thái",
    "Hà Bắc",
    "Vĩnh Phú",
    "Nghĩa Bình",
    "Phú Khánh",
    "Thuận Hải",
    "Minh Hải",
    "Cửu Long",
    "Sông Bé",
    "Nghệ Tĩnh",
    "Bình Trị Thiên",
    "Hoàng Liên Sơn",
    "Sài Gòn Giải Phóng",
    "Vinh danh",
    "Vinh quang",
    "Vinh dự",
    "Vinh hạnh",
    "Vinh hiển",
)
# Common Vietnamese surnames; with the usual middle names, a province name right after one of them
# is part of a person's name (Nguyễn Hòa Bình, Thị Huế).
_SURNAMES_TEXT = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Mai Trịnh Lương "
    "Trương Tạ Chu Châu Tô Triệu Lưu Kiều Quách Vương Thạch Danh Lò Hứa Tăng Khổng Nông Hầu Doãn Đàm "
    "Đoàn Lại Phùng Mạc Tống Diệp Nghiêm Thân Tôn Trình Lâm Cao Hà Thái La Giang Âu Kim"
)
_MIDDLE_NAMES_TEXT = (
    "Văn Thị Hữu Đức Ngọc Xuân Quốc Minh Hồng Thu Công Đình Bá Duy Mạnh Trọng Tiến Như Khắc Viết"
)
SURNAMES = frozenset(_SURNAMES_TEXT.split())
# Lâm, Cao, Hà, Thái, La, Giang, Kim begin place names too (Lâm Đồng, Cao Bằng, Hà Nội, Thái Bình ...):
# they are surnames for spotting speakers but do not block a following province name.
_NAME_WORDS = frozenset(
    fold(w)
    for w in (SURNAMES - {"Lâm", "Cao", "Hà", "Thái", "La", "Giang", "Kim"}) | set(_MIDDLE_NAMES_TEXT.split())
)
# Words after which an ambiguous city name (flag ``prefix``) is a place.
_PREFIX_RE = re.compile(r"(?:thanh pho|tp\.?|thi xa|tai|o|in|city of|town of)\s*$")
_ADMIN_PREFIX_RE = re.compile(r"(?:huyen|quan|thi xa|thanh pho|tp\.?)\s*$")
_CITY_AFTER_RE = re.compile(r"\s+(?:city|town|district)\b", re.IGNORECASE)
_LOWER_AFTER_RE = re.compile(r"(?:tỉnh|Tỉnh|thành phố|Thành phố)\s+$")
_PREV_WORD_RE = re.compile(r"([^\W\d_]+)[ \u00a0]$")
_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class _Matcher:
    regex: re.Pattern[str]
    surfaces: dict[str, _Alias | None]  # matched key -> alias (None: a blocker)
    lower_regex: re.Pattern[str] | None = None


def _surface_variants(surface: str) -> set[str]:
    s = normalize_tone_marks(surface)
    return {s, s.upper()}


# "Hồ Chí Minh" alone is the president (tư tưởng Hồ Chí Minh, Học viện ... Hồ Chí Minh): the city
# needs "thành phố"/"TP" (listed as aliases) or one of the place prefixes.
_PREFIX_ONLY = frozenset({"Hồ Chí Minh"})


def _own_name(p: Province) -> _Alias:
    return _Alias(p.name, p.name, "name", needs_prefix=p.name in _PREFIX_ONLY)


@cache
def _accented_matcher() -> _Matcher:
    entries: dict[str, _Alias | None] = {}
    for p in provinces():
        for variant in _surface_variants(p.name):
            entries.setdefault(variant, _own_name(p))
    for alias in (*_aliases(), *_districts()):
        if not alias.english:
            for variant in _surface_variants(alias.surface):
                entries.setdefault(variant, alias)
    for blocker in _BLOCKERS:
        for variant in _surface_variants(blocker):
            entries[variant] = None
    lower = {normalize_tone_marks(p.name).lower(): _own_name(p) for p in provinces()}
    # No leading lookbehind: find_provinces_in_text checks the start (see iter_word_matches).
    pattern = r"(?:" + trie_regex(entries) + r")(?![\w&])"
    lower_pattern = r"(?:" + trie_regex(lower) + r")(?!\w)"
    return _Matcher(re.compile(pattern), {**lower, **entries}, re.compile(lower_pattern))


@cache
def _folded_matcher() -> _Matcher:
    entries: dict[str, _Alias | None] = {}
    for p in provinces():
        entries.setdefault(fold(p.name), _own_name(p))
    for alias in (*_aliases(), *_districts()):
        entries.setdefault(fold(alias.surface), alias)
    for blocker in _BLOCKERS:
        entries[fold(blocker)] = None
    pattern = r"(?:" + trie_regex(entries) + r")(?![\w&])"
    return _Matcher(re.compile(pattern), entries)


# Letters only Vietnamese writes (with ơ ư đ ă and the stacked tone marks): French "é", "à" or
# German "ä" are not evidence of Vietnamese spelling, and French text writes "Nghe An".
_MARKED_RE = re.compile(
    "[" + "".join(sorted({chr(c) for c in range(0x1EA0, 0x1EFA)} | set("ơƠưƯđĐăĂĩĨũŨ"))) + "]"
)
_NON_LETTERS_RE = re.compile(r"[\W\d_]+")
_SAMPLE_CHARS = 1500


def has_diacritics(text: str, min_ratio: float = 0.01) -> bool:
    """Whether ``text`` is written with Vietnamese diacritics (>= 2% of letters carry one).

    English text and unaccented Vietnamese fall below; a Vietnamese sentence is far above
    (roughly every third letter). Judged on the first few thousand characters.
    """
    sample = text[:_SAMPLE_CHARS]
    letters = len(_NON_LETTERS_RE.sub("", sample))
    if not letters:
        return False
    return len(_MARKED_RE.findall(sample)) / letters >= min_ratio


_FOREIGN_SCRIPT_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0400-\u04ff]")


@cache
def _foreign_names() -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str]]]:
    """Province names in Chinese, Japanese, Korean and Russian (``data/province_names.tsv``):
    one regex, and name -> (province, kind). CJK and Korean match anywhere (no spaces between
    words; Korean particles attach to the name); Russian as a word, with its case endings."""
    text = resources.files("pipeline").joinpath("data/province_names.tsv").read_text(encoding="utf-8")
    names: dict[str, tuple[str, str]] = {}
    loose: list[str] = []
    russian: list[str] = []
    known = {p.name for p in provinces()}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, province, script, kind = [*line.split("\t"), "", "", ""][:4]
        if province not in known:
            raise ValueError(f"data/province_names.tsv:{lineno}: unknown province {province!r}")
        key = name.lower()
        names[key] = (province, kind or "name")
        if script == "ru":
            stem = key[:-1] if key.endswith(("й", "а", "я")) else key  # Ханой, в Ханое
            names[stem] = (province, kind or "name")
            russian.append(stem)
        else:
            loose.append(key)
    parts = []
    if loose:
        parts.append(trie_regex(loose))
    if russian:
        parts.append(r"(?<![\w-])(?:" + trie_regex(russian) + r")\w{0,2}(?![\w])")
    return (re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None), names


def _foreign_mentions(text: str, by_name: dict[str, Province]) -> list[Mention]:
    regex, names = _foreign_names()
    if regex is None or not _FOREIGN_SCRIPT_RE.search(text):
        return []
    found = []
    lower = text.lower()
    for m in regex.finditer(lower):
        surface = m.group(0)
        hit = names.get(surface) or names.get(surface[:-1]) or names.get(surface[:-2])  # case endings
        if hit is None:
            continue
        province, kind = hit
        found.append(
            Mention(by_name[province], m.start(), m.end(), text[m.start() : m.end()],
                    _context(text, m.start(), m.end()), kind)
        )  # fmt: skip
    return found


def _context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT_CHARS) : start]
    right = text[end : end + CONTEXT_CHARS]
    return " ".join((left + text[start:end] + right).split())


def _after_person_name(text: str, start: int) -> bool:
    """Whether a capitalised surname or middle name precedes (``Nguyễn Hòa Bình``, ``Thị Huế``)."""
    m = _PREV_WORD_RE.search(text[max(0, start - 30) : start])
    return bool(m) and m.group(1)[:1].isupper() and fold(m.group(1)) in _NAME_WORDS


_HOST_PREFIXES = ("bao", "tinh", "so", "sovhttdl", "svhttdl", "stttt", "sotttt", "skhcn", "sokhcn", "songoaivu",
                  "congan", "tuyengiao", "truyenhinh", "dai", "ptth", "tv", "thanhuy", "tinhuy", "ubnd", "cong",
                  "en", "english", "www")  # fmt: skip
_HOST_SUFFIXES = ("", "online", "news", "tv", "moi", "portal", "gov", "dientu", "today")


@cache
def _host_names() -> dict[str, str]:
    """Folded, space-free province names (and a few short forms) -> province."""
    names = {re.sub(r"[^a-z]", "", fold(p.name)): p.name for p in provinces()}
    names.update({"hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh", "hochiminhcity": "Hồ Chí Minh",
                  "brvt": "Bà Rịa - Vũng Tàu", "hue": "Thừa Thiên Huế", "thuathienhue": "Thừa Thiên Huế",
                  "daklak": "Đắk Lắk", "daknong": "Đắk Nông"})  # fmt: skip
    return names


def province_from_host(url: str) -> Province | None:
    """The province a provincial outlet's address names: ``baolangson.vn``, ``en.hungyen.gov.vn``,
    ``sovhttdl.laocai.gov.vn``, ``baobariavungtau.com.vn``; None for national ones."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    names = _host_names()
    by_name = {p.name: p for p in provinces()}
    for label in host.split(".")[:-1]:
        label = label.replace("-", "")
        for prefix in ("", *_HOST_PREFIXES):
            if not label.startswith(prefix):
                continue
            rest = label[len(prefix) :]
            for suffix in _HOST_SUFFIXES:
                if suffix and not rest.endswith(suffix):
                    continue
                core = rest[: len(rest) - len(suffix)] if suffix else rest
                if core in names:
                    return by_name[names[core]]
    return None


def find_provinces_in_text(text: str) -> list[Mention]:
    """Every mention of a province (or of a city standing for one) in ``text``, in order.

    Accented text: case- and accent-sensitive, so words that merely look like names are skipped
    (``hòa bình`` = peace; ``Thái Bình Dương``; ``quản trị``; ``Hà Nam Ninh``; ``Nguyễn Hòa Bình``).
    A lower-case name still counts right after ``tỉnh``/``thành phố``. Text without diacritics is
    matched accent-folded; there a name must start with a capital unless the whole text is
    lower-case (``Hue`` is the city, ``hue`` a colour).
    """
    text = normalize_tone_marks(nfc(text))
    by_name = {p.name: p for p in provinces()}
    mentions: list[Mention] = []
    if has_diacritics(text):
        matcher = _accented_matcher()
        haystack = text
        spans = [(m.start(), m.end()) for m in iter_word_matches(matcher.regex, text)]
        taken = {s for s, _ in spans}
        if matcher.lower_regex is not None:
            for m in iter_word_matches(matcher.lower_regex, text):
                if m.start() not in taken and _LOWER_AFTER_RE.search(
                    text[max(0, m.start() - 12) : m.start()]
                ):
                    spans.append((m.start(), m.end()))
            spans.sort()
        need_capital = False
    else:
        matcher = _folded_matcher()
        haystack = fold(text)
        if len(haystack) != len(text):  # a character that folds to two: give up offsets, keep matching
            text = haystack
        spans = [(m.start(), m.end()) for m in iter_word_matches(matcher.regex, haystack)]
        need_capital = any(c.isupper() for c in text)
    folded_text: str | None = haystack if haystack is not text else None
    for start, end in spans:
        surface = text[start:end]
        key = re.sub(r"[ \u00a0]+", " ", haystack[start:end])
        alias = matcher.surfaces.get(key)
        if alias is None:
            continue  # a blocker: the name inside is not a place
        if need_capital and not surface[:1].isupper():
            continue
        if _after_person_name(text, start):
            continue
        if alias.needs_prefix or alias.needs_admin:
            before = (
                folded_text[max(0, start - 14) : start]
                if folded_text
                else fold(text[max(0, start - 14) : start])
            )
            prefix = _ADMIN_PREFIX_RE if alias.needs_admin else _PREFIX_RE
            if not (prefix.search(before) or _CITY_AFTER_RE.match(text, end)):
                continue
        mentions.append(
            Mention(by_name[alias.province], start, end, surface, _context(text, start, end), alias.kind)
        )
    foreign = _foreign_mentions(text, by_name)
    if foreign:
        taken = [(m.start, m.end) for m in mentions]
        mentions += [f for f in foreign if not any(s < f.end and f.start < e for s, e in taken)]
        mentions.sort(key=lambda m: m.start)
    return mentions
