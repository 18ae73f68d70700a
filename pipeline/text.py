"""Vietnamese text normalisation used on every article.

Vietnamese text arrives in several equivalent spellings: decomposed Unicode (NFD) from some
CMSs, and two conventions for placing the tone mark on the vowel clusters ``oa``, ``oe``
and ``uy`` (``hoà``/``hòa``, ``khoẻ``/``khỏe``, ``thuỷ``/``thủy``). Matching, dedup and
search must treat them as the same word, so everything goes through :func:`normalize`;
diacritic-insensitive search uses :func:`fold`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

__all__ = [
    "clean_whitespace",
    "expand_abbreviations",
    "fold",
    "fold_words",
    "iter_word_matches",
    "nfc",
    "normalize",
    "normalize_tone_marks",
    "search_document",
    "trie_regex",
]

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
# (first vowel, second vowel) pairs whose open-syllable spelling differs between styles.
_CLUSTERS = (("o", "a"), ("o", "e"), ("u", "y"))


def _build_tone_table() -> dict[str, str]:
    """Map every new-style cluster (tone on the 2nd vowel) to the old style (tone on the 1st)."""
    table: dict[str, str] = {}
    for first, second in _CLUSTERS:
        for f in (first, first.upper()):
            for s in (second, second.upper()):
                for tone in _TONES:
                    new = unicodedata.normalize("NFC", f + s + tone)
                    old = unicodedata.normalize("NFC", f + tone + s)
                    table[new] = old
    return table


def _build_fold_table() -> dict[int, str | None]:
    """Map every precomposed Latin letter to its base letter, and drop combining marks."""
    table: dict[int, str | None] = {}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(cp)) if not unicodedata.combining(c))
        if base != chr(cp):
            table[cp] = base
    table.update(dict.fromkeys(range(0x300, 0x370)))
    table[ord("đ")] = "d"
    table[ord("Đ")] = "d"
    return table


_TONE_TABLE = _build_tone_table()
# A character class first (fast to scan), the exact pair is checked in the table. Only at the end
# of a syllable (hoà, thuỷ): in closed syllables (hoàng, thuyết) both styles put the mark on the
# second vowel. After "q" the "u" belongs to the consonant (quý, quỳ): leave it.
_TONE_RE = re.compile(
    "(?<![qQ])[oOuU][" + "".join(sorted({k[1] for k in _TONE_TABLE})) + r"](?![^\W\d_])",
)
_FOLD_TABLE = _build_fold_table()
# Zero-width characters and soft hyphens that CMS editors leave inside words.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HSPACE_RE = re.compile(r"[^\S\n]+")
_ANY_SPACE_RE = re.compile(r"\s+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def nfc(s: str) -> str:
    """Return ``s`` in NFC; cheap when it already is (the common case)."""
    if unicodedata.is_normalized("NFC", s):
        return s
    return unicodedata.normalize("NFC", s)


def normalize_tone_marks(s: str) -> str:
    """Unify tone-mark placement to the *old* (traditional) style: ``hòa``, ``khỏe``, ``thủy``.

    The old style is what most Vietnamese government and press sites and dictionaries use,
    and what underthesea's ``text_normalize`` produces. Only the open-syllable clusters
    ``oa``, ``oe``, ``uy`` differ between the styles; capitals are handled (``HOÀ`` -> ``HÒA``).
    """
    s = nfc(s)
    return _TONE_RE.sub(_swap_tone, s)


def _swap_tone(m: re.Match[str]) -> str:
    pair = m.group(0)
    return _TONE_TABLE.get(pair, pair)


def clean_whitespace(s: str) -> str:
    """Tidy whitespace but keep paragraph structure.

    Removes zero-width characters, turns NBSP/tabs into spaces, collapses runs of spaces,
    strips every line and keeps at most one blank line between paragraphs.
    """
    s = _INVISIBLE_RE.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
    s = _HSPACE_RE.sub(" ", s)
    s = "\n".join(line.strip() for line in s.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", s).strip()


def normalize(s: str) -> str:
    """Canonical form for matching and dedup: NFC, one tone-mark style, single spaces."""
    s = normalize_tone_marks(_INVISIBLE_RE.sub("", nfc(s)))
    return _ANY_SPACE_RE.sub(" ", s).strip()


def fold(s: str) -> str:
    """Accent-free lowercase form for diacritic-insensitive search (``tập huấn`` -> ``tap huan``)."""
    return nfc(s).translate(_FOLD_TABLE).lower()


_WORD_RE = re.compile(r"[^\W_]+")


def fold_words(s: str) -> list[str]:
    """The folded words of ``s`` (``Hoà Bình, tập huấn!`` -> ``["hoa", "binh", "tap", "huan"]``)."""
    return _WORD_RE.findall(fold(normalize(s)))


def search_document(*parts: str | None) -> str:
    """What search indexes and scans: the folded words of ``parts``, single-spaced, with a space at
    each end so that a LIKE for ``% word %`` finds whole words (first and last ones too)."""
    return " " + " ".join(fold_words(" ".join(p for p in parts if p))) + " "


# Abbreviations of the domain (variants first-class: ``TT&TT``, ``TT-TT``, ``TTTT``, ``TT& TT``).
# Upper-case only, and never inside a document number: ``57-KL/TW``, ``21/KH-UBND`` stay as written.
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"TT\s?&\s?TT|TT-TT|TTTT", "Thông tin và Truyền thông"),
    (r"VH\s?,?\s?TT\s?&\s?DL|VH-TT&DL|VHTT&DL|VHTTDL|VH-TT-DL", "Văn hóa, Thể thao và Du lịch"),
    (r"KH\s?&\s?CN|KH-CN|KHCN", "Khoa học và Công nghệ"),
    (r"TTĐN", "thông tin đối ngoại"),
    (r"QCN", "quyền con người"),
    (r"BCĐ", "Ban Chỉ đạo"),
    (r"BCH", "Ban Chấp hành"),
    (r"UBND", "Ủy ban nhân dân"),
    (r"HĐND", "Hội đồng nhân dân"),
    (r"MTTQ", "Mặt trận Tổ quốc"),
    (r"T\.Ư|TƯ|TW", "Trung ương"),
    (r"ĐBSCL", "Đồng bằng sông Cửu Long"),
    (r"LHQ", "Liên hợp quốc"),
    (r"CNTT", "công nghệ thông tin"),
    (r"ATTT", "an toàn thông tin"),
    (r"CĐS", "chuyển đổi số"),
    (r"TTCS", "thông tin cơ sở"),
)
# The lookahead first: most positions fail on it at once (every abbreviation starts with two capitals).
_ABBR_RE = re.compile(
    r"(?=[A-ZĐ][A-ZĐƯ.&\s-])(?<![\w/&.-])(?:"
    + "|".join(f"({pattern})" for pattern, _ in _ABBREVIATIONS)
    + r")(?![\w&]|[/-]\w)"
)


def expand_abbreviations(s: str) -> str:
    """Spell out the domain's abbreviations (``TTĐN`` -> ``thông tin đối ngoại``, ``UBND`` -> ``Ủy ban nhân dân``).

    Rules and analysts write phrases in full; reports mix both forms. Document numbers keep their
    abbreviations (``57-KL/TW``, ``21/KH-UBND``), so the result still yields the same legal references.
    """
    return _ABBR_RE.sub(_expand, s)


def _expand(m: re.Match[str]) -> str:
    return _ABBREVIATIONS[m.lastindex - 1][1] if m.lastindex else m.group(0)


def trie_regex(words: Iterable[str], space: str = r"[ \u00a0]+") -> str:
    """One regex source matching any of ``words``, the longest where several start at one place.

    A plain ``a|b|c`` over hundreds of names or phrases is tried alternative by alternative at
    every position; a trie shares prefixes, so a position that starts no word costs one test.
    A space in a word matches ``space`` (by default one or more spaces or NBSPs).
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alternatives = [
            (space if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch
        ]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def iter_word_matches(regex: re.Pattern[str], text: str, not_after: str = "") -> Iterator[re.Match[str]]:
    """``regex.finditer(text)`` keeping only matches that start a word (not after a letter, digit,
    ``_`` or a character of ``not_after``).

    Same matches as a leading ``(?<!\\w)`` in the pattern, several times faster: a pattern that
    starts with a lookbehind loses the regex engine's first-character scan. A match rejected for
    its start is retried one character later, so nothing a lookbehind would find is lost.
    """
    pos = 0
    search = regex.search
    while (m := search(text, pos)) is not None:
        start = m.start()
        prev = text[start - 1] if start else ""
        if prev and (prev.isalnum() or prev == "_" or prev in not_after):
            pos = start + 1
            continue
        yield m
        pos = m.end() if m.end() > start else start + 1
