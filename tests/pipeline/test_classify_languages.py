"""Training reports in every language the rules know, and the URL's words as a zone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.classify.classifier import RULES_FILE, RulesError, classify, load_rules, url_words

REPORTS = [
    ("fr", "Conférence de formation sur les droits de l'homme à Nghe An",
     "Le 17 octobre, le Comité populaire a organisé une conférence de formation sur les droits de l'homme."),
    ("de", "Schulungskonferenz zur Menschenrechtsarbeit in Nghe An",
     "Am 17. Oktober organisierte das Komitee eine Fortbildungskonferenz zur Menschenrechtsarbeit."),
    ("pt", "Curso de capacitação sobre informação externa",
     "No dia 12 de setembro foi realizado um curso de capacitação sobre informação externa para funcionários."),
    ("es", "Curso de capacitación sobre derechos humanos",
     "El 5 de marzo se celebró un curso de capacitación sobre derechos humanos para funcionarios."),
    ("ru", "Учебная конференция по правам человека",
     "17 октября прошла учебная конференция по правам человека для сотрудников."),
    ("id", "Konferensi pelatihan hak asasi manusia",
     "Pada 25 Desember diselenggarakan konferensi pelatihan tentang hak asasi manusia."),
    ("ja", "人権研修会議を開催", "10月17日、省人権指導委員会は人権活動に関する研修会議を開催した。"),
    ("zh", "人权工作培训会", "8月16日，政府人权指导委员会在坚江省联合举办了全国人权工作培训会。"),
    ("ko", "대외정보 교육 컨퍼런스", "8월 7일 호아빈에서 대외정보와 인권에 대한 교육 컨퍼런스를 개최했습니다."),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "title", "body"), REPORTS, ids=[r[0] for r in REPORTS])
def test_trainings_in_other_languages(lang: str, title: str, body: str) -> None:
    result = classify(title, None, body, lang)
    assert result.type == "training_conference", result.evidence[:5]
    assert {"external_information", "human_rights"} & set(result.topics)


@pytest.mark.parametrize(
    ("lang", "title", "body"),
    [
        ("fr", "Dialogue annuel sur les droits de l'homme", "Le dialogue entre l'UE et le Vietnam sur les droits de l'homme a eu lieu à Bruxelles."),
        ("de", "Seminar über Menschenrechte", "Am Donnerstag hat das Seminar über Menschenrechte in Hanoi stattgefunden."),
        ("ja", "定例記者会見", "外務省は定例記者会見を開催し、人権について質問に答えた。"),
    ],
)  # fmt: skip
def test_other_events_in_other_languages(lang: str, title: str, body: str) -> None:
    assert classify(title, None, body, lang).type != "training_conference"


def test_url_words_count_where_the_text_says_little() -> None:
    url = "https://thongtin.vietnam.vn/fr/lao-cai-300-dai-bieu-duoc-tap-huan-ve-cong-tac-nhan-quyen-nam-2024"
    body = "La vice-présidente du Comité populaire provincial a présidé la conférence. Ont assisté à la conférence des délégués."
    assert classify(None, None, body, "fr").type != "training_conference"
    result = classify(None, None, body, "fr", url=url)
    assert result.type == "training_conference"
    assert any(e.where == "url" for e in result.evidence)


def test_url_words() -> None:
    assert url_words("https://en.vietnamplus.vn/training-on-human-rights-held-post265478.vnp") == (
        "training on human rights held"
    )
    assert url_words("https://x.gov.vn/NewsDetail.aspx?Id=10832") == ""
    assert "300" in url_words("https://vietnam.vn/ja/lao-cai-300-dai-bieu-duoc-tap-huan")


def test_a_language_file_must_name_its_language(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_FILE, rules)
    (rules / "it.yaml").write_text("language: fr\n", encoding="utf-8")
    with pytest.raises(RulesError, match="'language' must be 'it'"):
        load_rules(rules)


def test_a_language_file_uses_known_topics_only(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_FILE, rules)
    (rules / "it.yaml").write_text(
        "language: it\nreport_sentence: {verbs: [organizzato], nouns: [corso]}\ntopics:\n  cooking: {cucina: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match="unknown topic 'cooking'"):
        load_rules(rules)


def test_an_analyst_can_add_a_language(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_FILE, rules)
    (rules / "it.yaml").write_text(
        "language: it\nspaceless: false\nreport_sentence: {verbs: [organizzato], nouns: [corso]}\n"
        'types:\n  training_conference: {"corso di formazione": 6}\n'
        'topics:\n  human_rights: {"diritti umani": 3}\n',
        encoding="utf-8",
    )
    result = classify("Corso di formazione sui diritti umani", None, "Il corso è stato organizzato a Hanoi.", "it",
                      rules=load_rules(rules))  # fmt: skip
    assert result.type == "training_conference"


def test_rules_of_a_language_are_compiled_when_its_first_page_comes(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_FILE, folder)
    rules = load_rules(folder)
    assert rules.layers._values == {}  # type: ignore[attr-defined]
    classify("Training on external information", "", "Officials attended.", language="en", rules=rules)
    assert "en" in rules.layers._values  # type: ignore[attr-defined]
    assert "fr" not in rules.layers._values and None not in rules.layers._values  # type: ignore[attr-defined]
    assert set(rules.layers) == {*rules.languages, None}
