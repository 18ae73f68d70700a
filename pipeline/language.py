"""Language identification with langdetect, made deterministic.

langdetect samples n-grams at random; unseeded, the same text can get different answers on two
runs. A factory is loaded once with a fixed seed and every call gets its own Detector from it
(each Detector reseeds its generator per detection, so calls do not influence each other).
"""

from __future__ import annotations

import logging
import threading

from langdetect import detector_factory
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from pipeline.text import nfc

logger = logging.getLogger(__name__)

__all__ = ["detect_language"]

SEED = 0
MIN_LETTERS = 20
SAMPLE_CHARS = 2000
# langdetect's codes that are not plain ISO 639-1.
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh"}

_factory: DetectorFactory | None = None
_lock = threading.Lock()


def _get_factory() -> DetectorFactory:
    """Load the language profiles once (about half a second), thread-safely."""
    global _factory
    if _factory is None:
        with _lock:
            if _factory is None:
                factory = DetectorFactory()
                factory.load_profile(detector_factory.PROFILES_DIRECTORY)
                factory.set_seed(SEED)
                _factory = factory
    return _factory


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the text's language (``vi``, ``en``, ``zh``...), None when unsure or too short."""
    if not text:
        return None
    sample = nfc(text[:SAMPLE_CHARS])
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    detector = _get_factory().create()
    detector.append(sample)
    try:
        code = detector.detect()
    except LangDetectException as err:
        logger.debug("langdetect gave no answer: %s", err)
        return None
    if not code or code == "unknown":
        return None
    return _CODE_MAP.get(code, code)
