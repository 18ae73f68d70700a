"""Decoding page bytes when servers lie about their charset."""

from __future__ import annotations

import unicodedata

from pipeline.extract.decode import declared_charsets, decode_html

TEXT = "Hội nghị tập huấn công tác thông tin đối ngoại về quyền con người tại Hòa Bình, Đảng ủy tỉnh."
# cp1258 has precomposed â ê ô ơ ư ă đ but writes the five tones as combining marks.
_MODIFIERS = {"\u0302", "\u0306", "\u031b"}


def to_cp1258(s: str) -> bytes:
    """Encode like a legacy Vietnamese Windows page would."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        try:
            ch.encode("cp1258")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _MODIFIERS)))
        out.append("".join(m for m in marks if m not in _MODIFIERS))
    return "".join(out).encode("cp1258")


def page(charset_meta: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{TEXT}</p></body></html>"


def test_valid_utf8_wins_over_a_lying_header() -> None:
    body = page("iso-8859-1").encode("utf-8")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=iso-8859-1"})
    assert encoding == "utf-8"
    assert TEXT in text


def test_windows_1258_from_meta_is_decoded_and_composed() -> None:
    body = to_cp1258(page("windows-1258"))
    assert TEXT.encode("utf-8") not in body
    text, encoding = decode_html(body, {"content-type": "text/html"})
    assert encoding == "cp1258"
    assert TEXT in text  # NFC: tones recomposed
    assert unicodedata.is_normalized("NFC", text)


def test_windows_1258_from_header_even_when_meta_lies() -> None:
    body = to_cp1258(page("utf-8"))
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=windows-1258"})
    assert encoding == "cp1258"
    assert TEXT in text


def test_scrapy_style_header_values_are_accepted() -> None:
    body = to_cp1258(page())
    text, encoding = decode_html(body, {b"Content-Type": [b"text/html; charset=windows-1258"]})
    assert encoding == "cp1258"
    assert TEXT in text


def test_boms() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>ch\xc3\xa0o</p>") == ("<p>chào</p>", "utf-8")
    text, encoding = decode_html("\ufeff<p>chào</p>".encode("utf-16-le"))
    assert (text, encoding) == ("<p>chào</p>", "utf-16-le")


def test_undeclared_legacy_bytes_fall_back_without_raising() -> None:
    body = to_cp1258(page())
    text, encoding = decode_html(body, None)
    assert encoding
    assert "<p>" in text


def test_garbage_never_raises() -> None:
    for body in (b"\x00\xff\xfe\x81\x90\x9d", b"\xc3\x28 broken utf-8 \xe2\x82", b""):
        text, encoding = decode_html(body, {"content-type": "text/html; charset=does-not-exist"})
        assert isinstance(text, str)
        assert isinstance(encoding, str)


def test_declared_charsets_in_order_of_trust() -> None:
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
    assert declared_charsets(body, {"Content-Type": "text/html; charset=UTF-8"}) == ["utf-8", "cp1258"]
    assert declared_charsets(b"<meta charset=latin1>", None) == ["cp1252"]
