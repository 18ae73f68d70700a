"""Event fields of reports in other languages: dates, places, counts, the URL's words."""

from __future__ import annotations

from datetime import date, datetime

from pipeline.fields import extract_fields
from pipeline.text import nfc

TZ = datetime(2024, 10, 20, 12).astimezone().tzinfo


def _published(y: int, m: int, d: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_french_report() -> None:
    f = extract_fields(
        "Conférence de formation sur les droits de l'homme à Nghe An",
        None,
        "Le matin du 17 octobre, le Comité populaire de la province de Nghe An a organisé une conférence "
        "de formation sur le travail en matière de droits de l'homme, avec plus de 150 délégués.",
        _published(2024, 10, 18),
        "fr",
    )
    assert (f.date_held, f.province, f.province_2025, f.participants) == (
        date(2024, 10, 17),
        "Nghệ An",
        "Nghệ An",
        150,
    )


def test_japanese_report() -> None:
    f = extract_fields(
        "ゲアン省で人権研修会議",
        None,
        nfc(
            "10月17日、ゲアン省人権指導委員会は人権活動に関する研修会議をゲアン省ヴィン市で開催した。会議には代表300名が参加した。"
        ),
        _published(2024, 10, 18),
        "ja",
    )
    assert f.date_held == date(2024, 10, 17)
    assert f.province == "Nghệ An"
    assert f.participants == 300


def test_korean_count_and_date() -> None:
    f = extract_fields(
        None,
        None,
        "8월 7일, 호아빈에서 중앙선전부는 교육 컨퍼런스를 개최했습니다. 300여 명이 참석했다.",
        _published(2024, 8, 8),
        "ko",
    )
    assert f.date_held == date(2024, 8, 7) and f.province == "Hòa Bình" and f.participants == 300


def test_english_weekday_and_yearless_date() -> None:
    published = _published(2024, 6, 21)  # a Friday
    f = extract_fields("Refresher course on human rights", None, "On Tuesday, the police academy opened a "
                       "refresher course on human rights for 80 officers.", published, "en")  # fmt: skip
    assert f.date_held == date(2024, 6, 18)
    g = extract_fields(None, None, "On June 20, the committee organised a training conference for 200 participants.",
                       published, "en")  # fmt: skip
    assert g.date_held == date(2024, 6, 20) and g.participants == 200


def test_year_from_the_text_without_publication_date() -> None:
    f = extract_fields(None, None, "Le 25 décembre, le comité a organisé une conférence de formation sur les "
                       "droits de l'homme en 2024.", None, "fr")  # fmt: skip
    assert f.date_held == date(2024, 12, 25)


def test_url_words_give_place_and_count() -> None:
    f = extract_fields(
        None,
        None,
        "La camarade vice-présidente du Comité populaire provincial a présidé la conférence.",
        _published(2024, 6, 21),
        "fr",
        url="https://thongtin.vietnam.vn/fr/lao-cai-300-dai-bieu-duoc-tap-huan-ve-cong-tac-nhan-quyen-nam-2024",
    )
    assert f.province == "Lào Cai" and f.participants == 300
