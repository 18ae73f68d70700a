"""Scoring the pipeline on labelled cases: detection, event fields, clustering, near-duplicates.

The cases (own-words YAML, ``tests/fixtures/labelled/README.md``; the study set of real
reports, ``bench/study/README.md``) go through the same code path as a crawl — stored as
plain-text pages in a fresh database, in order of publication, each outlet registered as a
source the way sources.yaml would list it — and the result is compared with the labels
(:mod:`pipeline.evaluate.scores`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from newsmon.services.store import ArticleStore
from pipeline.evaluate.cases import SPLITS, Case, load_cases, load_study
from pipeline.evaluate.scores import Prediction, Report, score
from pipeline.sources import Registry
from pipeline.types import Page
from pipeline.urls import canonical_url, same_site
from storage import sqlite_schema
from storage.db import make_engine, session_factory, session_scope
from storage.models import Article

__all__ = ["Report", "evaluate", "evaluate_sets", "run_cases"]


def _register_source(session: Any, outlet: str) -> str:
    """Register a case's outlet as a crawl would have it in sources.yaml: an outlet named
    after a province ("Báo Sóc Trăng", "Cổng TTĐT tỉnh Lai Châu") is that province's."""
    from pipeline.gazetteer import find_provinces_in_text
    from pipeline.text import fold
    from storage.repository import upsert_source

    source_id = re.sub(r"[^a-z0-9]+", "-", fold(outlet)).strip("-")[:64] or "outlet"
    mentions = find_provinces_in_text(outlet)
    province = mentions[0].province if mentions else None
    upsert_source(
        session,
        id=source_id,
        name=outlet,
        kind="provincial_paper" if province else "national",
        province=province.name if province else None,
        province_2025=province.unit_2025 if province else None,
        homepage="https://cases.invalid/",
        enabled=True,
        config={},
    )
    return source_id


def _registry_source(session: Any, registry: Registry, url: str) -> str | None:
    """The registry's source for a page's site, registered as a crawl would (its province
    stands in for a report that names none)."""
    from storage.repository import upsert_source

    for source in registry.sources:
        if same_site(url, source.allowed_domains):
            upsert_source(session, **source.row())
            return source.id
    return None


def run_cases(cases: list[Case], registry: Registry | None = None) -> list[Prediction]:
    """Ingest the cases into a fresh database in publication order; return what was made.

    A case names its outlet (own-words cases) or, given a ``registry``, its page's site is
    looked up there (study cases)."""
    with tempfile.TemporaryDirectory(prefix="newsmon-eval-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'eval.db'}")
        sqlite_schema.create(engine)  # a throw-away database: no need to replay the migrations
        sessions = session_factory(engine)
        store = ArticleStore(sessions)
        with session_scope(sessions) as session:
            source_ids = {c.source: _register_source(session, c.source) for c in cases if c.source}
            by_site = {
                c.id: _registry_source(session, registry, c.url) for c in cases if registry and not c.source
            }
        ids: dict[str, int] = {}
        far = datetime.max.replace(tzinfo=UTC)
        for case in sorted(cases, key=lambda c: (c.published or far, c.id)):
            body = (f"{case.title}\n\n{case.text}" if case.title else case.text).encode()
            source_id = source_ids.get(case.source) if case.source else by_site.get(case.id)
            page = Page(url=case.url, body=body, headers={"content-type": "text/plain; charset=utf-8"},
                        source_id=source_id)  # fmt: skip
            outcome = store.ingest(page, replace=True, published=case.published)
            if outcome.article_id is None:
                raise RuntimeError(f"case {case.id}: no article: {outcome.error}")
            ids[case.id] = outcome.article_id
        with session_scope(sessions) as session:
            rows = {a.id: a for a in session.scalars(select(Article))}
            by_url = {a.canonical_url: a for a in rows.values()}
            predictions = []
            for case in cases:
                article = by_url.get(canonical_url(case.url)) or rows[ids[case.id]]
                predictions.append(
                    Prediction(
                        case,
                        article.id,
                        article.event_type,
                        dict(article.fields or {}),
                        article.event_id,
                        article.duplicate_of or article.id,
                    )
                )
        engine.dispose()
    return predictions


def evaluate(paths: Iterable[Path]) -> Report:
    """The own-words cases of ``paths`` (YAML files or directories), scored."""
    return score(run_cases(load_cases(paths)), "cases")


def evaluate_sets(
    paths: Iterable[Path],
    study_labels: Path | None = None,
    study_cache: Path | None = None,
    splits: Iterable[str] = SPLITS,
    registry: Registry | None = None,
) -> list[Report]:
    """One report for the own-words cases (when ``paths`` names any) and one per split of the
    study set (when its labels are given; items without a cached text are counted as missing)."""
    reports = []
    paths = list(paths)
    if paths:
        reports.append(evaluate(paths))
    if study_labels is not None and study_cache is not None:
        study = load_study(study_labels, study_cache, splits)
        for split, cases in study.cases.items():
            report = (
                score(run_cases(cases, registry), f"study set: {split}")
                if cases
                else score([], f"study set: {split}")
            )
            report.missing = study.missing.get(split, 0)
            reports.append(report)
    return reports
