"""Which event a plan announces: a plan to hold a training makes a planned event.

A plan or announcement (``plan_or_directive``) whose strongest event wording is a training on
a primary topic announces a ``training_conference``; the report of that training, when it
comes, joins the planned event (``newsmon.services.events``).
"""

from __future__ import annotations

from pipeline.classify.classifier import EVENT_TYPES, Classification, Rules, load_rules

__all__ = ["PLANNED_TRAINING_SCORE", "planned_type"]

PLANNED_TRAINING_SCORE = 0.5


def planned_type(result: Classification, rules: Rules | None = None) -> str | None:
    """The event a plan announces, or None: ``training_conference`` for a plan or announcement
    whose strongest event wording is a training on a primary topic (a plan to hold a hội nghị
    tập huấn on external information), else None. Other plans (directives, general programmes)
    announce no event newsmon follows."""
    if result.type != "plan_or_directive":
        return None
    rules = rules or load_rules()
    if not set(result.topics) & set(rules.primary_topics):
        return None
    training = result.scores.get("training_conference", 0.0)
    best_other = max(
        (result.scores.get(t, 0.0) for t in EVENT_TYPES if t != "training_conference"), default=0.0
    )
    return "training_conference" if training >= PLANNED_TRAINING_SCORE and training >= best_other else None
