"""Event fields: date held, place, organisers, participants, scope, legal references, speakers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsmon.sample_sites import catalog
from pipeline.fields import EventFields, extract_fields, legal_refs

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
VN = timezone(timedelta(hours=7))


def _labels() -> dict[str, dict]:
    lines = (SEEDS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["file"][:3]: json.loads(line) for line in lines}


def _seed_articles() -> list[dict]:
    """The catalog's renderings of the seeds (title, lead, paragraphs and publication date)."""
    return [a for a in catalog() if a["seed"] and not a["republished_from"]]


def _fields(article: dict, **kwargs) -> EventFields:
    return extract_fields(
        article["title"],
        article["lead"],
        "\n".join(article["paragraphs"]),
        datetime.fromisoformat(article["published"]),
        article["language"],
        **kwargs,
    )


def on(lead: str, published: datetime, body: str = "") -> EventFields:
    return extract_fields(None, lead, body, published)


# --- the seeds against labels.jsonl ------------------------------------------------------------------


@pytest.mark.parametrize("article", _seed_articles(), ids=lambda a: a["seed"])
def test_seed_fields_match_labels(article: dict) -> None:
    label = _labels()[article["seed"]]
    fields = _fields(article)
    assert fields.date_held == (date.fromisoformat(label["event_date"]) if label["event_date"] else None)
    assert fields.province == label["province"]
    assert fields.province_2025 == label.get("province_2025")
    assert fields.participants == label["participants"]
    assert fields.provinces_covered == label["provinces_covered"]
    assert fields.legal_refs == label["legal_refs"]
    assert fields.organizers == label["organizers"]
    if "participants_approx" in label:
        assert fields.participants_text == label["participants_approx"]


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("with_published", [True, False], ids=["published", "no-date"])
def test_raw_seed_files(seed: str, with_published: bool) -> None:
    """The raw text files, noise and all; without a publication date the year comes from the text."""
    label = _labels()[seed]
    article = next(a for a in _seed_articles() if a["seed"] == seed)
    published = datetime.fromisoformat(article["published"]) if with_published else None
    fields = extract_fields(None, None, (SEEDS / label["file"]).read_text(encoding="utf-8"), published)
    assert fields.date_held == (date.fromisoformat(label["event_date"]) if label["event_date"] else None)
    assert (fields.province, fields.province_2025) == (label["province"], label.get("province_2025"))
    assert fields.participants == label["participants"]
    assert fields.provinces_covered == label["provinces_covered"]
    assert fields.legal_refs == label["legal_refs"]


def test_seed_001_keeps_the_first_scope_and_lists_speakers() -> None:
    fields = _fields(next(a for a in _seed_articles() if a["seed"] == "001"))
    assert fields.provinces_covered == 25  # "25 tỉnh, thành phố" in the reporting paragraph; "26" later
    assert "25 tỉnh, thành phố" in fields.provenance["provinces_covered"]
    assert fields.venue == "Hòa Bình"
    speakers = {s["name"]: s for s in fields.speakers}
    assert speakers["Phạm Anh Tuấn"]["role"] == "phát biểu khai mạc"
    assert (
        speakers["Phạm Anh Tuấn"]["title"] == "Cục trưởng Thông tin đối ngoại, Bộ Thông tin và Truyền thông"
    )
    assert speakers["Nguyễn Văn Chương"]["title"] == "Phó Chủ tịch Ủy ban nhân dân tỉnh Hòa Bình"
    assert speakers["Lê Hải Bình"]["role"] == "dự và chỉ đạo"


def test_seed_002_province_comes_from_the_host_official() -> None:
    fields = _fields(next(a for a in _seed_articles() if a["seed"] == "002"))
    assert (fields.province, fields.province_2025) == ("Trà Vinh", "Vĩnh Long")
    assert "Phó Chủ tịch UBND tỉnh Trà Vinh" in fields.provenance["province"]
    assert fields.date_held is None and fields.organizers == []


