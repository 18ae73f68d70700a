"""A learned second stage for training detection: logistic regression on character n-grams.

The rules decide first and keep their evidence. The model reads the same report (title, lead,
the start of the body, the words of its URL, the language) as character 3- to 5-grams of the
folded text and gives the probability that it reports a held training on external information
or human rights. Only when it is sure does it change the rules' decision: a report the rules
left as something else, on a primary topic, becomes a training at ``high``; a training the
rules found becomes ``other`` below ``low``. The decision names the n-grams that weighed most.

The model file (``model.json``: the n-grams kept, their weights, the thresholds and how it was
measured) is built by ``newsmon eval --build-model`` from the study set's tuning part, and is
switched on only when it beats the rules alone on the held-back part. Everything here is pure
numpy; the file is small and readable.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.text import fold, normalize

__all__ = ["MODEL_FILE", "Model", "features", "load_model", "train"]

MODEL_FILE = Path(__file__).parent / "rules" / "model.json"
NGRAMS = (3, 5)
BODY_CHARS = 600
_SPACE_RE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    return _SPACE_RE.sub(" ", fold(normalize(text or ""))).strip()


def features(
    title: str | None, lead: str | None, text: str | None, url_words: str = "", language: str | None = None
) -> Counter[str]:
    """Character n-grams of title, lead and the start of the body (one bag), of the URL's words
    (their own bag, prefixed ``u:``), and the language (``lang:vi``)."""
    bag: Counter[str] = Counter()
    main = (
        " " + " ".join(filter(None, [_clean(title), _clean(lead), _clean((text or "")[:BODY_CHARS])])) + " "
    )
    low, high = NGRAMS
    for n in range(low, high + 1):
        for i in range(len(main) - n + 1):
            bag[main[i : i + n]] += 1
    url = " " + _clean(url_words) + " "
    if url.strip():
        for i in range(len(url) - 3):
            bag["u:" + url[i : i + 4]] += 1
    bag["lang:" + (language or "?").split("-")[0]] += 1
    return bag


def _norm(bag: Counter[str]) -> float:
    """The length of a bag's vector (every n-gram it has, kept or not): long texts weigh no more."""
    return math.sqrt(sum((1 + math.log(c)) ** 2 for c in bag.values())) or 1.0


@dataclass(frozen=True)
class Model:
    """Weights of the kept n-grams, a bias, and the thresholds of the second stage."""

    weights: dict[str, float]
    bias: float
    high: float = 0.85
    low: float = 0.1
    enabled: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    def probability(self, bag: Counter[str]) -> tuple[float, list[tuple[str, float]]]:
        """P(training report) and the n-grams that pushed it most (either way)."""
        norm = _norm(bag)
        contributions = [
            (g, self.weights[g] * (1 + math.log(c)) / norm) for g, c in bag.items() if g in self.weights
        ]
        z = self.bias + sum(v for _, v in contributions)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        contributions.sort(key=lambda gv: -abs(gv[1]))
        return p, contributions[:8]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "enabled": self.enabled,
            "high": self.high,
            "low": self.low,
            "bias": round(self.bias, 6),
            "info": self.info,
            "weights": {g: round(w, 5) for g, w in sorted(self.weights.items(), key=lambda gw: -abs(gw[1]))},
        }

    def save(self, path: Path = MODEL_FILE) -> None:
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Model | None:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return Model(
        weights={str(g): float(w) for g, w in raw["weights"].items()},
        bias=float(raw["bias"]),
        high=float(raw.get("high", 0.85)),
        low=float(raw.get("low", 0.1)),
        enabled=bool(raw.get("enabled", False)),
        info=dict(raw.get("info") or {}),
    )


def load_model(path: Path = MODEL_FILE) -> Model | None:
    """The model file, or None when there is none (the rules then decide alone)."""
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{path}: not a model file ({exc}); rebuild it with `newsmon eval --build-model`"
        ) from None


def train(
    bags: Sequence[Counter[str]],
    labels: Sequence[bool],
    *,
    min_df: int = 3,
    keep: int = 2000,
    l2: float = 1e-4,
    epochs: int = 1500,
    rate: float = 4.0,
) -> Model:
    """Fit logistic regression with L2 by full-batch gradient descent on length-normalised
    n-gram vectors; keep the ``keep`` n-grams with the largest weights. Deterministic (no
    random start)."""
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    vocab = sorted(g for g, n in df.items() if n >= min_df)
    index = {g: i for i, g in enumerate(vocab)}
    x = np.zeros((len(bags), len(vocab)), dtype=np.float32)
    for row, bag in enumerate(bags):
        for g, c in bag.items():
            col = index.get(g)
            if col is not None:
                x[row, col] = 1 + math.log(c)
    x /= np.asarray([[_norm(bag)] for bag in bags], dtype=np.float32)
    y = np.asarray(labels, dtype=np.float32)
    w = np.zeros(len(vocab), dtype=np.float32)
    b = 0.0
    n = max(1, len(bags))
    positive = float(y.mean()) if len(y) else 0.5
    weight = np.where(y > 0.5, 0.5 / max(positive, 1e-6), 0.5 / max(1 - positive, 1e-6)).astype(np.float32)
    for _ in range(epochs):
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * weight
        w -= rate * ((x.T @ g) / n + l2 * w)
        b -= rate * float(g.mean())
    order = np.argsort(-np.abs(w))[:keep]
    weights = {vocab[i]: float(w[i]) for i in order if abs(w[i]) > 1e-6}
    return Model(weights=weights, bias=b, info={"trained_on": len(bags), "vocabulary": len(vocab)})


def evaluate_probabilities(model: Model, bags: Iterable[Counter[str]]) -> list[float]:
    """P(training report) for each bag."""
    return [model.probability(bag)[0] for bag in bags]
