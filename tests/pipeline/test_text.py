"""Vietnamese normalisation: NFC, tone-mark style, folding, whitespace."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.text import clean_whitespace, fold, nfc, normalize, normalize_tone_marks


def test_nfc_composes_decomposed_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Hội nghị tập huấn")
    assert decomposed != "Hội nghị tập huấn"
    assert nfc(decomposed) == "Hội nghị tập huấn"


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("thuỷ", "thủy"),
        ("Thuỵ Sỹ", "Thụy Sỹ"),
        ("THUỶ", "THỦY"),
        ("khoẻ", "khỏe"),
        ("KHOẺ", "KHỎE"),
        ("chính trị hoá.", "chính trị hóa."),
        ("xoá bỏ", "xóa bỏ"),
        ("loè loẹt", "lòe loẹt"),
        ("tuỳ ý", "tùy ý"),
        ("oà khóc", "òa khóc"),
    ],
)
def test_tone_marks_move_to_the_first_vowel_of_open_clusters(new_style: str, old_style: str) -> None:
    assert normalize_tone_marks(new_style) == old_style
    assert normalize_tone_marks(old_style) == old_style  # idempotent


@pytest.mark.parametrize("word", ["hoàng", "thuyết", "quý", "quỳnh", "Quý", "khuỷu", "hoạch", "toán"])
def test_tone_marks_untouched_where_both_styles_agree(word: str) -> None:
    assert normalize_tone_marks(word) == word


def test_tone_marks_handle_decomposed_input() -> None:
    assert normalize_tone_marks(unicodedata.normalize("NFD", "Hoà Bình")) == "Hòa Bình"


def test_normalize_makes_spellings_equal() -> None:
    a = "Tỉnh  Hoà Bình\u00a0khoẻ\n mạnh"
    b = unicodedata.normalize("NFD", "Tỉnh Hòa Bình khỏe mạnh")
    assert normalize(a) == normalize(b) == "Tỉnh Hòa Bình khỏe mạnh"


def test_normalize_drops_zero_width_characters() -> None:
    assert normalize("tập\u200b huấn\ufeff") == "tập huấn"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Tập huấn", "tap huan"),
        ("Đà Nẵng", "da nang"),
        ("ĐẢNG ỦY", "dang uy"),
        ("Quyền con người", "quyen con nguoi"),
        ("Hoà / Hòa", "hoa / hoa"),
    ],
)
def test_fold_is_accent_free_lowercase(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


def test_clean_whitespace_keeps_paragraphs() -> None:
    raw = "  Dòng   một\t\u00a0tiếp\r\n\r\n\r\n\n   Dòng hai  \n"
    assert clean_whitespace(raw) == "Dòng một tiếp\n\nDòng hai"
