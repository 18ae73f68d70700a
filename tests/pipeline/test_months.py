"""Dates with month names in every crawled language, CJK and Korean forms, weekdays."""

from __future__ import annotations

import pytest

from pipeline.months import find_named_dates, month_number, weekday_of
from pipeline.text import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le matin du 17 octobre, le Comité a organisé", (17, 10, None, None)),
        ("les 13 et 14 novembre 2024 à Hanoï", (13, 11, 2024, 14)),
        ("Am 17. Oktober organisierte das Komitee", (17, 10, None, None)),
        ("No dia 19 de dezembro de 2024, em Hanói", (19, 12, 2024, None)),
        ("El 5 de marzo se celebró", (5, 3, None, None)),
        ("Pada 25 Desember 2024 diselenggarakan", (25, 12, 2024, None)),
        ("В Ханое 17 октября прошла конференция", (17, 10, None, None)),
        ("στις 25 Δεκεμβρίου", (25, 12, None, None)),
        ("On October 28th, the course opened", (28, 10, None, None)),
        ("on June 20-21, 2024", (20, 6, 2024, 21)),
        ("10月26日と27日の両日", (26, 10, None, 27)),
        ("2024年10月17日、ゲアン省で", (17, 10, 2024, None)),
        ("8月16日,政府人权指导委员会", (16, 8, None, None)),
        ("8월 9일부터 11일까지 다낭에서", (9, 8, None, 11)),
    ],
)
def test_named_dates(text: str, expected: tuple) -> None:
    found = list(find_named_dates(fold(text)))
    assert found, text
    d = found[0]
    assert (d.day, d.month, d.year, d.end_day) == expected


def test_no_date_in_plain_words() -> None:
    assert not list(find_named_dates(fold("The conference may decide on March plans")))
    assert not list(find_named_dates(fold("Hội nghị 32 tháng")))


def test_month_names_and_weekdays() -> None:
    assert month_number("Octobre") == 10 and month_number("dez") is None
    assert weekday_of(fold("a course held on Thursday in Hanoi"))[0] == 3
    assert weekday_of(fold("am Donnerstag hat das Seminar"))[0] == 3
    assert weekday_of(fold("lần thứ hai tổ chức")) is None  # "thứ hai" is also "second"
