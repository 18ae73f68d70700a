"""From a raw page to an Article: decode, extract, normalise, identify.

Pure functions, no database: ``newsmon analyze``, the crawler and ``reprocess`` share them.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from datetime import datetime
from pathlib import PurePath

from pipeline.extract.body import ExtractTimeout, extract_html, extract_text
from pipeline.extract.decode import decode_html
from pipeline.language import detect_language
from pipeline.text import normalize
from pipeline.types import Article, Extracted, Page, Selectors
from pipeline.urls import canonical_url

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80  # below this an "article" is a stub, a gallery or an error page


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


class ExtractionFailed(ValueError):
    """The page holds no usable article body; the message says why.

    A message starting ``extract_timeout:`` means the page went over the extraction time
    budget (the crawler counts it under that kind, not as an ordinary extraction failure).
    """


def content_hash(text: str) -> str:
    """Hash of the normalised text: the same story with other whitespace or tone marks hashes alike."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def declared_charset(page: Page) -> str | None:
    """The charset the server declared (HTTP header first, then <meta>), as a codec name."""
    header = _HEADER_CHARSET.search(page.content_type)
    if header:
        return _codec(header.group(1))
    meta = _META_CHARSET.search(page.body[:4096])
    return _codec(meta.group(1).decode("ascii", "replace")) if meta else None


def is_text_page(page: Page) -> bool:
    ctype = page.content_type.lower()
    return ctype.startswith("text/plain") or PurePath(page.url.split("?")[0]).suffix.lower() == ".txt"


def extract_page(
    page: Page, selectors: Selectors | None = None, published: datetime | None = None
) -> tuple[Extracted, list[str]]:
    """Run extraction on a page (HTML or plain text); raise ExtractionFailed if nothing usable.

    Returns the extraction and warnings ("kind: detail") worth counting, such as a charset
    the server declared wrongly.
    """
    if page.status >= 400:
        raise ExtractionFailed(f"HTTP {page.status}")
    html, encoding = decode_html(page.body, page.headers)
    warnings = []
    declared = declared_charset(page)
    if declared and _codec(encoding) != declared:
        warnings.append(f"charset_mismatch: declared {declared}, decoded as {_codec(encoding)}")
    if is_text_page(page):
        extracted = extract_text(html, url=page.url, published=published)
    else:
        try:
            extracted = extract_html(html, url=page.url, selectors=selectors)
        except ExtractTimeout as exc:
            raise ExtractionFailed(f"extract_timeout: {exc}") from None
        if extracted is not None and published is not None:
            extracted.published, extracted.published_from = published, "given"
    if extracted is None or len(extracted.text.strip()) < MIN_TEXT_CHARS:
        raise ExtractionFailed("no article body found (empty, not an article page, or a changed template)")
    if extracted.language is None:
        extracted.language = detect_language(extracted.text)
    return extracted, warnings + extracted.warnings


def to_article(page: Page, extracted: Extracted, warnings: list[str] | None = None) -> Article:
    return Article(
        url=page.url,
        canonical_url=canonical_url(page.url),
        title=extracted.title,
        lead=extracted.lead,
        text=extracted.text,
        author=extracted.author,
        published=extracted.published,
        published_from=extracted.published_from,
        language=extracted.language,
        content_hash=content_hash(extracted.text),
        source_id=page.source_id,
        warnings=warnings or [],
    )


def process_page(
    page: Page, selectors: Selectors | None = None, published: datetime | None = None
) -> Article:
    """The whole per-page pipeline; raise ExtractionFailed when the page has no article."""
    extracted, warnings = extract_page(page, selectors, published)
    return to_article(page, extracted, warnings)
