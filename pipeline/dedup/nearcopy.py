"""Exact and near-duplicate articles: one story, one original, every copy pointing at it.

The same press release is republished by several outlets with a different prefix
("NDO -", "(BHG) -"), a "Theo Nhân Dân" credit, without photo captions or minus a
paragraph. Those copies get ``duplicate_of`` = the earliest-published article of the
group (the *root*); copies always point straight at the root, never at another copy.

Detection, cheapest first:

1. Exact: same ``content_hash`` (the hash of the normalised text).
2. Near: MinHash over word shingles, candidates found through LSH band hashes stored in
   ``article_bands`` (primary key ``(band, hash, article_id)``; the lookup is
   ``newsmon.services.dedup``), so a lookup is one index
   probe per band whatever the size of the corpus; every candidate is then verified with the
   *exact* shingle sets computed from the stored texts.

Choices (measured on the seeds and the labelled cases; see tests/pipeline/test_dedup.py):

- Shingles: 5 consecutive words of ``fold(normalize(text))``. ``normalize`` unifies NFC/NFD
  and the two tone-mark styles, ``fold`` drops the diacritics, so spelling variants of the
  same text give the same shingles. Vietnamese is written syllable by syllable; 5 syllables
  (2-3 words) keep stock phrases such as "thông tin đối ngoại về quyền con người" from
  making unrelated reports look alike, while a copy still scores high: seed 001 as
  collected (prefix, player and captions left in) against a republished copy without them
  and minus a paragraph gives Jaccard 0.77, containment 0.96.
- ``NUM_PERM = 128`` permutations, ``BANDS x ROWS = 32 x 4``. The LSH S-curve
  ``1 - (1 - J**4)**32`` makes a pair a candidate with probability 0.23 at J=0.3, 0.87 at
  J=0.5, 0.99 at J=0.6 and >0.9998 at J>=0.7: it is tuned for *recall* at the lowest
  Jaccard the verification accepts (0.5), and leaves precision to the exact check.
- Verification: a duplicate needs ``containment >= 0.85`` (the share of the *smaller*
  text's shingles found in the other) **and** ``jaccard >= 0.5``. A copy adds almost nothing
  of its own (a prefix, a credit line), whatever it drops, so its containment stays near 1;
  two different articles each carry text of their own. Seeds 000 and 003 share a long
  passage (Jaccard 0.30, containment 0.50); two sibling reports of one conference series
  share their boilerplate paragraphs but each has its own place, date, people and local
  story (Jaccard 0.34, containment 0.52): neither is a duplicate. The Jaccard floor keeps
  a short excerpt quoted inside a long article from counting as a copy of it. On the
  labelled cases (tests/fixtures/labelled, 104 articles): the 8 labelled copies have
  containment 0.96-1.00 (Jaccard 0.74-1.00); the closest non-duplicates, sibling reports
  of one series, reach containment 0.74 at Jaccard 0.58. Containment separates the two
  with the wider gap, and unlike Jaccard it does not fall when a copy leaves out a long
  paragraph; 0.85 sits in the middle of the gap. Limit:
  siblings are told apart while each has more than ~15% text of its own; a template
  release in which only the names change reads as a copy, and it is the event clustering
  (province, date held) that keeps such reports apart.
- Texts with fewer than ``MIN_SHINGLES`` shingles (about 14 words) are left alone, even
  when their hashes are equal: two video pages whose whole text is "Xem video" are not one
  story, and so short a text cannot tell a copy from a template.

When several groups match, the article joins the group of its best match (content hash,
then highest Jaccard); other groups are not merged through a bridging article. If the
article was published before the group's root, it becomes the root and the whole group
(the old root included) is re-pointed at it; if it was itself a root, its copies follow it
into the group. Ties and unknown dates: a known date beats an unknown one, then the lower
id (stored first) wins. An article whose text changed so that it matches nothing any more
leaves its group. Two crawlers storing two versions of one story at the same instant can
each miss the other (neither is committed yet); ``newsmon reprocess`` settles it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from pipeline.dedup.minhash import minhash_values
from pipeline.text import fold, normalize

__all__ = [
    "BANDS",
    "MIN_CONTAINMENT",
    "MIN_JACCARD",
    "MIN_SHINGLES",
    "NUM_PERM",
    "ROWS",
    "SEED",
    "SHINGLE_SIZE",
    "DuplicateMatch",
    "band_hashes",
    "estimated_jaccard",
    "is_duplicate",
    "order_key",
    "shingles",
    "signature",
    "signature_bytes",
    "similarity",
]

SHINGLE_SIZE = 5
NUM_PERM = 128
BANDS = 32
ROWS = 4
SEED = 20231207  # fixed: stored signatures and bands must be comparable across runs
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.85
MIN_SHINGLES = 10

assert BANDS * ROWS <= NUM_PERM

_WORD_RE = re.compile(r"\w+")
_BAND_PERSON = b"newsmon-lsh-v1"
_SIG_DTYPE = np.dtype("<u4")
_NO_DATE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """Why an article is a copy: ``original_id`` is what its ``duplicate_of`` now holds (the
    group's root), ``matched_id`` the article whose text matched (the root or another copy),
    ``similarity`` the exact Jaccard of their shingles, ``containment`` the share of the
    smaller one's shingles found in the other (both 1.0 for a content-hash match).
    """

    original_id: int
    matched_id: int
    similarity: float
    containment: float
    method: str  # "hash" | "minhash"


# --- signatures ------------------------------------------------------------


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Word ``size``-grams of the normalised, accent-folded text (a short text gives one shingle)."""
    words = _WORD_RE.findall(fold(normalize(text)))
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text_or_shingles: str | Iterable[str]) -> np.ndarray:
    """The MinHash of a text (or of its shingles), ``NUM_PERM`` uint32 values; deterministic
    across processes and identical to datasketch's ``affine32`` scheme (``pipeline/dedup/minhash.py``).
    """
    items = shingles(text_or_shingles) if isinstance(text_or_shingles, str) else text_or_shingles
    return minhash_values((s.encode("utf-8") for s in items), NUM_PERM, SEED)


