"""VNI-Windows pages: Vietnamese typed with VNI fonts, served as windows-1252."""

from __future__ import annotations

import pytest

from pipeline.extract.decode import TCVN3, decode_html
from pipeline.extract.vni import _TABLE, VNI, decode_vni, looks_like_vni
from pipeline.process import process_page
from pipeline.types import Page

# The same sentence as VNI users typed it (hand-written from the VNI-Windows layout) and in Unicode.
TYPED = (
    "Hoäi nghò taäp huaán coâng taùc thoâng tin ñoái ngoaïi vaø quyeàn con ngöôøi cuûa tænh "
    "Laøo Cai ñöôïc toå chöùc taïi thaønh phoá; nhöõng ñaïi bieåu ñaõ thaûo luaän veà nhieàu "
    "vaán ñeà khoâng chæ trong nöôùc. ÑAÛNG UÛY TÆNH, NGÖÔØI VIEÄT NAM."
)
UNICODE = (
    "Hội nghị tập huấn công tác thông tin đối ngoại và quyền con người của tỉnh "
    "Lào Cai được tổ chức tại thành phố; những đại biểu đã thảo luận về nhiều "
    "vấn đề không chỉ trong nước. ĐẢNG ỦY TỈNH, NGƯỜI VIỆT NAM."
)


def vni_page(declared: str | None) -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
    html = (
        f"<html><head>{meta}<title>Hoäi nghò taäp huaán thoâng tin ñoái ngoaïi</title></head><body>"
        '<h1><font face="VNI-Times">Hoäi nghò taäp huaán thoâng tin ñoái ngoaïi</font></h1>'
        f'<div class="content"><p><font face="VNI-Times">{TYPED}</font></p>'
        f'<p><font face="VNI-Times">{TYPED}</font></p></div></body></html>'
    )
    return html.encode("cp1252")


def test_typed_vni_reads_as_unicode() -> None:
    assert decode_vni(TYPED) == UNICODE


def test_every_vietnamese_letter_has_one_vni_spelling() -> None:
    produced = set(_TABLE.values())
    for base in "ăâêôơưđ":
        assert base in produced and base.upper() in produced
    for toned in "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ":
        assert toned in produced, toned
        assert toned.upper() in produced, toned.upper()


@pytest.mark.parametrize("declared", ["windows-1252", "iso-8859-1", None])
def test_vni_page_is_detected_and_decoded(declared: str | None) -> None:
    body = vni_page(declared)
    text, encoding = decode_html(body, {"content-type": "text/html"})
    assert encoding == VNI
    assert UNICODE in text


def test_vni_article_is_extracted_in_unicode() -> None:
    article = process_page(Page(url="http://127.0.0.1/tin-tuc/hoi-nghi.html", body=vni_page("windows-1252")))
    assert article.title == "Hội nghị tập huấn thông tin đối ngoại"
    assert "quyền con người" in article.text and "Lào Cai" in article.text
    assert article.language == "vi"


@pytest.mark.parametrize(
    "text",
    [
        "El niño y la señora visitan España; mañana, el año próximo, los niños cantan. " * 5,
        "Über schöne Grüße aus Köln: Öl, Möbel, hören, Töne, können, möglich, Österreich. " * 5,
        "Où est le château ? Le garçon a déjà vu la forêt où il a été élevé, à côté. " * 5,
        UNICODE * 3,  # Unicode Vietnamese has no ñ/ö and loses its words when read as VNI
    ],
    ids=["spanish", "german", "french", "unicode-vietnamese"],
)
def test_other_text_is_not_taken_for_vni(text: str) -> None:
    assert not looks_like_vni(text)


def test_a_spanish_windows_1252_page_stays_windows_1252() -> None:
    body = ("<p>" + "El niño y la señora visitan España mañana. " * 20 + "</p>").encode("cp1252")
    text, encoding = decode_html(body, {"content-type": "text/html; charset=windows-1252"})
    assert encoding not in (VNI, TCVN3)
    assert "señora" in text
