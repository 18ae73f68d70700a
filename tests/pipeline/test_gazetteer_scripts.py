"""Provinces named in other scripts and in accent-free French or German text."""

from __future__ import annotations

import pytest

from pipeline.gazetteer import find_provinces_in_text


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("le Comité populaire de la province de Nghe An a organisé une conférence", "Nghệ An"),
        ("in der Provinz Lao Cai fand die Schulung statt", "Lào Cai"),
        ("ゲアン省ヴィン市で研修会議を開催した", "Nghệ An"),
        ("坚江省联合举办了2023年全国人权工作培训会", "Kiên Giang"),
        ("8월 7일, 호아빈에서 교육 컨퍼런스를 개최했습니다", "Hòa Bình"),
        ("конференция прошла в Ханое", "Hà Nội"),
        ("в провинции Нгеан", "Nghệ An"),
    ],
)
def test_foreign_names(text: str, province: str) -> None:
    found = find_provinces_in_text(text)
    assert found and found[0].province.name == province


def test_korean_after_is_not_hue() -> None:
    # "후에" alone is Korean for "after": only "후에시" or the full name stand for Huế
    assert not find_provinces_in_text("회의 이후에 대표단은 토론했다")


def test_peace_is_not_hoa_binh_in_chinese() -> None:
    assert not find_provinces_in_text("维护和平与发展")
    assert find_provinces_in_text("和平省委宣教部")[0].province.name == "Hòa Bình"
