"""Near-duplicate groups in the database: band rows, candidate lookups, one root per story.

The signatures, shingles and the verification rule are pure (``pipeline.dedup.nearcopy``,
whose docstring gives the choices); this module stores the LSH bands in ``article_bands``,
finds candidates with one index probe per band, verifies them against the stored texts and
keeps every copy pointing straight at its group's root.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.dedup.nearcopy import (
    MIN_SHINGLES,
    DuplicateMatch,
    band_hashes,
    estimated_jaccard,
    is_duplicate,
    order_key,
    shingles,
    signature,
    signature_bytes,
    similarity,
)
from storage.models import Article, ArticleBand

logger = logging.getLogger(__name__)

__all__ = ["MAX_CANDIDATES", "assign_duplicate", "band_candidates", "save_bands", "similar_articles"]

MAX_CANDIDATES = 50  # looked at per lookup, best first (most shared bands)
# Of those, only the few whose stored signatures agree enough are verified on their text (the
# costly step: the candidate's text is shingled again). A copy has Jaccard >= MIN_JACCARD (0.5);
# 128 MinHash values estimate 0.5 with a standard deviation of 0.044, so a cut at 0.3 (4.5
# deviations below) loses no copy, while the template-sharing pages of a government site (a
# pool of stock sentences: estimates of 0.1-0.2) are rejected without reading their text.
# Without it a lookup cost grew with the number of such pages stored (issue 17's storm case).
PREFILTER_JACCARD = 0.3
MAX_VERIFIED = 5
_HASH_CANDIDATES = 20


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


def _root_of(session: Session, article_id: int) -> int:
    """The group root of an article; follows a chain left by a concurrent writer, if any."""
    seen = {article_id}
    while True:
        parent = session.scalar(select(Article.duplicate_of).where(Article.id == article_id))
        if parent is None or parent in seen:
            return article_id
        seen.add(parent)
        article_id = parent


def _best_candidates(session: Session, article: Article, candidates: list[int]) -> list[int]:
    """The candidates worth verifying: their signatures' estimate of the Jaccard with this
    article is at least PREFILTER_JACCARD, best first, at most MAX_VERIFIED. A candidate that
    has no signature (stored before signatures were) is always verified."""
    if not candidates or not article.minhash:
        return candidates[:MAX_VERIFIED]
    rows = session.execute(select(Article.id, Article.minhash).where(Article.id.in_(candidates))).all()
    scored = []
    for cid, minhash in rows:
        comparable = minhash and len(minhash) == len(article.minhash)
        estimate = estimated_jaccard(article.minhash, minhash) if comparable else 1.0
        if estimate >= PREFILTER_JACCARD:
            scored.append((-estimate, cid))
    return [cid for _neg, cid in sorted(scored)[:MAX_VERIFIED]]


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
    to_check = _best_candidates(session, article, [cid for cid in candidates if cid not in matches])
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


def assign_duplicate(
    session: Session, article_id: int, own: set[str] | None = None, sig: np.ndarray | None = None
) -> DuplicateMatch | None:
    """Store the article's signature and bands, and place it in its duplicate group.

    Call it once per stored article inside the caller's transaction (the caller commits);
    running it again on the same article changes nothing. Returns the match when the
    article is a copy, ``None`` when it is an original: alone, or the root of a group (also
    when it has just become the root because it was published before the others).
    ``own`` and ``sig``: the text's shingles and signature, when a worker made them already.
    """
    article = session.get(Article, article_id)
    if article is None:
        raise LookupError(f"no article {article_id}")
    if own is None or sig is None:
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
    if order_key(article.published_at, article.id) < order_key(root.published_at, root.id):
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
