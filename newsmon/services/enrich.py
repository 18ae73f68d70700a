"""What newsmon makes of a stored article beyond its text: event type and topics, event
fields, near-duplicate original, and the event it reports.

Runs inside the caller's transaction, right after the article row is written, so the
article, its bands and its event change together or not at all.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsmon.services import corrections
from newsmon.services.dedup import assign_duplicate
from newsmon.services.events import assign_event
from pipeline.classify.classifier import Classification, Evidence, classify
from pipeline.classify.planned import planned_type
from pipeline.cluster.match import EVENT_TYPES
from pipeline.fields import extract_fields
from pipeline.gazetteer import province_from_host
from pipeline.prepare import Prepared
from storage import repository as repo
from storage.models import Article, Source

logger = logging.getLogger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# How much of an article's documents the classifier reads: a plan's purpose, date and audience
# are on its first pages; a 100-page annex adds cost, not evidence.
DOCUMENT_CHARS = 6000


@dataclass
class Enrichment:
    event_type: str | None
    duplicate_of: int | None
    event_id: int | None
    event_created: bool


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = value.as_dict() if hasattr(value, "as_dict") else dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _with_source_province(session: Session, article: Article, fields: dict[str, Any]) -> dict[str, Any]:
    """A provincial outlet that names no province reports an event in its own province
    (a district training reported by the province's department site)."""
    if fields.get("province_2025"):
        return fields
    source = session.get(Source, article.source_id) if article.source_id else None
    if source is not None and source.kind != "national" and source.province_2025:
        provenance = {**(fields.get("provenance") or {}), "province": f"source {source.id}"}
        return {**fields, "province": source.province, "province_2025": source.province_2025,
                "provenance": provenance}  # fmt: skip
    if source is None or not source.province_2025:
        # Not in the registry (an ingested page): a provincial outlet's address names its province.
        found = province_from_host(article.url) if article.url else None
        if found is not None:
            provenance = {**(fields.get("provenance") or {}), "province": f"outlet address {article.url}"}
            return {
                **fields,
                "province": found.name,
                "province_2025": found.unit_2025,
                "provenance": provenance,
            }
    return fields


def _held_after_publication(held: date | None, published: datetime | None) -> bool:
    """An event dated more than a day after its report was published had not happened yet."""
    if held is None or published is None:
        return False
    return held > published.date() + timedelta(days=1)  # the page's own day


def _documents(session: Session, article: Article) -> str:
    texts = repo.attachment_texts(session, article.canonical_url) if article.canonical_url else []
    return "\n\n".join(texts)[:DOCUMENT_CHARS]


def _classify(session: Session, article: Article, first: Classification | None = None) -> tuple[Any, str]:
    """The article's classification and the text it rests on. The linked documents (a plan as
    PDF, a programme as DOCX) are read only when the article alone reports no event: they may
    show that a bare "see the attached plan" notice announces a training, but a report of a
    held training is never turned into a plan by the programme attached to it. ``first`` is the
    article's own classification when a worker has made it already (``pipeline.prepare``)."""
    result = first or classify(article.title, article.lead, article.text, article.language, url=article.url)
    if result.type in EVENT_TYPES:
        return result, article.text
    documents = _documents(session, article)
    if not documents:
        return result, article.text
    text = f"{article.text}\n\n{documents}"
    with_documents = classify(article.title, article.lead, text, article.language, url=article.url)
    if with_documents.type in EVENT_TYPES or planned_type(with_documents):
        with_documents.evidence.insert(
            0,
            Evidence("attached documents", "decision:documents", "body", 0.0,
                     f"decided with the text of the article's documents ({len(documents)} characters read)"),
        )  # fmt: skip
        return with_documents, text
    return result, article.text


def rules_type(session: Session, article: Article) -> str:
    """What the current rules make of ``article`` (its documents too), ignoring any verdict:
    what ``newsmon eval --corrections`` scores against the analysts."""
    return _classify(session, article)[0].type


def enrich_article(session: Session, article: Article, prepared: Prepared | None = None) -> Enrichment:
    """Classify ``article``, extract its event fields, find its original, put it in its event.

    ``prepared``: what a worker computed from the same page (classification, signature), used
    instead of computing it again.

    A plan or announcement of a training (``planned_type``) gets its fields too, with
    ``planned`` naming the event type it announces: it makes a planned event, which the report
    of the training joins when it comes.
    """
    result, text = _classify(session, article, prepared.classification if prepared else None)
    kind, planned = result.type, planned_type(result)
    verdict = corrections.verdict_for(session, article.canonical_url)
    article.classification = _jsonable(result)
    if verdict is not None:  # an analyst's word beats the rules (the rules' type stays in classification)
        kind = corrections.corrected_type(result.type, bool(verdict.new_value))
        planned = None if verdict.new_value or planned == corrections.TRAINING else planned
        article.classification = {**article.classification, "verdict": {
            "training": bool(verdict.new_value), "by": verdict.user_name, "correction": verdict.id}}  # fmt: skip
    article.event_type = kind
    article.topics = list(result.topics)
    fields: dict[str, Any] = {}
    if kind in EVENT_TYPES or planned:
        extracted = extract_fields(
            article.title,
            article.lead,
            text,
            article.published_local,
            article.language,
            url=article.url,
        )
        fields = _with_source_province(session, article, _jsonable(extracted))
        if (
            verdict is None
            and result.type in EVENT_TYPES
            and _held_after_publication(extracted.date_held, article.published_local)
        ):
            # Announced before it happened: a notice or plan, not a report of the event.
            planned = "training_conference" if result.type == "training_conference" else None
            article.event_type = "plan_or_directive"
            article.classification = {
                **article.classification,
                "type": "plan_or_directive",
                "evidence": [
                    {"phrase": "date held after publication", "rule": "decision:future_date", "where": "body",
                     "weight": 0.0, "text": f"held {extracted.date_held}, published {article.published_at:%Y-%m-%d}"},
                    *article.classification.get("evidence", []),
                ],
            }  # fmt: skip
        if planned:
            fields["planned"] = planned
        elif article.event_type not in EVENT_TYPES:
            fields = {}
    article.fields = fields
    session.flush()
    if prepared is not None and prepared.signature is not None:
        match = assign_duplicate(session, article.id, prepared.shingles, prepared.signature)
    else:
        match = assign_duplicate(session, article.id)
    session.flush()  # write what dedup changed on this article before events read it
    assignment = assign_event(session, article)
    return Enrichment(
        event_type=article.event_type,
        duplicate_of=match.original_id if match else article.duplicate_of,
        event_id=assignment.event_id if assignment else None,
        # What alerts: a held event that is new, or a planned one whose report has just come.
        event_created=bool(assignment and assignment.newly_held),
    )
