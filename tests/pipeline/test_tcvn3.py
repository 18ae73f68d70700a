"""TCVN3 (ABC, TCVN 5712:1993 VN3): the legacy 8-bit Vietnamese encoding of old provincial pages."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from pipeline.extract.decode import _TCVN_HIGH, TCVN3, decode_html, decode_tcvn3, looks_like_tcvn3
from pipeline.process import process_page
from pipeline.types import Page

# Published examples of TCVN3 text read as windows-1252, with their Vietnamese (place names of
# Lào Cai); the soft hyphen (0xAD) is ư.
KNOWN = [
    (b"B\xb8t X\xb8t", "Bát Xát"),
    (b"B\xb6o Th\xbeng", "Bảo Thắng"),
    (b"M\xad\xeang Kh\xad\xacng", "Mường Khương"),
    (b"\xae\xa8ng k\xfd", "đăng ký"),
]


def to_tcvn3(text: str) -> bytes:
    """Encode with the table (for building test pages; VN3 has no toned capitals)."""
    inverse = {ch: 0xA0 + i for i, ch in enumerate(_TCVN_HIGH) if i not in range(0x10, 0x15)}
    return bytes(ord(ch) if ord(ch) < 0x80 else inverse[ch] for ch in text)


@pytest.mark.parametrize(("raw", "expected"), KNOWN)
def test_known_words_decode(raw: bytes, expected: str) -> None:
    assert decode_tcvn3(raw) == expected


def test_table_matches_the_system_iconv_tcvn5712() -> None:
    """An independent implementation of TCVN 5712 (glibc's iconv) agrees on every high byte."""
    iconv = shutil.which("iconv")
    if iconv is None:
        if os.environ.get("CI"):
            pytest.fail("iconv not found (glibc's iconv ships with libc-bin)")
        pytest.skip("iconv not found (glibc's iconv ships with libc-bin)")
    body = bytes(range(0xA0, 0x100))
    result = subprocess.run(
        [iconv, "-f", "TCVN5712-1", "-t", "UTF-8"], input=body, capture_output=True, check=True
    )
    assert result.stdout.decode("utf-8") == _TCVN_HIGH


PARAGRAPH = (
    "Sáng nay, Sở Thông tin và Truyền thông tỉnh Lào Cai tổ chức hội nghị tập huấn công tác "
    "thông tin đối ngoại năm 2024 cho cán bộ các huyện Bát Xát, Bảo Thắng, Mường Khương. "
    "Các đại biểu được nghe phổ biến về quyền con người và những điểm mới của kế hoạch."
)


def tcvn3_page(declared: str | None) -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
    html = (
        f"<html><head>{meta}<title>Hội nghị tập huấn thông tin đối ngoại</title></head><body>"
        f'<h1><font face=".VnTime">Hội nghị tập huấn thông tin đối ngoại</font></h1>'
        f'<div class="content"><p><font face=".VnTime">{PARAGRAPH}</font></p>'
        f'<p><font face=".VnTime">{PARAGRAPH}</font></p></div></body></html>'
    )
    return to_tcvn3(html)


@pytest.mark.parametrize("declared", ["windows-1252", "iso-8859-1", None])
def test_tcvn3_page_is_detected_and_decoded(declared: str | None) -> None:
    body = tcvn3_page(declared)
    assert looks_like_tcvn3(body)
    text, encoding = decode_html(body, {"content-type": "text/html"})
    assert encoding == TCVN3
    assert PARAGRAPH in text


def test_tcvn3_article_is_extracted_in_unicode() -> None:
    page = Page(url="http://127.0.0.1/tin-tuc/hoi-nghi.html", body=tcvn3_page("windows-1252"))
    article = process_page(page)
    assert article.title == "Hội nghị tập huấn thông tin đối ngoại"
    assert "Mường Khương" in article.text and "quyền con người" in article.text
    assert article.language == "vi"


@pytest.mark.parametrize(
    "body",
    [
        # French in windows-1252: guillemets and accented letters, never a symbol inside a word
        "<p>«Le ministère a présenté hier à Paris un rapport détaillé.» Élève, été, où, ça, "
        "naïve, cœur, Noël, déjà vu, crème brûlée, 25 µm, © 2024 Société Générale®.</p>".encode("cp1252")
        * 5,
        # German with soft hyphens (one kind of symbol only)
        "<p>Fuß\xadball\xadweltmeister\xadschaft und Donau\xaddampf\xadschiff\xadfahrt, Über\xadgrößen.</p>".encode(
            "cp1252"
        )
        * 5,
        # Catalan middle dots
        "<p>La col·laboració i la il·lusió de l'any, paral·lel.</p>".encode("cp1252") * 3,
        # Vietnamese in windows-1258 (precomposed where it can, combining tones elsewhere)
        PARAGRAPH.encode("cp1258", errors="ignore"),
    ],
    ids=["french", "german-soft-hyphens", "catalan", "windows-1258"],
)
def test_other_legacy_text_is_not_taken_for_tcvn3(body: bytes) -> None:
    assert not looks_like_tcvn3(body)
    assert decode_html(body, {"content-type": "text/html; charset=windows-1252"})[1] != TCVN3
