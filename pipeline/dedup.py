"""Exact and near-duplicate articles: one story, one original, every copy pointing at it.

The same press release is republished by several outlets with a different prefix
("NDO -", "(BHG) -"), a "Theo Nhân Dân" credit, without photo captions or minus a
paragraph. Those copies get ``duplicate_of`` = the earliest-published article of the
group (the *root*); copies always point straight at the root, never at another copy.

Detection, cheapest first:

1. Exact: same ``content_hash`` (the hash of the normalised text).
2. Near: MinHash over word shingles, candidates found through LSH band hashes stored in
   ``article_bands`` (primary key ``(band, hash, article_id)``), so a lookup is one index
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
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.minhash import minhash_values
from pipeline.text import fold, normalize
from storage.models import Article, ArticleBand

logger = logging.getLogger(__name__)

__all__ = [
    "BANDS",
    "MIN_CONTAINMENT",
    "MIN_JACCARD",
    "NUM_PERM",
    "ROWS",
    "SHINGLE_SIZE",
    "DuplicateMatch",
    "assign_duplicate",
    "band_candidates",
    "band_hashes",
    "estimated_jaccard",
    "is_duplicate",
    "save_bands",
    "shingles",
    "signature",
    "signature_bytes",
    "similar_articles",
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
MAX_CANDIDATES = 50  # verified per lookup, best first (most shared bands)
_HASH_CANDIDATES = 20

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
    across processes and identical to datasketch's ``affine32`` scheme (``pipeline/minhash.py``).
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


# --- band storage ------------------------------------------------------------


def _insert_ignore(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(ArticleBand.__table__).on_conflict_do_nothing()


def save_bands(session: Session, article_id: int, bands: Sequence[tuple[int, int]]) -> None:
    """Make the article's band rows exactly ``bands``; a no-op when they already are."""
    rows = session.execute(
        select(ArticleBand.band, ArticleBand.hash).where(ArticleBand.article_id == article_id)
    ).all()
    existing = {(band, hash_) for band, hash_ in rows}
    wanted = set(bands)
    if existing == wanted:
        return
    if existing:
        session.execute(delete(ArticleBand).where(ArticleBand.article_id == article_id))
    if wanted:
        session.execute(
            _insert_ignore(session),
            [{"band": b, "hash": h, "article_id": article_id} for b, h in sorted(wanted)],
        )


@lru_cache(maxsize=8)
def _candidates_stmt(n_bands: int) -> Select[tuple[int, int]]:
    """The probe for ``n_bands`` bands, built once: building the OR expression costs ~100x the query."""
    shared = func.count().label("shared")
    terms = (
        and_(ArticleBand.band == bindparam(f"b{i}"), ArticleBand.hash == bindparam(f"h{i}"))
        for i in range(n_bands)
    )
    return (
        select(ArticleBand.article_id, shared)
        .where(or_(*terms))
        .group_by(ArticleBand.article_id)
        .order_by(shared.desc(), ArticleBand.article_id)
        .limit(bindparam("limit"))
    )


def band_candidates(
    session: Session,
    bands: Sequence[tuple[int, int]],
    exclude_id: int | None = None,
    limit: int = MAX_CANDIDATES,
) -> list[tuple[int, int]]:
    """Articles sharing at least one band: (article id, shared bands), most shared first.

    One index probe per band on the (band, hash) primary key, written as an OR of equalities
    because SQLite plans a row-value ``IN`` as a table scan.
    """
    if not bands:
        return []
    params: dict[str, int] = {"limit": limit + 1}
    for i, (band, hash_) in enumerate(bands):
        params[f"b{i}"], params[f"h{i}"] = band, hash_
    rows = session.execute(_candidates_stmt(len(bands)), params).all()
    return [(aid, n) for aid, n in rows if aid != exclude_id][:limit]


# --- groups ----------------------------------------------------------------


def _order_key(published_at: datetime | None, article_id: int) -> tuple[bool, datetime, int]:
    return (published_at is None, published_at or _NO_DATE, article_id)


def _root_of(session: Session, article_id: int) -> int:
    """The group root of an article; follows a chain left by a concurrent writer, if any."""
    seen = {article_id}
    while True:
        parent = session.scalar(select(Article.duplicate_of).where(Article.id == article_id))
        if parent is None or parent in seen:
            return article_id
        seen.add(parent)
        article_id = parent


