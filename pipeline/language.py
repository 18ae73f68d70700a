"""Language identification: the script decides the clear cases, langdetect the rest.

Scripts of their own (Hangul, kana, Han, Thai, Lao, Khmer) and Vietnamese's own letters (ơ ư đ
ă and the stacked tone marks) name the language at once; langdetect has no Lao or Khmer
profile at all. Other text (Latin without Vietnamese letters, Cyrillic) goes to langdetect,
made deterministic: it samples n-grams at random, so unseeded the same text can get different
answers on two runs. A factory is loaded once with a fixed seed and every call gets its own
Detector from it (each Detector reseeds its generator per detection, so calls do not
influence each other).
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
MIN_LETTERS = 20  # langdetect guesses below this
MIN_SCRIPT_LETTERS = 8  # a script of its own says enough sooner (a CJK title is 10 characters)
SAMPLE_CHARS = 2000
# langdetect's codes that are not plain ISO 639-1.
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh"}

# Letters only Vietnamese writes (lower case; text is lower-cased first): ơ ư đ ă and the
# vowels with a tone mark stacked on or under them.
_VI_LETTERS = frozenset("ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
VI_SHARE = 0.03  # Vietnamese text has one such letter in 4-8; a French "ê"/"à" is not one
SCRIPT_SHARE = 0.3


def _script_language(sample: str) -> str | None:
    """The language its script names, or None when the script leaves it open."""
    letters = vi = hangul = kana = han = thai = lao = khmer = 0
    for ch in sample.lower():
        if not ch.isalpha():
            continue
        letters += 1
        o = ord(ch)
        if ch in _VI_LETTERS:
            vi += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            hangul += 1
        elif 0x3040 <= o <= 0x30FF:
            kana += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            han += 1
        elif 0x0E00 <= o <= 0x0E7F:
            thai += 1
        elif 0x0E80 <= o <= 0x0EFF:
            lao += 1
        elif 0x1780 <= o <= 0x17FF:
            khmer += 1
    if not letters:
        return None
    for code, n in (("ko", hangul), ("th", thai), ("lo", lao), ("km", khmer)):
        if n / letters >= SCRIPT_SHARE:
            return code
    if kana and (kana + han) / letters >= SCRIPT_SHARE:
        return "ja"  # Japanese mixes kana with Han; Chinese has none
    if han / letters >= SCRIPT_SHARE:
        return "zh"
    if vi / letters >= VI_SHARE:
        return "vi"
    return None


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
    letters = sum(ch.isalpha() for ch in sample)
    if letters < MIN_SCRIPT_LETTERS:
        return None
    by_script = _script_language(sample)
    if by_script is not None:
        return by_script
    if letters < MIN_LETTERS:
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
