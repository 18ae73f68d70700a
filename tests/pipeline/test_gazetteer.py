"""Provinces: names, other spellings, cities, 2025 units, and finding them in running text."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.gazetteer import (
    find_province,
    find_provinces_in_text,
    find_unit_2025,
    has_diacritics,
    is_unit_2025,
    provinces,
    units_2025,
)
from pipeline.text import fold


def names(text: str) -> list[str]:
    return [m.province.name for m in find_provinces_in_text(text)]


# --- the public API sources.py relies on ---------------------------------------------------------


def test_63_provinces_and_34_units() -> None:
    assert len(provinces()) == 63
    assert len(units_2025()) == 34
    assert {p.unit_2025 for p in provinces()} == set(units_2025())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Thanh Hoa", "Thanh Hóa"),
        ("Tỉnh Hòa Bình", "Hòa Bình"),
        ("HOÀ BÌNH", "Hòa Bình"),
        ("thành phố Cần Thơ", "Cần Thơ"),
    ],
)
def test_find_province_ignores_accents_case_and_prefix(name: str, expected: str) -> None:
    found = find_province(name)
    assert found is not None and found.name == expected


def test_units_and_lineage() -> None:
    hoa_binh = find_province("Hòa Bình")
    assert hoa_binh is not None and hoa_binh.unit_2025 == "Phú Thọ" and not hoa_binh.city_2025
    assert is_unit_2025("Phú Thọ") and is_unit_2025("Huế") and not is_unit_2025("Hòa Bình")
    assert find_province("Nowhere") is None


# --- other spellings ---------------------------------------------------------------------------

ALIASES = {
    "Hồ Chí Minh": [
        "TP.HCM",
        "TPHCM",
        "TP HCM",
        "Thành phố Hồ Chí Minh",
        "Sài Gòn",
        "HCMC",
        "Ho Chi Minh City",
    ],
    "Thừa Thiên Huế": ["Huế", "Thừa Thiên Huế", "TT-Huế", "Thừa Thiên - Huế", "Hue"],
    "Hà Nội": ["Hà Nội", "Hanoi", "Ha Noi"],
    "Bà Rịa - Vũng Tàu": ["Bà Rịa - Vũng Tàu", "BR-VT", "Ba Ria-Vung Tau", "Bà Rịa-Vũng Tàu"],
    "Đắk Lắk": ["Đắk Lắk", "Đắc Lắc", "Dak Lak", "Daklak"],
    "Đắk Nông": ["Đắk Nông", "Dak Nong"],
    "Kon Tum": ["Kon Tum", "Kontum"],
}


@pytest.mark.parametrize(
    ("alias", "expected"), [(a, province) for province, aliases in ALIASES.items() for a in aliases]
)
def test_find_province_accepts_other_spellings(alias: str, expected: str) -> None:
    found = find_province(alias)
    assert found is not None and found.name == expected


def test_cities_are_not_provinces_for_find_province() -> None:
    assert find_province("Buôn Ma Thuột") is None  # a city: only text search maps it to Đắk Lắk


@pytest.mark.parametrize("province", [p.name for p in provinces()])
def test_every_province_without_diacritics_and_in_english(province: str) -> None:
    ascii_name = fold(province).title()
    found = find_province(ascii_name)
    assert found is not None and found.name == province
    english = f"The training took place in {ascii_name} province last week."
    assert province in names(english)
    accented = f"Hội nghị diễn ra tại {province} sáng nay."
    assert province in names(accented)


# --- names in running text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hội nghị diễn ra tại thành phố Buôn Ma Thuột.", ["Đắk Lắk"]),
        ("Đoàn công tác đến Đà Lạt và Nha Trang.", ["Lâm Đồng", "Khánh Hòa"]),
        ("Hội nghị tổ chức tại thành phố Vinh.", ["Nghệ An"]),
        ("Lớp học mở tại Quy Nhơn, sau đó tại Pleiku.", ["Bình Định", "Gia Lai"]),
        ("Các đại biểu tham quan Hạ Long và Vũng Tàu.", ["Quảng Ninh", "Bà Rịa - Vũng Tàu"]),
        (
            "Từ Phan Thiết, Rạch Giá, Long Xuyên đến Mỹ Tho.",
            ["Bình Thuận", "Kiên Giang", "An Giang", "Tiền Giang"],
        ),
        ("Kỷ niệm chiến thắng Điện Biên Phủ.", ["Điện Biên"]),
        ("Lễ hội ở Cà Mau.", ["Cà Mau"]),
    ],
)
def test_cities_stand_for_their_province(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # peace, not the province
        ("Giải chạy “Vì hòa bình” thu hút 10.000 người.", []),
        ("Ngày 7/12, tại Hòa Bình, hội nghị tập huấn khai mạc.", ["Hòa Bình"]),
        # the Pacific Ocean contains both Thái Bình and Bình Dương
        ("Khu vực châu Á - Thái Bình Dương phát triển năng động.", []),
        ("Đoàn đại biểu tỉnh Thái Bình và tỉnh Bình Dương.", ["Thái Bình", "Bình Dương"]),
        # management, not Quảng Trị
        ("Nâng cao năng lực quản trị của chính quyền.", []),
        ("Hội nghị tại Quảng Trị.", ["Quảng Trị"]),
        ("Tỉnh Long An đón nhận danh hiệu.", ["Long An"]),
        # the old merged province Hà Nam Ninh is history, not Hà Nam
        ("Ông từng công tác tại tỉnh Hà Nam Ninh cũ.", []),
        ("Tỉnh Hà Nam tổ chức hội nghị.", ["Hà Nam"]),
        # people and the president
        ("Chánh án Nguyễn Hòa Bình phát biểu; bà Nguyễn Thị Huế cho biết.", []),
        ("Học tập và làm theo tư tưởng Hồ Chí Minh.", []),
        ("Học viện Chính trị quốc gia Hồ Chí Minh tổ chức hội thảo.", []),
        ("Hội nghị tại TP.HCM và Thành phố Hồ Chí Minh.", ["Hồ Chí Minh", "Hồ Chí Minh"]),
        # "Vinh danh" is to honour; Vinh alone is a name unless it is the city
        ("Vinh danh 10 tác phẩm xuất sắc. Anh Vinh cho biết.", []),
        ("Báo Sài Gòn Giải Phóng đưa tin.", []),
        # capitals in headlines, and the new tone style
        ("TẬP HUẤN TẠI HÒA BÌNH", ["Hòa Bình"]),
        ("Hội nghị tại Hoà Bình và Khánh Hoà", ["Hòa Bình", "Khánh Hòa"]),
        ("Đoàn công tác của tỉnh hòa bình", ["Hòa Bình"]),  # lower case, but right after "tỉnh"
    ],
)
def test_hard_cases_in_accented_text(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_decomposed_unicode_is_matched() -> None:
    assert names(unicodedata.normalize("NFD", "Hội nghị tại Hòa Bình.")) == ["Hòa Bình"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The conference was held in Vinh city, Nghe An province.", ["Nghệ An", "Nghệ An"]),
        ("Delegates visited Hue and Ho Chi Minh City.", ["Thừa Thiên Huế", "Hồ Chí Minh"]),
        ("The hue of the sky; a long and winding road.", []),
        ("tap huan tai hoa binh", ["Hòa Bình"]),  # an analyst's unaccented, lower-case query
        ("Across the Asia-Thai Binh Duong region", []),
    ],
)
def test_text_without_diacritics_is_matched_folded(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ủy ban nhân dân huyện Mường Lát tổ chức lớp bồi dưỡng.", ["Thanh Hóa"]),
        ("Hội nghị tại quận Ba Đình.", ["Hà Nội"]),
        ("Đoàn công tác đến thị xã Duyên Hải.", ["Trà Vinh"]),
        ("The course was held in Muong Lat district.", ["Thanh Hóa"]),
        ("Ba Đình lịch sử, Mường Lát mùa lúa chín.", []),  # a district counts only as a district
        ("Đại diện huyện Châu Thành phát biểu.", []),  # a district name found in several provinces
    ],
)
def test_pre_2025_districts_with_their_prefix(text: str, expected: list[str]) -> None:
    assert names(text) == expected
    assert all(m.kind == "district" for m in find_provinces_in_text(text))


def test_mention_carries_position_surface_kind_and_context() -> None:
    text = "Ngày 22/10, tại thành phố Quy Nhơn, tỉnh Bình Định, hội nghị tập huấn khai mạc."
    first, second = find_provinces_in_text(text)
    assert text[first.start : first.end] == first.surface == "Quy Nhơn"
    assert first.kind == "city" and first.province.name == "Bình Định"
    assert second.surface == "Bình Định" and second.kind == "name"
    assert "thành phố Quy Nhơn" in first.context


def test_has_diacritics() -> None:
    assert has_diacritics("Hội nghị tập huấn công tác thông tin đối ngoại")
    assert not has_diacritics("A training conference on external information in Hue")
    assert not has_diacritics("tap huan thong tin doi ngoai")


# --- 2025 units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Phú Thọ", "Phú Thọ"),
        ("tỉnh Phú Thọ", "Phú Thọ"),
        ("Gia Lai", "Gia Lai"),
        ("Huế", "Huế"),
        ("Thừa Thiên Huế", "Huế"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Hòa Bình", None),  # merged into Phú Thọ: not a unit of its own
        ("Bình Định", None),
    ],
)
def test_find_unit_2025(name: str, unit: str | None) -> None:
    assert find_unit_2025(name) == unit


def test_every_2025_unit_kept_an_old_name() -> None:
    old = {p.name for p in provinces()}
    assert all(u in old or u == "Huế" for u in units_2025())
