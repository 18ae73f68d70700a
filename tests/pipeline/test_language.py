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


_ENGLISH = (
    "The provincial department said that the training course, which was held with the support of "
    "the ministry, would help officials who have been working on external information and human "
    "rights to answer the questions that their readers were asking. Delegates from the districts "
    "and the communes took part in the discussions, and the organisers said that this was the "
    "second course of its kind this year."
)
_FRENCH = (
    "Le département provincial a indiqué que la formation, organisée avec le soutien du ministère, "
    "aidera les fonctionnaires qui travaillent sur l'information extérieure et les droits de "
    "l'homme à répondre aux questions des lecteurs. Des délégués des districts et des communes ont "
    "participé aux discussions, et les organisateurs ont précisé que c'était la deuxième session."
)


def test_plain_english_is_decided_without_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.language as language

    def no_langdetect() -> None:
        raise AssertionError("langdetect was consulted")

    monkeypatch.setattr(language, "_get_factory", no_langdetect)
    assert detect_language(_ENGLISH) == "en"


@pytest.mark.parametrize(
    "text",
    [
        _FRENCH,
        # English function words quoted inside French prose do not make it English.
        _FRENCH + " « The Voice of the People » and « From the Heart » were cited.",
        # Unaccented Vietnamese has "the" (thế) and "that" (thật), not the others.
        "Hoi nghi tap huan cong tac thong tin doi ngoai nam 2024 the gioi that su quan trong "
        "cho can bo cac so ban nganh tinh Hoa Binh va cac huyen thanh pho tham du hoi nghi "
        "do Ban Tuyen giao Tinh uy to chuc nham nang cao nhan thuc ve quyen con nguoi the nao",
    ],
)
def test_english_fast_path_leaves_other_latin_text_to_langdetect(text: str) -> None:
    from pipeline.language import _is_english

    assert not _is_english(text)
    assert detect_language(text) != "en"
