"""Scripts of their own name a language before langdetect is asked (it has no Lao or Khmer)."""

from __future__ import annotations

import pytest

from pipeline.language import detect_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hội nghị tập huấn công tác thông tin đối ngoại năm 2024 tại Lạng Sơn", "vi"),
        ("越南人权培训班在河内举行，来自各省的代表参加了培训", "zh"),
        ("ベトナムで人権に関する研修会が開催されました", "ja"),
        ("인권 교육 연수가 하노이에서 열렸다", "ko"),
        ("การฝึกอบรมเรื่องสิทธิมนุษยชนสำหรับเจ้าหน้าที่", "th"),
        ("ການຝຶກອົບຮົມກ່ຽວກັບສິດທິມະນຸດ ສໍາລັບພະນັກງານ", "lo"),
        ("វគ្គបណ្តុះបណ្តាលស្តីពីសិទ្ធិមនុស្សសម្រាប់មន្ត្រី", "km"),
        ("Une conférence de formation sur les droits de l'homme s'est tenue à Hanoï", "fr"),
        ("Eine Schulung zu Menschenrechten fand in Hanoi statt", "de"),
    ],
)
def test_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_french_accents_are_not_vietnamese() -> None:
    # é, à, è are Vietnamese letters too; only Vietnamese's own (ơ ư đ ă, stacked marks) decide
    assert detect_language("À Hanoï, une réunion s'est tenue après le déjeuner près du lac") == "fr"