def test_provenance_quotes_the_source_of_each_field() -> None:
    fields = _fields(next(a for a in _seed_articles() if a["seed"] == "003"))
    assert "ngày 18-8" in fields.provenance["date_held"]
    assert "gần 150 đại biểu" in fields.provenance["participants"]
    assert "Thanh Hóa" in fields.provenance["province"]
    assert "Sở Thông tin và Truyền thông" in fields.provenance["organizers"]
    assert set(fields.provenance) >= {"date_held", "participants", "province", "organizers", "legal_refs"}


def test_as_dict_is_json() -> None:
    fields = _fields(next(a for a in _seed_articles() if a["seed"] == "001"))
    data = json.loads(json.dumps(fields.as_dict(), ensure_ascii=False))
    assert data["date_held"] == "2023-12-07" and data["province_2025"] == "Phú Thọ"


# --- the other training conferences of the catalog ---------------------------------------------------


@pytest.mark.parametrize(
    "article",
    [a for a in catalog() if a["label"] == "training_conference" and a["event_key"][-10:-8] == "20"],
    ids=lambda a: a["id"],
)
def test_catalog_trainings_have_their_date(article: dict) -> None:
    """The event key ends with the (last) day held; multi-day events give the range."""
    fields = _fields(article)
    key_date = date.fromisoformat(article["event_key"][-10:])
    assert fields.date_held is not None
    assert fields.date_held <= key_date <= (fields.date_end or fields.date_held)


@pytest.mark.parametrize(
    ("article_id", "province", "participants", "covered"),
    [
        ("nd-quangngai-2024", "Quảng Ngãi", 190, 11),
        ("nd-nghean-2024", "Nghệ An", 220, 15),
        ("nd-en-nghean-2024", "Nghệ An", 200, 15),
        ("hb-hr-2023", "Hòa Bình", 300, None),
        ("th-muonglat-2024", "Thanh Hóa", 85, None),  # only "huyện Mường Lát" says where
    ],
)
def test_catalog_training_fields(
    article_id: str, province: str, participants: int, covered: int | None
) -> None:
    fields = _fields(next(a for a in catalog() if a["id"] == article_id))
    assert fields.province == province
    assert fields.participants == participants
    assert fields.provinces_covered == covered


def test_english_organisers_and_venue() -> None:
    fields = _fields(next(a for a in catalog() if a["id"] == "nd-en-nghean-2024"))
    assert fields.organizers == [
        "Department of External Information under the Ministry of Information and Communications",
        "Standing Office of the Government's Steering Committee on Human Rights",
        "People's Committee of Nghe An province",
    ]
    assert fields.venue == "Vinh city, Nghe An province"
    assert fields.participants_text == "More than 200"


# --- dates -----------------------------------------------------------------------------------------

PUB = datetime(2024, 6, 20, 17, 0, tzinfo=VN)


