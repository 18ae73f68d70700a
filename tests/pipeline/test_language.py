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


_PROSE = {
    "en": (
        "The provincial department said that the training course, which was held with the support of "
        "the ministry, would help officials who have been working on external information and human "
        "rights to answer the questions that their readers were asking. Delegates from the districts "
        "and the communes took part in the discussions, and the organisers said that this was the "
        "second course of its kind this year."
    ),
    "de": (
        "Die Provinzbehörde teilte mit, dass der Lehrgang, der mit Unterstützung des Ministeriums "
        "stattfand, den Beamten helfen soll, die sich mit Auslandsinformation und Menschenrechten "
        "befassen. Delegierte aus den Bezirken und Gemeinden nahmen an den Gesprächen teil, und die "
        "Veranstalter sagten, es sei der zweite Kurs dieser Art in diesem Jahr, der auch für die "
        "Presse offen ist und von vielen besucht wird."
    ),
    "fr": (
        "Le département provincial a indiqué que la formation, organisée avec le soutien du ministère, "
        "aidera les fonctionnaires qui travaillent sur l'information extérieure et les droits de "
        "l'homme à répondre aux questions des lecteurs. Des délégués des districts et des communes ont "
        "participé aux discussions, et les organisateurs ont précisé que c'était la deuxième session "
        "de ce type cette année dans la province, avec des experts venus pour deux jours."
    ),
}
# Neighbours that must be left to langdetect (each with some of the three's function words).
_NEIGHBOURS = {
    "nl": (
        "Het provinciale departement zei dat de cursus, die met steun van het ministerie werd "
        "gehouden, de ambtenaren moet helpen die met buitenlandse informatie en mensenrechten werken. "
        "Afgevaardigden uit de districten en de gemeenten namen deel aan de gesprekken, en de "
        "organisatoren zeiden dat het de tweede cursus van dit soort was in dit jaar voor de pers."
    ),
    "da": (
        "Den provinsielle afdeling sagde, at kurset, som blev holdt med støtte fra ministeriet, skal "
        "hjælpe de embedsmænd, der arbejder med udenrigsinformation og menneskerettigheder. Delegerede "
        "fra distrikterne og kommunerne deltog i drøftelserne, og arrangørerne sagde, at det var det "
        "andet kursus af sin art i år, og at der kom mange, som ville høre mit og dem foredrag."
    ),
    "es": (
        "El departamento provincial dijo que el curso, que se celebró con el apoyo del ministerio, "
        "ayudará a los funcionarios que trabajan en la información exterior y los derechos humanos. "
        "Los delegados de los distritos y de las comunas participaron en los debates, y los "
        "organizadores dijeron que era el segundo curso de este tipo en el año para la prensa local."
    ),
    "it": (
        "Il dipartimento provinciale ha detto che il corso, che si è svolto con il sostegno del "
        "ministero, aiuterà i funzionari che lavorano sull'informazione estera e sui diritti umani. "
        "I delegati dei distretti e dei comuni hanno partecipato alle discussioni, e gli organizzatori "
        "hanno detto che era il secondo corso di questo tipo nell'anno per la stampa e per il pubblico."
    ),
    "pt": (
        "O departamento provincial disse que o curso, que foi realizado com o apoio do ministério, vai "
        "ajudar os funcionários que trabalham com a informação externa e os direitos humanos. Os "
        "delegados dos distritos e das comunas participaram nas discussões, e os organizadores disseram "
        "que era o segundo curso deste tipo no ano para a imprensa e para o público em geral."
    ),
}


@pytest.mark.parametrize("code", sorted(_PROSE))
def test_plain_prose_is_decided_by_function_words_without_langdetect(
    code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.language as language

    def no_langdetect() -> None:
        raise AssertionError("langdetect was consulted")

    monkeypatch.setattr(language, "_get_factory", no_langdetect)
    assert detect_language(_PROSE[code]) == code


@pytest.mark.parametrize(
    "text",
    [
        *_NEIGHBOURS.values(),
        # Unaccented Vietnamese has "the" (thế) and "that" (thật), not the others.
        "Hoi nghi tap huan cong tac thong tin doi ngoai nam 2024 the gioi that su quan trong "
        "cho can bo cac so ban nganh tinh Hoa Binh va cac huyen thanh pho tham du hoi nghi "
        "do Ban Tuyen giao Tinh uy to chuc nham nang cao nhan thuc ve quyen con nguoi the nao",
    ],
    ids=[*_NEIGHBOURS, "vi-unaccented"],
)
def test_function_words_leave_neighbouring_languages_to_langdetect(text: str) -> None:
    from pipeline.language import _by_function_words

    assert _by_function_words(text) is None


@pytest.mark.parametrize("code", sorted(_NEIGHBOURS))
def test_neighbouring_languages_still_get_their_own_code(code: str) -> None:
    assert detect_language(_NEIGHBOURS[code]) == code


def test_english_quoted_in_french_is_french() -> None:
    text = _PROSE["fr"] + " « The Voice of the People » and « From the Heart » were cited."
    assert detect_language(text) == "fr"
