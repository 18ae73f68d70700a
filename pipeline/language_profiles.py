"""langdetect's language profiles, loaded in 20 ms instead of 200 from a compact cache file.

langdetect parses 55 JSON profiles into a map from 88,000 n-grams to a list of 55
probabilities (two of them non-zero on average) every time a process starts: a fifth of a
one-page ``newsmon analyze`` and of every extraction worker's start. The first load writes
the map, sparse, as one marshal file in the cache folder (``NEWSMON_CACHE_DIR``, else
``$XDG_CACHE_HOME/newsmon``, else ``~/.cache/newsmon``); later loads read it and expand an
n-gram's list the first time a detection asks for it. The probabilities are the same floats
and the language order the same list, so detections are identical. The file is named after
the profiles' sizes and times, so a new langdetect makes a new one; a folder that cannot be
written or a damaged file only costs the slow load.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from array import array
from pathlib import Path

from langdetect import detector_factory
from langdetect.detector_factory import DetectorFactory

logger = logging.getLogger(__name__)

__all__ = ["cache_dir", "load_factory"]

FORMAT = 1


def cache_dir() -> Path:
    """Where newsmon keeps files it can rebuild (NEWSMON_CACHE_DIR, XDG_CACHE_HOME, ~/.cache)."""
    if os.environ.get("NEWSMON_CACHE_DIR"):
        return Path(os.environ["NEWSMON_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsmon"


class _SparseProbMap(dict):  # type: ignore[type-arg]
    """n-gram -> per-language probabilities, each list expanded from its packed bytes on first use."""

    def __init__(self, packed: dict[str, bytes], languages: int) -> None:
        super().__init__(packed)
        self._languages = languages

    def __getitem__(self, word: str) -> list[float]:
        value = dict.__getitem__(self, word)
        if isinstance(value, bytes):
            value = _unpack(value, self._languages)
            dict.__setitem__(self, word, value)  # the same list each time, as langdetect's own map
        return value


def _pack(probabilities: list[float]) -> bytes:
    """The indexes of the non-zero probabilities (one byte each), then their float64 values."""
    indexes = [i for i, p in enumerate(probabilities) if p]
    return bytes(indexes) + array("d", [probabilities[i] for i in indexes]).tobytes()


def _unpack(packed: bytes, languages: int) -> list[float]:
    count = len(packed) // 9
    values = array("d")
    values.frombytes(packed[count:])
    probabilities = [0.0] * languages
    for index, value in zip(packed[:count], values, strict=True):
        probabilities[index] = value
    return probabilities


def _profiles_key(folder: str) -> str:
    digest = hashlib.sha256(f"{FORMAT}".encode())
    for name in sorted(os.listdir(folder)):
        stat = os.stat(os.path.join(folder, name))
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _read(path: Path) -> DetectorFactory | None:
    try:
        languages, packed = marshal.loads(path.read_bytes())
        if not isinstance(languages, list) or not isinstance(packed, dict) or len(languages) > 255:
            raise ValueError("not a profile cache")
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        logger.debug("language profile cache %s unusable (%s): loading the profiles", path, exc)
        return None
    factory = DetectorFactory()
    factory.langlist = languages
    factory.word_lang_prob_map = _SparseProbMap(packed, len(languages))
    return factory


def _write(path: Path, factory: DetectorFactory) -> None:
    packed = {word: _pack(p) for word, p in factory.word_lang_prob_map.items()}
    data = marshal.dumps((list(factory.langlist), packed))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: workers starting together never read half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        logger.debug("cannot write the language profile cache %s: %s", path, exc)


def load_factory(folder: str = detector_factory.PROFILES_DIRECTORY) -> DetectorFactory:
    """A DetectorFactory holding langdetect's profiles from ``folder`` (not seeded)."""
    path = cache_dir() / f"langdetect-{_profiles_key(folder)}.marshal"
    factory = _read(path)
    if factory is None:
        factory = DetectorFactory()
        factory.load_profile(folder)
        if len(factory.langlist) <= 255:
            _write(path, factory)
    return factory
