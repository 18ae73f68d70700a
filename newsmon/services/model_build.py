"""Building the learned second stage of training detection from the study set.

The model is fitted on the study set's tuning part only. Its thresholds are chosen by 5-fold
cross-validation on that part (each fold's cases scored by a model that never saw them). Then
rules alone and rules with the model are scored once on the held-back part: the model file is
written switched on only if it detects trainings better there (F1 up, precision not down by
more than a report). The figures go into the file, so anyone can see why it is on or off.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.classify.classifier import classify, url_words
from pipeline.classify.model import MODEL_FILE, Model, features, train
from pipeline.evaluate.cases import Case, is_target, load_study
from pipeline.evaluate.scores import prf
from pipeline.process import ExtractionFailed, process_page
from pipeline.types import Page

logger = logging.getLogger(__name__)

__all__ = ["ModelReport", "build_model"]

HIGH = (0.7, 0.8, 0.9, 0.95, 1.01)  # 1.01: never promote
LOW = (0.0, 0.02, 0.05, 0.1, 0.2)  # 0.0: never demote
FOLDS = 5


@dataclass
class _Item:
    case: Case
    bag: Counter[str]
    rules_type: str
    on_primary: bool
    target: bool


@dataclass
class ModelReport:
    """What the build measured, and whether the model was switched on."""

    enabled: bool
    high: float
    low: float
    cross_validation: dict[str, Any]
    heldout_rules: dict[str, float]
    heldout_model: dict[str, float]
    path: Path

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "high": self.high,
            "low": self.low,
            "cross_validation": self.cross_validation,
            "heldout_rules": self.heldout_rules,
            "heldout_model": self.heldout_model,
            "path": str(self.path),
        }


def _item(case: Case) -> _Item | None:
    body = (f"{case.title}\n\n{case.text}" if case.title else case.text).encode()
    page = Page(url=case.url, body=body, headers={"content-type": "text/plain; charset=utf-8"})
    try:
        article = process_page(page, published=case.published)
    except ExtractionFailed:
        return None
    rules = classify(
        article.title, article.lead, article.text, article.language, url=case.url, use_model=False
    )
    slug = url_words(case.url)
    on_primary = any(t in ("external_information", "human_rights") for t in rules.topics)
    bag = features(article.title, article.lead, article.text, slug, article.language)
    return _Item(case, bag, rules.type, on_primary, is_target(case))


def _decide(item: _Item, p: float, high: float, low: float) -> bool:
    if item.rules_type != "training_conference":
        return p >= high and item.on_primary
    return p > low


def _score(items: list[_Item], probs: list[float] | None, high: float, low: float) -> dict[str, float]:
    tp = fp = fn = 0
    for i, item in enumerate(items):
        predicted = (
            item.rules_type == "training_conference" if probs is None else _decide(item, probs[i], high, low)
        )
        tp += predicted and item.target
        fp += predicted and not item.target
        fn += item.target and not predicted
    return prf(tp, fp, fn)


def build_model(labels: Path, cache: Path, path: Path = MODEL_FILE) -> ModelReport:
    """Fit, choose thresholds by cross-validation, compare on the held-back part, write ``path``."""
    study = load_study(labels, cache)
    tune = [x for c in study.cases["study"] if (x := _item(c)) is not None]
    heldout = [x for c in study.cases["heldout"] if (x := _item(c)) is not None]
    if len(tune) < 50 or not heldout:
        raise ValueError(
            f"too few cached study texts to build a model ({len(tune)} tuning, {len(heldout)} held back)"
        )
    # Out-of-fold probabilities: every tuning case scored by a model that did not see it.
    oof = [0.0] * len(tune)
    for fold in range(FOLDS):
        train_idx = [i for i in range(len(tune)) if i % FOLDS != fold]
        model = train([tune[i].bag for i in train_idx], [tune[i].target for i in train_idx])
        for i in range(fold, len(tune), FOLDS):
            oof[i] = model.probability(tune[i].bag)[0]
    rules_cv = _score(tune, None, 1.0, 0.0)
    best = max(
        ((h, lo) for h in HIGH for lo in LOW), key=lambda hl: (_score(tune, oof, *hl)["f1"], hl[0], -hl[1])
    )
    high, low = best
    final = train([x.bag for x in tune], [x.target for x in tune])
    probs = [final.probability(x.bag)[0] for x in heldout]
    rules_heldout = _score(heldout, None, high, low)
    model_heldout = _score(heldout, probs, high, low)
    enabled = model_heldout["f1"] > rules_heldout["f1"] and model_heldout["fp"] <= rules_heldout["fp"] + 1
    cv = {"rules": rules_cv, "model": _score(tune, oof, high, low)}
    model = Model(
        weights=final.weights,
        bias=final.bias,
        high=high,
        low=low,
        enabled=enabled,
        info={
            **final.info,
            "built_from": "study set, tuning part (bench/study/labels.jsonl, split=study)",
            "cross_validation_f1": {"rules": cv["rules"]["f1"], "rules_and_model": cv["model"]["f1"]},
            "heldout_f1": {"rules": rules_heldout["f1"], "rules_and_model": model_heldout["f1"]},
            "why": (
                "enabled: it beats the rules alone on the held-back part"
                if enabled
                else "disabled: it does not beat the rules alone on the held-back part"
            ),
        },
    )
    model.save(path)
    logger.info("model written to %s (%s)", path, model.info["why"])
    return ModelReport(enabled, high, low, cv, rules_heldout, model_heldout, path)
