"""Everything about one page that needs no database, in one call a worker process can make.

The crawl's CPU work is extraction (decode, trafilatura, dates, language), the first
classification and the near-duplicate signature; none of it reads the database. ``prepare``
does all three, so a pool of processes (``newsmon.services.page_pool``) can run them on every
core while one thread per page writes the results. What it returns is what the in-process
path would have computed from the same page: the store uses it instead of computing it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from pipeline.classify.classifier import Classification, classify
from pipeline.dedup.nearcopy import shingles, signature
from pipeline.process import ExtractionFailed, process_page
from pipeline.types import Article, Page, Selectors

logger = logging.getLogger(__name__)

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """A page's article with its first classification and near-duplicate signature, or why
    there is none: ``error`` is the ExtractionFailed message, ``bug`` says the pipeline itself
    raised (the page is then marked ``error``, not ``failed``)."""

    article: Article | None
    classification: Classification | None = None
    shingles: set[str] | None = None
    signature: np.ndarray | None = None
    error: str | None = None
    bug: bool = False


def prepare(page: Page, selectors: Selectors | None = None, published: datetime | None = None) -> Prepared:
    """Extract, classify and sign ``page``; never raises for a bad page."""
    try:
        article = process_page(page, selectors, published)
    except ExtractionFailed as exc:
        return Prepared(None, error=str(exc))
    except Exception as exc:  # a pipeline bug must not lose the page: the store marks it
        logger.exception("processing failed for %s", page.url)
        return Prepared(None, error=f"{type(exc).__name__}: {exc}", bug=True)
    try:
        classification = classify(
            article.title, article.lead, article.text, article.language, url=article.url
        )
        own = shingles(article.text or "")
        return Prepared(article, classification, own, signature(own))
    except Exception:  # the store classifies again in-process, where the failure is handled
        logger.exception("classification failed for %s", page.url)
        return Prepared(article)