def _verified_matches(
    session: Session, article: Article, own: set[str], bands: list[tuple[int, int]]
) -> list[tuple[int, float, float, str]]:
    """(candidate id, jaccard, containment, method) for every verified duplicate candidate."""
    matches: dict[int, tuple[int, float, float, str]] = {}
    if len(own) < MIN_SHINGLES:
        return []
    same_hash = session.scalars(
        select(Article.id)
        .where(Article.content_hash == article.content_hash, Article.id != article.id)
        .order_by(Article.id)
        .limit(_HASH_CANDIDATES)
    ).all()
    for cid in same_hash:
        matches[cid] = (cid, 1.0, 1.0, "hash")
    candidates = [cid for cid, _n in band_candidates(session, bands, exclude_id=article.id)]
    to_check = [cid for cid in candidates if cid not in matches]
    if to_check:
        rows = session.execute(select(Article.id, Article.text).where(Article.id.in_(to_check))).all()
        for cid, text in rows:
            jac, con = similarity(own, shingles(text or ""))
            if is_duplicate(jac, con):
                matches[cid] = (cid, jac, con, "minhash")
            else:
                logger.debug(
                    "article %s vs %s rejected: jaccard %.2f containment %.2f", article.id, cid, jac, con
                )
    return list(matches.values())


def assign_duplicate(session: Session, article_id: int) -> DuplicateMatch | None:
    """Store the article's signature and bands, and place it in its duplicate group.

    Call it once per stored article inside the caller's transaction (the caller commits);
    running it again on the same article changes nothing. Returns the match when the
    article is a copy, ``None`` when it is an original: alone, or the root of a group (also
    when it has just become the root because it was published before the others).
    """
    article = session.get(Article, article_id)
    if article is None:
        raise LookupError(f"no article {article_id}")
    own = shingles(article.text or "")
    sig = signature(own)
    packed = signature_bytes(sig)
    if article.minhash != packed:
        article.minhash = packed
    bands = band_hashes(sig) if len(own) >= MIN_SHINGLES else []
    save_bands(session, article_id, bands)

    matches = _verified_matches(session, article, own, bands)
    if not matches:
        if article.duplicate_of is not None:
            logger.info("article %s no longer matches %s: now an original", article_id, article.duplicate_of)
            article.duplicate_of = None
        return None
    matched_id, jac, con, method = max(matches, key=lambda m: (m[3] == "hash", m[1], m[2], -m[0]))
    root_id = _root_of(session, matched_id)
    if root_id == article_id:  # the best match is one of this article's own copies
        if article.duplicate_of is not None:
            article.duplicate_of = None
        return None
    root = session.get(Article, root_id)
    assert root is not None
    if _order_key(article.published_at, article.id) < _order_key(root.published_at, root.id):
        # Published before the group's original: it becomes the root of the whole group.
        session.execute(
            update(Article)
            .where(Article.duplicate_of == root_id, Article.id != article_id)
            .values(duplicate_of=article_id)
            .execution_options(synchronize_session="fetch")
        )
        root.duplicate_of = article_id
        article.duplicate_of = None
        logger.info("article %s re-roots the duplicate group of %s (published earlier)", article_id, root_id)
        return None
    # A copy: it (and any copies that pointed at it) point straight at the root.
    session.execute(
        update(Article)
        .where(Article.duplicate_of == article_id)
        .values(duplicate_of=root_id)
        .execution_options(synchronize_session="fetch")
    )
    if article.duplicate_of != root_id:
        article.duplicate_of = root_id
    logger.debug("article %s is a %s copy of %s (jaccard %.2f)", article_id, method, root_id, jac)
    return DuplicateMatch(root_id, matched_id, jac, con, method)


def similar_articles(session: Session, article_id: int, limit: int = 10) -> list[tuple[int, float]]:
    """Articles whose text resembles this one: (id, estimated Jaccard), most similar first.

    For the UI ("other versions of this story"): band candidates ranked by the stored
    signatures, no text loaded. Articles never run through :func:`assign_duplicate` have no
    signature and are not found.
    """
    packed = session.scalar(select(Article.minhash).where(Article.id == article_id))
    if not packed:
        return []
    candidates = band_candidates(
        session, band_hashes(packed), exclude_id=article_id, limit=max(limit * 5, 50)
    )
    if not candidates:
        return []
    rows = session.execute(
        select(Article.id, Article.minhash).where(Article.id.in_([cid for cid, _ in candidates]))
    ).all()
    scored = [
        (cid, estimated_jaccard(packed, other)) for cid, other in rows if other and len(other) == len(packed)
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]