@pytest.mark.parametrize(
    ("lead", "published", "held", "end"),
    [
        (
            "Ngày 7/12, tại Hòa Bình, Sở tổ chức hội nghị tập huấn.",
            datetime(2023, 12, 8),
            date(2023, 12, 7),
            None,
        ),
        ("Ngày 18-8, Sở tổ chức hội nghị tập huấn.", datetime(2023, 8, 19), date(2023, 8, 18), None),
        ("Sáng 15/3, Sở tổ chức lớp tập huấn.", datetime(2024, 3, 15), date(2024, 3, 15), None),
        (
            "Chiều nay (11/10), Sở tổ chức hội nghị tập huấn.",
            datetime(2024, 10, 11),
            date(2024, 10, 11),
            None,
        ),
        ("Sáng nay (9/11), Sở tổ chức hội nghị.", datetime(2024, 11, 9), date(2024, 11, 9), None),
        ("Ngày 18.6, Sở tổ chức hội nghị tập huấn.", PUB, date(2024, 6, 18), None),
        ("Hôm nay, 8/8, Sở tổ chức hội nghị tập huấn.", datetime(2024, 8, 8), date(2024, 8, 8), None),
        ("Sáng 29-5, Sở tổ chức hội nghị.", PUB, date(2024, 5, 29), None),
        (
            "Trong 2 ngày (7 - 8/12), Sở tổ chức lớp tập huấn.",
            datetime(2023, 12, 8),
            date(2023, 12, 7),
            date(2023, 12, 8),
        ),
        (
            "Trong 2 ngày 24 và 25-9, Sở tổ chức lớp bồi dưỡng.",
            datetime(2024, 9, 26),
            date(2024, 9, 24),
            date(2024, 9, 25),
        ),
        (
            "Từ ngày 30/11 đến 2/12, Sở tổ chức lớp bồi dưỡng.",
            datetime(2024, 12, 3),
            date(2024, 11, 30),
            date(2024, 12, 2),
        ),
        ("Ngày 18 tháng 8, Sở tổ chức hội nghị tập huấn.", datetime(2023, 8, 20), date(2023, 8, 18), None),
        # a January report about late December is last year's
        ("Ngày 28/12, Sở tổ chức hội nghị tập huấn.", datetime(2024, 1, 5), date(2023, 12, 28), None),
        # a full date is taken as written
        ("Ngày 18/8/2023, Sở tổ chức hội nghị tập huấn.", datetime(2024, 1, 5), date(2023, 8, 18), None),
        # "sáng nay" without a date: the publication date
        ("Sáng nay, Sở tổ chức hội nghị tập huấn.", datetime(2024, 5, 3, 9, 0), date(2024, 5, 3), None),
        # an announced event lies in the future
        ("Ngày 20/5 tới, Sở sẽ tổ chức hội nghị tập huấn.", datetime(2024, 5, 10), date(2024, 5, 20), None),
        # English
        (
            "On December 7, a training course took place in Hanoi.",
            datetime(2023, 12, 8),
            date(2023, 12, 7),
            None,
        ),
        (
            "A training conference was held on Dec. 7, 2023 in Hanoi.",
            datetime(2024, 1, 8),
            date(2023, 12, 7),
            None,
        ),
        ("The training course took place in Hue on 5 March.", datetime(2024, 3, 6), date(2024, 3, 5), None),
    ],
)
def test_date_held_forms(lead: str, published: datetime, held: date, end: date | None) -> None:
    fields = on(lead, published)
    assert (fields.date_held, fields.date_end) == (held, end)
    assert fields.provenance["date_held"]


def test_a_past_event_is_not_dated_in_the_future() -> None:
    # published 10 June: "ngày 28/6" cannot be this year's 28 June for a report of a held event
    fields = on("Ngày 28/6, Sở tổ chức hội nghị tập huấn.", datetime(2024, 6, 10))
    assert fields.date_held == date(2023, 6, 28)


@pytest.mark.parametrize(
    "lead",
    [
        "Thực hiện Quyết định số 1079/QĐ-TTg ngày 14/9/2022 của Thủ tướng, Sở tổ chức hội nghị tập huấn.",
        "Quán triệt Kết luận số 57 ngày 15/6/2023 của Bộ Chính trị, Sở tổ chức hội nghị tập huấn.",
        "Ngày 14-9-2022, Thủ tướng Chính phủ đã ký Quyết định phê duyệt Đề án; hội nghị tập huấn triển khai Đề án.",
    ],
)
def test_document_dates_are_not_the_date_held(lead: str) -> None:
    assert on(lead, datetime(2023, 8, 18)).date_held is None


def test_timezone_of_publication_is_vietnam() -> None:
    # 23:30 UTC on 7 Dec is 8 Dec in Vietnam: "hôm nay" is the 8th
    published = datetime(2023, 12, 7, 23, 30, tzinfo=UTC)
    assert on("Hôm nay, Sở tổ chức hội nghị tập huấn.", published).date_held == date(2023, 12, 8)


