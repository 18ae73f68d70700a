"""Visitor counters: the "Đang online: 12 / Hôm nay: 1.937 / Đã truy cập: 5.689.426" widgets.

Old portals print them in a side column, a table, a list of spans, a footer or right under the
article, with or without a telling class. What they share is their wording: a counter block
holds a counter word (``marker``) and nothing but counter vocabulary and numbers. Finding the
block in the tree takes it out whole, whatever its markup; the line rules in
``noise_rules.yaml`` catch the same text when only the text is left.
"""

from __future__ import annotations

import functools
import re
from re import Pattern

from lxml.html import HtmlElement

__all__ = ["find_counter_blocks", "is_counter_text"]

_WORDS_RE = re.compile(r"[^\W\d_]+")
# A counter block is small; the climb from the counter's label stops at this many characters.
MAX_COUNTER_CHARS = 600
_MAX_CLIMB = 6
# A counter's label ("Đang online:", "Lượt truy cập") is short; longer text is never a start.
MAX_LABEL_CHARS = 120
# How far around a counter word ``_hint`` looks: the number and the "guests" word it may need.
_HINT_BEFORE = 120
_HINT_AFTER = 80


@functools.cache
def _hint(marker: Pattern[str]) -> Pattern[str]:
    """A counter word with a number near it, in either order ("Đang online: 12", "Hiện có 12
    khách ... online"): most pages that say "online" or "visits" have no counter, and walking
    their tree is the costly part."""
    words = marker.pattern
    return re.compile(
        rf"(?:{words})[^\d]{{0,60}}\d|\d[\d.,]*\s*(?:khách|guests?|visitors?|người|users?)[^\d]{{0,40}}(?:{words})",
        marker.flags,
    )


@functools.cache
def _literals(marker: Pattern[str]) -> tuple[str, ...]:
    """A fixed piece of each alternative of ``marker`` ("visitors?" -> "visitor", "page ?views"
    -> "views"): every match contains it, and a substring search is many times faster than
    running the pattern over a whole page."""
    pieces = []
    for alternative in marker.pattern.split("|"):
        parts = re.split(r".\?|[()\[\]\\.*+{}^$]", alternative)
        pieces.append(max(parts, key=len).lower())
    return tuple(p for p in pieces if p)


def _has_hint(marker: Pattern[str], text: str) -> bool:
    """``_hint`` somewhere in ``text``, tried only in windows around the marker's fixed pieces."""
    low = text.lower()
    hint = _hint(marker)
    for piece in _literals(marker):
        start = low.find(piece)
        while start != -1:
            if hint.search(low, max(0, start - _HINT_BEFORE), start + len(piece) + _HINT_AFTER):
                return True
            start = low.find(piece, start + 1)
    return False


def is_counter_text(text: str, words: frozenset[str]) -> bool:
    """Only counter vocabulary (and numbers, punctuation) in ``text``."""
    found = _WORDS_RE.findall(text.lower())
    return bool(found) and all(w in words for w in found)


def find_counter_blocks(
    scope: HtmlElement, marker: Pattern[str], words: frozenset[str], page_text: str | None = None
) -> list[HtmlElement]:
    """The outermost elements of ``scope`` that are visitor counters (document order).

    ``page_text`` (the scope's text, when the caller has it) lets a page without any counter
    word skip the walk.
    """
    if page_text is not None and not _has_hint(marker, page_text):
        return []

    def label(text: str | None) -> bool:  # a counter's label is short and all counter words
        return (
            text is not None
            and len(text) <= MAX_LABEL_CHARS
            and marker.search(text) is not None
            and is_counter_text(text, words)
        )

    starts: list[HtmlElement] = []
    for el in scope.iter():
        if not isinstance(el.tag, str):
            continue
        if label(el.text):
            starts.append(el)
        if label(el.tail) and el.getparent() is not None:
            starts.append(el.getparent())
    blocks: list[HtmlElement] = []
    seen: set[int] = set()
    for start in starts:
        best: HtmlElement | None = None
        node: HtmlElement | None = start
        for _ in range(_MAX_CLIMB):
            if node is None or node is scope:
                break
            text = " ".join(node.itertext())
            if len(text) > MAX_COUNTER_CHARS or not is_counter_text(text, words):
                break
            best = node
            node = node.getparent()
        if best is not None and id(best) not in seen:
            seen.add(id(best))
            blocks.append(best)
    return blocks
