"""Turn the raw bytes of a page into text.

Servers lie about charset: Vietnamese portals send UTF-8 pages with ``charset=iso-8859-1`` headers,
or legacy windows-1258 pages declared as UTF-8. The order of trust is therefore: a BOM, then the
bytes themselves (valid UTF-8 is UTF-8), then the declared charset (HTTP header, then ``<meta>``),
then detection. Decoding never raises.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping

from .text import nfc

logger = logging.getLogger(__name__)

__all__ = ["declared_charsets", "decode_html"]

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
    for name in declared_charsets(body, headers):
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
