"""The rules scored against the analysts' corrections (``newsmon eval --corrections``), and
the corrected articles written out as labelled cases (tests/fixtures/labelled/README.md).

Verdicts give detection: each article an analyst judged is classified again by the current
rules. Field corrections give field accuracy: the value the rules had merged (kept in the
event's provenance) against the analyst's. Merges and splits are clustering errors of the
rules; they are counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.services import corrections
from newsmon.services.enrich import rules_type
from pipeline.cluster.match import EVENT_TYPES
from pipeline.text import fold
from storage.models import Article, Correction, CorrectionArticle, Event


@dataclass
class CorrectionScores:
    """Detection against verdicts, field accuracy against field corrections, clustering counts."""

    verdicts: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    fields: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> checked, agreed
    merges: int = 0
    splits: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else None

    @property
    def recall(self) -> float | None:
        real = self.true_positive + self.false_negative
        return self.true_positive / real if real else None

    def accuracy(self, name: str) -> float | None:
        counts = self.fields.get(name) or {}
        return counts["agreed"] / counts["checked"] if counts.get("checked") else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["precision"], data["recall"] = self.precision, self.recall
        data["field_accuracy"] = {name: self.accuracy(name) for name in self.fields}
        return data


def _count(session: Session, kind: str) -> int:
    return session.scalar(select(func.count(Correction.id)).where(Correction.kind == kind)) or 0


def _same(name: str, rules: Any, analyst: Any) -> bool:
    if name == "province":
        rules, analyst = (v.get("province_2025") if isinstance(v, dict) else v for v in (rules, analyst))
    if name == "organizers":
        return sorted(fold(str(o)) for o in rules or []) == sorted(fold(str(o)) for o in analyst or [])
    if isinstance(rules, str) and isinstance(analyst, str):
        return fold(rules) == fold(analyst)
    return rules == analyst


def score_corrections(session: Session) -> CorrectionScores:
    """Score the current rules against every analyst's latest word on each article and field."""
    scores = CorrectionScores()
    verdicts: dict[str, Correction] = {}  # article URL -> its latest verdict
    stmt = (select(Correction, CorrectionArticle.article_url)
            .join(CorrectionArticle, CorrectionArticle.correction_id == Correction.id)
            .where(Correction.kind == "verdict").order_by(Correction.id))  # fmt: skip
    for c, url in session.execute(stmt).all():
        verdicts[url] = c
    articles = {
        a.canonical_url: a
        for a in session.scalars(select(Article).where(Article.canonical_url.in_(verdicts)))
    }
    for url, verdict in verdicts.items():
        article = articles.get(url)
        if article is None:
            continue
        scores.verdicts += 1
        said, rules = bool(verdict.new_value), rules_type(session, article) == corrections.TRAINING
        if said and rules:
            scores.true_positive += 1
        elif rules:
            scores.false_positive += 1
            scores.errors.append(
                f"false positive: article {article.id} ({verdict.user_name}: not a training) {article.url}"
            )
        elif said:
            scores.false_negative += 1
            scores.errors.append(
                f"missed: article {article.id} ({verdict.user_name}: a training) {article.url}"
            )
        else:
            scores.true_negative += 1
    for event in session.scalars(select(Event).order_by(Event.id)):
        for name, origin in (event.provenance or {}).items():
            if not isinstance(origin, dict) or "correction" not in origin:
                continue
            counts = scores.fields.setdefault(name, {"checked": 0, "agreed": 0})
            counts["checked"] += 1
            correction = session.get(Correction, origin["correction"])
            analyst = correction.new_value if correction else None
            if _same(name, origin.get("rules"), analyst):
                counts["agreed"] += 1
            else:
                scores.errors.append(f"{name} of event {event.id}: rules {origin.get('rules')!r}, "
                                     f"{origin.get('by')} {analyst!r}")  # fmt: skip
    scores.merges, scores.splits = _count(session, "merge"), _count(session, "split")
    return scores


def corrected_cases(session: Session) -> list[dict[str, Any]]:
    """Every article an analyst corrected (its verdict, or its event's fields, merge or split),
    as a labelled case with the corrected label and event fields."""
    urls = set(session.scalars(select(CorrectionArticle.article_url).distinct()))
    rows = session.scalars(select(Article).where(Article.canonical_url.in_(urls)).order_by(Article.id))
    cases = []
    for a in rows:
        case: dict[str, Any] = {
            "id": f"corrected-{a.id}", "language": a.language or "vi", "source": a.source_id, "url": a.url,
            "published": a.published_local.isoformat() if a.published_local else None, "title": a.title or "",
            "text": "\n\n".join(p for p in (a.lead, a.text) if p), "label": a.event_type or "other",
            "topics": list(a.topics or []),
            "notes": f"exported from the analysts' corrections (article {a.id})",
        }  # fmt: skip
        event = session.get(Event, a.event_id) if a.event_id else None
        if event is not None and a.event_type in EVENT_TYPES:
            own = (a.fields or {}).get("participants")
            corrected = "correction" in ((event.provenance or {}).get("participants") or {})
            case["event"] = {
                "key": f"event-{event.id}", "date": event.date_held.isoformat() if event.date_held else None,
                "date_end": event.date_end.isoformat() if event.date_end else None, "province": event.province,
                "province_2025": event.province_2025, "organizers": list(event.organizers or []),
                "participants": event.participants if corrected else own,
                "provinces_covered": event.provinces_covered, "legal_refs": list(event.legal_refs or []),
            }  # fmt: skip
        if a.duplicate_of:
            case["duplicate_of"] = f"corrected-{a.duplicate_of}"
        cases.append(case)
    known = {c["id"] for c in cases}
    for case in cases:  # an original nobody corrected is not in the file
        if case.get("duplicate_of") not in known:
            case.pop("duplicate_of", None)
    return cases