# --- place -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "published", "province", "unit"),
    [
        (
            "Ngày 7/12, tại Hòa Bình, Bộ tổ chức hội nghị tập huấn.",
            datetime(2023, 12, 8),
            "Hòa Bình",
            "Phú Thọ",
        ),
        (
            "Ngày 5/3, tại thành phố Buôn Ma Thuột, Sở tổ chức hội nghị tập huấn.",
            datetime(2024, 3, 6),
            "Đắk Lắk",
            "Đắk Lắk",
        ),
        (
            "Ngày 5/3, tỉnh Thanh Hóa tổ chức hội nghị tập huấn.",
            datetime(2024, 3, 6),
            "Thanh Hóa",
            "Thanh Hóa",
        ),
        (
            "Ngày 5/3, tại TP.HCM, Bộ tổ chức hội nghị tập huấn.",
            datetime(2024, 3, 6),
            "Hồ Chí Minh",
            "Hồ Chí Minh",
        ),
        (
            "Ngày 5/3, tại thành phố Huế, Bộ tổ chức hội nghị tập huấn.",
            datetime(2025, 3, 6),
            "Thừa Thiên Huế",
            "Huế",
        ),
        # after the 2025 reform the name means the new, larger unit: which pre-2025
        # province it was in is unknown (old Phú Thọ, Vĩnh Phúc or Hòa Bình)...
        (
            "Ngày 5/9, tại tỉnh Phú Thọ, Sở Văn hóa tổ chức hội nghị tập huấn.",
            datetime(2025, 9, 6),
            None,
            "Phú Thọ",
        ),
        (
            "Ngày 5/9, tại tỉnh Gia Lai, Sở tổ chức hội nghị tập huấn.",
            datetime(2025, 9, 6),
            None,
            "Gia Lai",
        ),
        # ...unless the unit did not merge
        (
            "Ngày 5/9, tại tỉnh Thanh Hóa, Sở tổ chức hội nghị tập huấn.",
            datetime(2025, 9, 6),
            "Thanh Hóa",
            "Thanh Hóa",
        ),
        # a national online event has no host province
        (
            "Ngày 5/9, Bộ tổ chức hội nghị trực tuyến tập huấn tới các địa phương trong cả nước.",
            datetime(2025, 9, 6),
            None,
            None,
        ),
    ],
)
def test_province_where_it_was_held(
    lead: str, published: datetime, province: str | None, unit: str | None
) -> None:
    fields = on(lead, published)
    assert (fields.province, fields.province_2025) == (province, unit)


def test_reporting_sentence_beats_provinces_mentioned_elsewhere() -> None:
    fields = on(
        "Ngày 22/10, tại thành phố Quảng Ngãi, Bộ tổ chức hội nghị tập huấn cho 11 tỉnh.",
        datetime(2024, 10, 22),
        "Hội nghị thứ hai, sau hội nghị tổ chức tại Nghệ An. Hội nghị cuối dự kiến tổ chức tại Cần Thơ.",
    )
    assert fields.province == "Quảng Ngãi"
    assert fields.venue == "thành phố Quảng Ngãi"


def test_default_province_for_a_provincial_sites_own_training() -> None:
    lead = "Ngày 13/6, Sở Thông tin và Truyền thông phối hợp với Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị tập huấn."
    assert on(lead, datetime(2024, 6, 13)).province is None
    fields = extract_fields(None, lead, "", datetime(2024, 6, 13), default_province="Trà Vinh")
    assert (fields.province, fields.province_2025) == ("Trà Vinh", "Vĩnh Long")
    assert fields.organizers == ["Sở Thông tin và Truyền thông Trà Vinh", "Ban Tuyên giáo Tỉnh ủy Trà Vinh"]


