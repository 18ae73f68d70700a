"""The cached langdetect profiles: the same map as langdetect's own load, and robust to a bad cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from langdetect import detector_factory
from langdetect.detector_factory import DetectorFactory

from pipeline import language_profiles
from pipeline.language_profiles import load_factory

TEXTS = [
    "The provincial department held a training conference on external information for officials.",
    "Le comité provincial a organisé une conférence de formation sur l'information extérieure.",
    "Die Provinz veranstaltete eine Schulung über Menschenrechte für Beamte der Verwaltung.",
    "O departamento provincial realizou uma conferência de formação sobre direitos humanos.",
    "Провинциальный департамент провёл учебную конференцию по внешней информации.",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def reference() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    return factory


def _detect(factory: DetectorFactory, text: str) -> str:
    factory.set_seed(0)
    detector = factory.create()
    detector.append(text)
    return str(detector.get_probabilities())


def test_cached_map_equals_langdetects_own(cache: Path, reference: DetectorFactory) -> None:
    load_factory()  # writes the cache
    assert len(list(cache.glob("langdetect-*.marshal"))) == 1
    cached = load_factory()
    assert cached.langlist == reference.langlist
    assert set(cached.word_lang_prob_map) == set(reference.word_lang_prob_map)
    for word, probabilities in reference.word_lang_prob_map.items():
        assert cached.word_lang_prob_map[word] == probabilities, word
    for text in TEXTS:
        assert _detect(load_factory(), text) == _detect(reference, text)


def test_second_load_reads_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_factory()

    def no_profiles(self: DetectorFactory, folder: str) -> None:
        raise AssertionError("parsed the JSON profiles although the cache was there")

    monkeypatch.setattr(DetectorFactory, "load_profile", no_profiles)
    assert len(load_factory().langlist) > 50


def test_damaged_cache_is_rebuilt(cache: Path, reference: DetectorFactory) -> None:
    load_factory()
    (path,) = cache.glob("langdetect-*.marshal")
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk
    factory = load_factory()
    assert factory.langlist == reference.langlist
    assert _detect(factory, TEXTS[0]) == _detect(reference, TEXTS[0])
    assert language_profiles._read(path) is not None  # rewritten whole


def test_unwritable_cache_folder_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(blocker / "newsmon"))
    factory = load_factory()
    assert len(factory.langlist) > 50
    assert list(tmp_path.iterdir()) == [blocker]


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSMON_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert language_profiles.cache_dir() == tmp_path / "newsmon"
