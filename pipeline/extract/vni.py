"""VNI-Windows: Vietnamese typed with VNI fonts, read back as windows-1252 or Latin-1 letters.

VNI writes a toned or hatted vowel as its base letter followed by one mark character
(``a`` + ``ù`` for ``á``, ``a`` + ``á`` for ``ấ``: a mark character carries the hat and the
tone together), and a few letters as one character of their own (``ñ`` for ``đ``, ``ö`` for
``ư``, ``ô`` for ``ơ``, ``ó`` for ``ĩ``). Read with a Western font the text becomes "Vieät Nam",
"ñöôïc". Old provincial pages made with VNI fonts are served as windows-1252 or undeclared;
``decode_html`` reads such bytes as windows-1252 and then this table. (VNI text pasted into a
UTF-8 page beside Unicode text is not converted: decoding it would corrupt the Unicode words.)

Positive evidence only: ``ñ`` or ``ö`` (which Vietnamese in Unicode never writes) must occur,
and the text read as VNI must have Vietnamese words that it did not have before, so Spanish
(``ñ``), German (``ö``) or French (``où``) pages stay as they are.
"""

from __future__ import annotations

import re

from pipeline.text import nfc

__all__ = ["VNI", "decode_vni", "looks_like_vni"]

VNI = "vni"  # the encoding name decode_html reports for such pages

# Mark characters after a base vowel, lower case; upper-case text uses the upper-case marks.
_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_HAT_TONES = {"â": "", "à": "\u0300", "á": "\u0301", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_BREVE_TONES = {"ê": "", "è": "\u0300", "é": "\u0301", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Letters that VNI writes as one character: base (with its own hat or horn) and tone.
_SINGLES = {"ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ", "ô": "ơ", "ö": "ư", "ñ": "đ"}


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for base in "aeouy":
        for mark, tone in _TONES.items():
            table[base + mark] = base + tone
    for base, hatted in (("a", "â"), ("e", "ê"), ("o", "ô")):
        for mark, tone in _HAT_TONES.items():
            table[base + mark] = hatted + tone
    for mark, tone in _BREVE_TONES.items():
        table["a" + mark] = "ă" + tone
    for base in "ôö":  # ơ and ư take the plain tones
        for mark, tone in _TONES.items():
            table[base + mark] = _SINGLES[base] + tone
    table.update(_SINGLES)
    upper = {key.upper(): value.upper() for key, value in table.items()}
    return {key: nfc(value) for key, value in {**table, **upper}.items()}


_TABLE = _table()
# Pairs before single characters: "oâ" is ô, and only a lone "ô" is ơ.
_RE = re.compile("|".join(re.escape(k) for k in sorted(_TABLE, key=len, reverse=True)))
_VI_WORDS_RE = re.compile(
    r"(?<!\w)(của|được|những|người|với|đã|để|không|này|các|trên|về|nhiều|đến|việt|nước)(?!\w)",
    re.IGNORECASE,
)
_MIN_NEW_WORDS = 5
_SAMPLE_CHARS = 65536


def decode_vni(text: str) -> str:
    """The text with its VNI letters as Unicode (NFC)."""
    return _RE.sub(lambda m: _TABLE[m.group()], text)


def looks_like_vni(text: str) -> bool:
    """Whether the text is VNI read as Western letters (see the module docstring)."""
    head = text[:_SAMPLE_CHARS]
    if "ñ" not in head and "ö" not in head and "Ñ" not in head and "Ö" not in head:
        return False
    before = len(_VI_WORDS_RE.findall(head))
    after = len(_VI_WORDS_RE.findall(decode_vni(head)))
    return after - before >= _MIN_NEW_WORDS
