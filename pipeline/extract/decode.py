"""Turn the raw bytes of a page into text.

Servers lie about charset: Vietnamese portals send UTF-8 pages with ``charset=iso-8859-1`` headers,
or legacy windows-1258 pages declared as UTF-8. The order of trust is therefore: a BOM, then the
bytes themselves (valid UTF-8 is UTF-8), then the declared charset (HTTP header, then ``<meta>``),
then detection. Decoding never raises. Legacy Vietnamese (TCVN3, below) is tried only on
positive evidence: the page declares a Western charset or none, and reads as Vietnamese words;
VNI (``pipeline.extract.vni``) the same way.

One legacy encoding has no codec and no declaration: TCVN3 (ABC, TCVN 5712:1993 VN3), still on old
provincial pages, whose text relied on .VnTime fonts and is served as windows-1252 or undeclared.
Read as windows-1252 its letters become symbols inside words ("B¸t X¸t" for "Bát Xát"); such pages
are recognised by those symbols and decoded with the table below.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping

from pipeline.extract.vni import VNI, decode_vni, looks_like_vni
from pipeline.text import nfc

logger = logging.getLogger(__name__)

__all__ = ["TCVN3", "declared_charsets", "decode_html", "decode_tcvn3", "looks_like_tcvn3"]

TCVN3 = "tcvn3"  # the encoding name decode_html reports for such pages
# Bytes 0xA0-0xFF of TCVN 5712:1993 (VN1, as glibc's iconv TCVN5712-1 decodes them). VN3 uses 75 of
# these positions (no-break space, 7 capitals, 67 small letters) at the same places; the others
# (toned capitals, combining tones) are VN1/VN2 additions and never occur in VN3 text.
_TCVN_HIGH = (
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"
    "éẹềểễếệìỉỄẾỒĩíịò"
    "Ổỏõóọồổỗốộờởỡớợù"
    "ỖủũúụừửữứựỳỷỹýỵỐ"
)
# 0x00-0x7F ASCII; 0x80-0x9F are unassigned in VN3: read as windows-1252 (as browsers did).
_TCVN3_TABLE = "".join(chr(b) for b in range(0x80)) + bytes(range(0x80, 0xA0)).decode("cp1252", "replace")
_TCVN3_TABLE += _TCVN_HIGH
# A VN3 letter that windows-1252 shows as a symbol (ă â ê ô ơ ư đ, à ả ã á ạ, ằ ẳ ẵ ắ), between two
# letters: inside a word, where real Western text has no ¨ © ª « ¬ ® µ ¶ · ¸ ¹ » ¼ ½ ¾.
_TCVN3_INSIDE_WORD = re.compile(rb"(?<=[A-Za-z\xa1-\xff])[\xa8-\xae\xb5-\xb9\xbb-\xbe](?=[A-Za-z\xa1-\xff])")
_TCVN3_MIN_HITS = 8
_TCVN3_MIN_DISTINCT = 3  # a German page's soft hyphens (0xAD) alone do not make it TCVN3
# Common Vietnamese words with a letter outside ASCII: decoded TCVN3 text has them by the dozen.
_VI_WORDS_RE = re.compile(r"(?<!\w)(của|được|những|người|với|đã|để|không|này|các|trên|về|nhiều|đến)(?!\w)")
_TCVN3_MIN_WORDS = 5
# Single-byte Western labels that legacy Vietnamese pages declare (or servers add) over TCVN3 bytes;
# any other declared charset (GB2312, Shift_JIS, windows-1258...) is believed before TCVN3 is tried.
_WESTERN = frozenset(("cp1252", "iso8859-1", "latin-1", "ascii"))

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)",
    re.IGNORECASE,
)
# The WHATWG encoding standard maps these labels to windows-1252; so do browsers.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1258": "cp1258",
    "x-user-defined": "cp1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
}
_META_SCAN_BYTES = 4096
_DETECT_BYTES = 65536


def _canonical(label: str) -> str | None:
    """Return the Python codec name for a charset label, or None if Python does not know it."""
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _header_value(headers: Mapping[str, object] | None, name: str) -> str:
    """Case-insensitive header lookup that accepts Scrapy-style bytes and list values."""
    if not headers:
        return ""
    for key, value in headers.items():
        key_s = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_s.lower() != name:
            continue
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return str(value)
    return ""


def declared_charsets(body: bytes, headers: Mapping[str, object] | None = None) -> list[str]:
    """Charsets the page claims, in order of trust: HTTP header, then ``<meta>`` in the head."""
    found: list[str] = []
    match = _HEADER_CHARSET_RE.search(_header_value(headers, "content-type"))
    if match:
        found.append(match.group(1))
    for match in _META_CHARSET_RE.finditer(body[:_META_SCAN_BYTES]):
        found.append(match.group(1).decode("ascii", "replace"))
    result: list[str] = []
    for label in found:
        name = _canonical(label)
        if name and name not in result:
            result.append(name)
    return result


def looks_like_tcvn3(body: bytes) -> bool:
    """True when the bytes read as TCVN3 Vietnamese: at least 8 VN3 letters that windows-1252
    would show as symbols, of at least 3 kinds, inside words (in the first 64 KB), and the text
    decoded as TCVN3 has Vietnamese words in it.

    The second test is the positive evidence: Chinese, Japanese or Korean bytes (GB2312, Shift_JIS,
    EUC-KR) are all high bytes and so pass the first one by the thousand.
    """
    head = body[:_DETECT_BYTES]
    hits = _TCVN3_INSIDE_WORD.findall(head)
    if len(hits) < _TCVN3_MIN_HITS or len(set(hits)) < _TCVN3_MIN_DISTINCT:
        return False
    return len(_VI_WORDS_RE.findall(decode_tcvn3(head))) >= _TCVN3_MIN_WORDS


def decode_tcvn3(body: bytes) -> str:
    """Decode TCVN3 (VN3) bytes; never raises (every byte has a character)."""
    return nfc(body.decode("latin-1").translate(_TCVN3_TRANSLATE))


_TCVN3_TRANSLATE = {i: ch for i, ch in enumerate(_TCVN3_TABLE) if i >= 0x80}


def _detect(body: bytes) -> str | None:
    """Guess the charset with charset_normalizer (installed with requests/trafilatura)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it ships with trafilatura's dependencies
        return None
    best = from_bytes(body[:_DETECT_BYTES]).best()
    if best is None:
        return None
    return _canonical(best.encoding)


