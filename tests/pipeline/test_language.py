"""Deterministic language identification."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.language import detect_language

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*_*.txt")), ids=lambda p: p.name[:3])
def test_seeds_are_vietnamese(path: Path) -> None:
    assert detect_language(path.read_text("utf-8")) == "vi"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "The training conference on human rights and external information was held in Hoa Binh province.",
            "en",
        ),
        ("Конференция по правам человека прошла в провинции Хоабинь во Вьетнаме в этом году.", "ru"),
        ("越南和平省举行了关于人权和对外宣传工作的培训会议，来自十四个省份的代表参加。", "zh"),
    ],
)
def test_other_languages_with_iso_codes(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", [None, "", "Hội nghị", "12/08/2024 17:01 (GMT+7) — 0:00 / 0:00", "OK ok"])
def test_too_short_or_no_letters(text: str | None) -> None:
    assert detect_language(text) is None


def test_deterministic_on_ambiguous_text() -> None:
    text = "Hoa Binh Hanoi Saigon Mekong Delta training 2024 ASEAN UN HRC"
    answers = {detect_language(text) for _ in range(20)}
    assert len(answers) == 1