# --- organisers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "organizers"),
    [
        (
            "Ngày 7/12, tại Hòa Bình, Bộ Thông tin và Truyền thông, Văn phòng Thường trực Ban Chỉ đạo Nhân quyền của "
            "Chính phủ phối hợp Ủy ban nhân dân tỉnh Hòa Bình tổ chức Hội nghị tập huấn.",
            [
                "Bộ Thông tin và Truyền thông",
                "Văn phòng Thường trực Ban Chỉ đạo Nhân quyền của Chính phủ",
                "Ủy ban nhân dân tỉnh Hòa Bình",
            ],
        ),
        (
            "Ngày 7/8, Ban Tuyên giáo Trung ương và Ban Chỉ đạo Nhân quyền của Chính phủ phối hợp với Tỉnh ủy Hòa Bình "
            "tổ chức Hội nghị tập huấn.",
            ["Ban Tuyên giáo Trung ương", "Ban Chỉ đạo Nhân quyền của Chính phủ", "Tỉnh ủy Hòa Bình"],
        ),
        (
            "Ngày 18/6, Sở TT&TT phối hợp BCĐ nhân quyền tỉnh Nam Định tổ chức lớp tập huấn.",
            ["Sở Thông tin và Truyền thông Nam Định", "Ban Chỉ đạo nhân quyền tỉnh Nam Định"],
        ),
        (
            "Chiều 30/5, lớp tập huấn do Ban Tuyên giáo Tỉnh ủy Lào Cai tổ chức đã kết thúc.",
            ["Ban Tuyên giáo Tỉnh ủy Lào Cai"],
        ),
    ],
)
def test_organizers(lead: str, organizers: list[str]) -> None:
    assert on(lead, datetime(2024, 8, 8)).organizers == organizers


# --- participants and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "number", "text"),
    [
        ("Tham dự hội nghị có 280 đại biểu.", 280, "280"),
        ("Tham dự Hội nghị có gần 150 đại biểu là cán bộ.", 150, "gần 150"),
        ("Hơn 200 đồng chí tham dự hội nghị.", 200, "Hơn 200"),
        ("Lớp tập huấn có khoảng 100 học viên tham gia.", 100, "khoảng 100"),
        ("Hơn 120 cán bộ, phóng viên tham dự.", 120, "Hơn 120"),
        ("Hội nghị có sự tham gia của 1.200 đại biểu.", 1200, "1.200"),
        ("Some 200 officials attended the course.", 200, "Some 200"),
        ("Sở đã tổ chức 4 lớp cho hơn 500 lượt cán bộ tham gia.", None, None),  # visits, not people
    ],
)
def test_participants(body: str, number: int | None, text: str | None) -> None:
    fields = on("Ngày 7/12, Sở tổ chức hội nghị tập huấn.", datetime(2023, 12, 8), body)
    assert (fields.participants, fields.participants_text) == (number, text)


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("cho cán bộ 25 tỉnh, thành phố trong cả nước", 25),
        ("cho đại diện 14 tỉnh thành khu vực Trung du", 14),
        ("cho 11 tỉnh khu vực Nam Trung Bộ và Tây Nguyên", 11),
        ("for officials from 15 provinces and cities", 15),
        ("cho cán bộ các tỉnh, thành phố", None),
    ],
)
def test_provinces_covered(text: str, covered: int | None) -> None:
    assert (
        on(f"Ngày 7/12, Sở tổ chức hội nghị tập huấn {text}.", datetime(2023, 12, 8)).provinces_covered
        == covered
    )


def test_planned_scope_is_not_the_scope() -> None:
    fields = on(
        "Bộ tổ chức hội nghị tập huấn trực tiếp đầu tiên.",
        datetime(2023, 6, 29),
        "Sau hội nghị này, Bộ sẽ triển khai thêm 02 hội nghị nữa để phủ khắp 63 tỉnh, thành phố cả nước.",
    )
    assert fields.provinces_covered is None


