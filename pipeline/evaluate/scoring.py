"""Accuracy scores against labelled sets, for the scoring command.

Kept apart from the components they score so that scoring code never runs in the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import combinations
from typing import TypeVar

logger = logging.getLogger(__name__)

K = TypeVar("K", int, str)

__all__ = ["group_pairs", "pairwise_scores"]


def _pair(a: K, b: K) -> tuple[K, K]:
    return (a, b) if a <= b else (b, a)


def group_pairs(groups: Iterable[Iterable[K]]) -> set[tuple[K, K]]:
    """Every unordered pair inside each group (a group is one story: its original and copies)."""
    return {_pair(a, b) for group in groups for a, b in combinations(sorted(set(group)), 2)}


def pairwise_scores(
    predicted_pairs: Iterable[tuple[K, K]], gold_pairs: Iterable[tuple[K, K]]
) -> tuple[float, float]:
    """(precision, recall) of predicted duplicate pairs against gold pairs, order-insensitive.

    Pairs rather than groups, so that one wrong merge of two big groups costs what it should.
    An empty prediction has precision 1.0 (nothing wrong was claimed); an empty gold set has
    recall 1.0 (nothing was missed).
    """
    predicted = {_pair(a, b) for a, b in predicted_pairs if a != b}
    gold = {_pair(a, b) for a, b in gold_pairs if a != b}
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(gold) if gold else 1.0
    return precision, recall
