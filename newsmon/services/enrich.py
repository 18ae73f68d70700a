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

from newsmon.services.dedup import assign_duplicate
from newsmon.services.events import assign_event
from pipeline.classify.classifier import classify
from pipeline.cluster.match import EVENT_TYPES
from pipeline.fields import extract_fields
from pipeline.gazetteer import province_from_host
from storage.models import Article, Source

logger = logging.getLogger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


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


def enrich_article(session: Session, article: Article) -> Enrichment:
    """Classify ``article``, extract its event fields, find its original, put it in its event."""
    result = classify(article.title, article.lead, article.text, article.language, url=article.url)
    article.event_type = result.type
    article.topics = list(result.topics)
    article.classification = _jsonable(result)
    fields: dict[str, Any] = {}
    if result.type in EVENT_TYPES:
        extracted = extract_fields(
            article.title,
            article.lead,
            article.text,
            article.published_local,
            article.language,
            url=article.url,
        )
        fields = _with_source_province(session, article, _jsonable(extracted))
        if _held_after_publication(extracted.date_held, article.published_local):
            # Announced before it happened: a notice or plan, not a report of the event.
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
            fields = {}
    article.fields = fields
    session.flush()
    match = assign_duplicate(session, article.id)
    session.flush()  # write what dedup changed on this article before events read it
    assignment = assign_event(session, article)
    return Enrichment(
        event_type=article.event_type,
        duplicate_of=match.original_id if match else article.duplicate_of,
        event_id=assignment.event_id if assignment else None,
        event_created=bool(assignment and assignment.created),
    )