def signature_bytes(sig: np.ndarray) -> bytes:
    """The signature as stored in ``articles.minhash``: uint32 values, little-endian."""
    return np.asarray(sig).astype(_SIG_DTYPE).tobytes()


def _values(sig: bytes | np.ndarray) -> np.ndarray:
    if isinstance(sig, bytes | bytearray | memoryview):
        return np.frombuffer(sig, dtype=_SIG_DTYPE)
    return np.asarray(sig).astype(_SIG_DTYPE)


def band_hashes(sig: bytes | np.ndarray) -> list[tuple[int, int]]:
    """(band, hash) for each LSH band; hashes are signed 64-bit to fit INTEGER/BIGINT columns."""
    values = _values(sig)
    out = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=_BAND_PERSON).digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def estimated_jaccard(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """The Jaccard estimate of two signatures (share of equal values)."""
    va, vb = _values(a), _values(b)
    if va.shape != vb.shape:
        raise ValueError("signatures of different lengths")
    return float(np.count_nonzero(va == vb)) / len(va)


def similarity(a: set[str], b: set[str]) -> tuple[float, float]:
    """Exact (Jaccard, containment of the smaller set in the larger) of two shingle sets."""
    if not a or not b:
        return 0.0, 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def is_duplicate(jaccard: float, containment: float) -> bool:
    """The verification rule (module docstring): one text is the other give or take a little."""
    return containment >= MIN_CONTAINMENT and jaccard >= MIN_JACCARD


def order_key(published_at: datetime | None, article_id: int) -> tuple[bool, datetime, int]:
    """Which of two articles is the original: a known date beats an unknown one, then the
    earlier date, then the lower id (stored first)."""
    return (published_at is None, published_at or _NO_DATE, article_id)