# --- legal references ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("Quyết định số 1079/QĐ-TTg ngày 14/9/2022", ["1079/QĐ-TTg"]),
        (
            "Kết luận số 57-KL/TW, Chỉ thị 44-CT/TW và Thông báo 46-TB/TW",
            ["57-KL/TW", "44-CT/TW", "46-TB/TW"],
        ),
        ("Nghị quyết số 47/NQ-CP và Kế hoạch số 21/KH-UBND", ["47/NQ-CP", "21/KH-UBND"]),
        ("Quyết định số số 16/QĐ-TTg", ["16/QĐ-TTg"]),
        ("Kết luận số 57 ngày 15/6/2023 của Bộ Chính trị", ["57-KL/TW"]),
        ("Chỉ thị số 44 của Ban Bí thư", ["44-CT/TW"]),
        ("Quyết định số 1079 của Thủ tướng Chính phủ", ["1079/QĐ-TTg"]),
        ("Nghị định 55/2025/NĐ-CP và Nghị quyết 202/2025/QH15", ["55/2025/NĐ-CP", "202/2025/QH15"]),
        ("Decision No. 1079/QD-TTg and Conclusion 57-KL/TƯ", ["1079/QĐ-TTg", "57-KL/TW"]),
        # a bare number resolves only through the full id elsewhere in the text
        ("Kết luận 71 ... Kết luận số 71-KL/TW", ["71-KL/TW"]),
        ("Kết luận 71 được quán triệt", []),
        # not legal references: a licence, a date, a month, a duty roster
        ("Giấy phép số 12/GP-TTĐT, tháng 6/2023, ngày 15/6/2023, trực 24/24 giờ", []),
    ],
)
def test_legal_reference_forms(text: str, refs: list[str]) -> None:
    fields = extract_fields(None, None, text, None)
    assert fields.legal_refs == refs


def test_legal_refs_are_deduplicated_in_order_of_first_mention() -> None:
    text = "Kết luận số 57 ngày 15/6/2023 của Bộ Chính trị; Quyết định 1079/QĐ-TTg; Kết luận 57-KL/TW; Kết luận 16-KL/TW"
    assert extract_fields(None, None, text, None).legal_refs == ["57-KL/TW", "1079/QĐ-TTg", "16-KL/TW"]
    assert [r for _, r in legal_refs(text)] == ["57-KL/TW", "1079/QĐ-TTg", "57-KL/TW", "16-KL/TW"]


# --- speakers ---------------------------------------------------------------------------------------------


def test_speakers_with_title_before_or_after_the_name() -> None:
    fields = on(
        "Ngày 7/12, Bộ tổ chức hội nghị tập huấn.",
        datetime(2023, 12, 8),
        "Phát biểu khai mạc hội nghị, Thứ trưởng Bộ TT&TT Nguyễn Thanh Lâm cho biết, công tác nhân quyền được quan tâm.\n"
        "Ông Nguyễn Quỳnh Thiện - Phó Chủ tịch UBND tỉnh Trà Vinh cho biết, tỉnh rất quan tâm.",
    )
    speakers = {s["name"]: s for s in fields.speakers}
    assert speakers["Nguyễn Thanh Lâm"] == {
        "name": "Nguyễn Thanh Lâm",
        "title": "Thứ trưởng Bộ Thông tin và Truyền thông",
        "role": "phát biểu khai mạc",
    }
    assert speakers["Nguyễn Quỳnh Thiện"]["title"] == "Phó Chủ tịch Ủy ban nhân dân tỉnh Trà Vinh"


def test_place_names_are_not_speakers() -> None:
    fields = on(
        "Ngày 7/12, tại Hà Nội, Bộ tổ chức hội nghị tập huấn.",
        datetime(2023, 12, 8),
        "Hà Nội cho biết sẽ hỗ trợ.",
    )
    assert fields.speakers == []


def test_nothing_to_find() -> None:
    fields = extract_fields(
        "Cam Cao Phong vào vụ thu hoạch", None, "Những ngày này, các vườn cam cho thu hoạch.", None
    )
    assert fields == EventFields(provenance={})