def decode_html(body: bytes, headers: Mapping[str, object] | None = None) -> tuple[str, str]:
    """Decode a page body; return ``(text, encoding used)``. Text is NFC; never raises.

    windows-1258 writes tones as combining marks, hence NFC after every decode.
    """
    if not body:
        return "", "utf-8"
    for bom, name in _BOMS:
        if body.startswith(bom):
            return nfc(body[len(bom) :].decode(name, errors="replace")), name
    try:
        return nfc(body.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = declared_charsets(body, headers)
    # Before a Western declaration: TCVN3 pages declare windows-1252 or nothing.
    if all(name in _WESTERN for name in declared):
        if looks_like_tcvn3(body):
            return decode_tcvn3(body), TCVN3
        # VNI fonts over windows-1252 letters (pipeline.extract.vni); the head decides, as for TCVN3.
        if looks_like_vni(body[:_DETECT_BYTES].decode("cp1252", errors="replace")):
            return nfc(decode_vni(body.decode("cp1252", errors="replace"))), VNI
    for name in declared:
        if name in ("utf-8", "utf-16", "utf-32") or name.startswith(("utf-16", "utf-32")):
            continue  # the bytes are not valid UTF-8: the declaration is a lie
        try:
            return nfc(body.decode(name)), name
        except UnicodeDecodeError:
            logger.debug("declared charset %s does not decode the body", name)
    name = _detect(body)
    if name:
        try:
            return nfc(body.decode(name)), name
        except UnicodeDecodeError:
            logger.debug("detected charset %s does not decode the whole body", name)
    for name in ("cp1258", "cp1252"):
        try:
            return nfc(body.decode(name)), name
        except UnicodeDecodeError:
            continue
    return nfc(body.decode("utf-8", errors="replace")), "utf-8"
