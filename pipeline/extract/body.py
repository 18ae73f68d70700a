"""Article extraction: HTML page or plain text in, :class:`~pipeline.types.Extracted` out.

HTML goes through: one lxml parse -> metadata (title, author, date, canonical URL) from the intact
tree -> per-source selector overrides -> the lead paragraph (sapo), which generic extraction drops
on Vietnamese sites -> DOM noise cleanup -> trafilatura for the body -> line-level noise cleanup.
``Extracted.text`` is the lead followed by the body paragraphs, separated by blank lines (so that
dedup and classification see the lead); the lead is also given on its own.
"""

from __future__ import annotations

import calendar
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from pipeline.extract.dates import (
    TZ,
    date_from_url,
    find_published,
    find_published_in_text,
    parse_vi_datetime,
)
from pipeline.extract.decode import decode_html
from pipeline.extract.htmltree import (
    MAX_ELEMENTS,
    cap_elements,
    element_text,
    find_title_element,
    iter_jsonld,
    meta_map,
    parse_html,
    prune_empty,
    unwrap_layout_tables,
)
from pipeline.extract.lead import find_lead, starts_a_paragraph
from pipeline.extract.metadata import (
    canonical_url,
    choose_author,
    choose_title,
    clean_author,
    site_names,
    structured_body,
)
from pipeline.extract.noise import clean_dom, clean_lines_detailed, strip_lead_prefix
from pipeline.text import clean_whitespace, nfc
from pipeline.types import Extracted, Selectors

logger = logging.getLogger(__name__)

__all__ = ["EXTRACT_BUDGET_SECONDS", "TRAFILATURA_OPTIONS", "ExtractTimeout", "extract_html", "extract_text"]

# Per-page time budget, checked between the steps of extract_html (a step is not interrupted).
# With the tree pruned and capped a page takes well under a second; the budget is a backstop so
# that a pathological page is recorded as failed instead of holding a crawl thread.
EXTRACT_BUDGET_SECONDS = 20.0

# trafilatura options, measured with bench/extract_bench.py (aeb shingle P/R/F1 through extract_html):
# defaults .950/.978/.964; favor_precision .963/.971/.967 but loses recall, which matters more to us;
# no tables .950/.972/.961; fast (no fallback extractors) .954/.979/.966 but on a page where its main
# extractor fails it returns the whole page (menus and all). So: fast first, and the full run (which
# compares with the fallback extractors) when the fast result looks like a page dump: .958/.979/.968,
# and quicker than the full run alone.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
}
# A "page dump": many lines, most of them menu-sized.
_DUMP_MIN_LINES = 10
_DUMP_SHORT_LINE_WORDS = 5
_DUMP_SHORT_SHARE = 0.5
_MIN_TEXT_LETTERS = 25
# A JSON-LD articleBody replaces the extracted text only when clearly longer (a page that builds
# its article in JavaScript): on trafilatura's set a closer race picks summaries over bodies.
STRUCTURED_BODY_RATIO = 1.5
STRUCTURED_BODY_MARGIN = 200
# Noise kinds that can hold a page's content: forum posts and live-ticker entries are marked up as
# comments, a video page's text as its caption.
_CONTENT_KINDS = frozenset(("comments", "caption", "figcaption"))
CONTENT_DROPPED_RATIO = 2.0
CONTENT_DROPPED_MARGIN = 500
# A fast result shorter than this gets the full run too (one teaser paragraph is the usual
# failure); the threshold trades recall against a second trafilatura run on short pages.
SHORT_BODY_CHARS = 1000
# A full-run result shaped like a page dump is still taken after a short fast result when it is
# smaller than this: a real dump of menus and footers is longer (measured: 20 kB and up).
DUMP_ACCEPT_CHARS = 8000
# Below this share of the fast run's lines found in the full run, the two runs kept different parts.
DISJOINT_SHARE = 0.1


class ExtractTimeout(RuntimeError):
    """Extraction of one page went over its time budget; the message names the step."""


class _Budget:
    def __init__(self, seconds: float | None, url: str | None) -> None:
        self.start = time.monotonic()
        self.seconds = seconds
        self.url = url

    def check(self, step: str) -> None:
        if self.seconds is None:
            return
        spent = time.monotonic() - self.start
        if spent > self.seconds:
            raise ExtractTimeout(f"{spent:.1f} s spent (budget {self.seconds:g} s), stopped after {step}")


@cache
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def _select(root: HtmlElement, selector: str | None) -> list[HtmlElement]:
    if not selector:
        return []
    try:
        return _css(selector)(root)
    except (etree.XPathError, ValueError, SyntaxError) as err:  # cssselect's SelectorError is a SyntaxError
        logger.warning("bad CSS selector %r: %s", selector, err)
        return []


def _first_text(root: HtmlElement, selector: str | None) -> str | None:
    for el in _select(root, selector):
        text = element_text(el)
        if text:
            return text
    return None


def _looks_binary(html: str) -> bool:
    head = html[:4096]
    bad = sum(1 for ch in head if ch in "\x00\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad > len(head) * 0.1


def _has_letters(text: str, n: int) -> bool:
    """At least ``n`` letters (stops counting as soon as it knows)."""
    count = 0
    for ch in text:
        if ch.isalpha():
            count += 1
            if count >= n:
                return True
    return False


def _aware(value: datetime) -> datetime:
    """A naive time is Vietnam's; an aware one keeps the zone the page gave (and so its day)."""
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value


@dataclass
class _PageMeta:
    title: str | None
    author: str | None
    published: datetime | None
    published_from: str | None
    canonical: str | None
    title_el: HtmlElement | None
    metas: dict[str, str]
    structured_body: str


def _read_metadata(root: HtmlElement, url: str | None, selectors: Selectors) -> _PageMeta:
    """Title, author, date and canonical URL, read before any cleanup touches the tree."""
    metas = meta_map(root)
    title_tag = root.find(".//title")
    hints = [metas.get("og:title", ""), title_tag.text_content() if title_tag is not None else ""]
    title_el = find_title_element(root, hints)
    title = _first_text(root, selectors.title) or choose_title(root, metas, title_el, url)
    names = site_names(metas, url)
    jsonld = list(iter_jsonld(root))
    author = clean_author(_first_text(root, selectors.author)) or choose_author(root, metas, jsonld, names)
    published: datetime | None = None
    published_from: str | None = None
    date_text = _first_text(root, selectors.date)
    if date_text:
        published = parse_vi_datetime(date_text)
        published_from = "visible" if published else None
    if published is None:
        published, published_from = find_published(root, url)
    return _PageMeta(
        title,
        author,
        published,
        published_from,
        canonical_url(root, metas, url),
        title_el,
        metas,
        clean_whitespace(structured_body(jsonld)),
    )


def _run_trafilatura(root: HtmlElement, url: str | None, *, fast: bool) -> str:
    try:
        doc = trafilatura.bare_extraction(
            root, url=url, with_metadata=False, fast=fast, **TRAFILATURA_OPTIONS
        )
    except (ValueError, TypeError, AttributeError, etree.LxmlError) as err:  # malformed trees
        logger.info("trafilatura failed on %s: %s", url, err)
        return ""
    if doc is None:
        return ""
    text = doc.text if hasattr(doc, "text") else doc.get("text")  # Document in 2.x, dict before
    return text or ""


def _looks_like_page_dump(text: str) -> bool:
    """Mostly menu-sized lines: trafilatura fell back to the whole page's text."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < _DUMP_MIN_LINES:
        return False
    short = sum(1 for line in lines if len(line.split()) < _DUMP_SHORT_LINE_WORDS)
    return short > _DUMP_SHORT_SHARE * len(lines)


def _trafilatura_body(root: HtmlElement, url: str | None, budget: _Budget | None = None) -> str:
    """trafilatura's fast run; the full run when the fast one finds nothing, dumps the page, or is short."""
    text = _run_trafilatura(root, url, fast=True)
    dump = bool(text) and _looks_like_page_dump(text)
    if not text or dump or len(text) < SHORT_BODY_CHARS:
        if budget is not None:
            budget.check("trafilatura (fast)")
        full = _run_trafilatura(root, url, fast=False)
        # A short fast result is often one teaser paragraph: the full run, which compares its
        # result with the fallback extractors, finds the article. A longer full result is kept
        # unless it is a big page dump (a short one is a FAQ or a table of figures, not menus).
        if dump:
            text = full
        elif len(full) > len(text) and (not _looks_like_page_dump(full) or len(full) < DUMP_ACCEPT_CHARS):
            text = _merge_runs(text, full)
    return text


def _merge_runs(fast: str, full: str) -> str:
    """The full run's text, after the fast run's when the two picked different parts of the page.

    On pages split into blocks (an intro box and the article, a recipe's steps and its story)
    each run keeps one block; measured on trafilatura's set, keeping both finds more of the
    article than either alone for little more noise.
    """
    lines = [line.strip() for line in fast.split("\n") if len(line.strip()) > 20]
    if not lines:
        return full
    shared = sum(1 for line in lines if line in full) / len(lines)
    return full if shared >= DISJOINT_SHARE else f"{fast}\n{full}"


def _remove_selected(root: HtmlElement, selectors: Selectors) -> None:
    for selector in selectors.remove:
        for el in _select(root, selector):
            if el.getparent() is not None:
                el.drop_tree()


def _content_was_dropped(body: str, dropped: dict[str, int]) -> bool:
    """Cleanup took out containers holding much more text than the body that is left."""
    kept_out = sum(dropped.get(kind, 0) for kind in _CONTENT_KINDS)
    return (
        len(body) < SHORT_BODY_CHARS and kept_out > CONTENT_DROPPED_RATIO * len(body) + CONTENT_DROPPED_MARGIN
    )


def _prefer_structured(structured: str, body: str) -> bool:
    """The JSON-LD articleBody when the extracted text is a fraction of it (a script-rendered page)."""
    return len(structured) > STRUCTURED_BODY_RATIO * len(body) + STRUCTURED_BODY_MARGIN


def _body_text(
    root: HtmlElement, url: str | None, selectors: Selectors, budget: _Budget | None = None
) -> str:
    """The body selector's text when it matches, else trafilatura's extraction."""
    if selectors.body:
        body = "\n".join(element_text(el) for el in _select(root, selectors.body))
        if body.strip():
            return body
        # a changed template must not lose the article
        logger.warning(
            "body selector %r matched nothing on %s; using generic extraction", selectors.body, url
        )
    return _trafilatura_body(root, url, budget)


def extract_html(
    html: str | bytes,
    url: str | None = None,
    selectors: Selectors | None = None,
    budget_seconds: float | None = None,
) -> Extracted | None:
    """Extract title, lead, body text, author, publication date and canonical URL from a page.

    Returns None (and logs why) when the page has no usable article text; never raises on bad
    HTML (empty, binary, truncated, malformed). ``language`` is left to the caller
    (pipeline.language.detect_language costs about as much as the extraction).

    Work is bounded: empty layout elements are pruned and the tree is cut after
    ``MAX_ELEMENTS`` elements (``Extracted.warnings`` then says so); raises
    :class:`ExtractTimeout` when a step ends past ``budget_seconds`` (default
    ``EXTRACT_BUDGET_SECONDS``; 0 or less: no budget).
    """
    seconds = EXTRACT_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    budget = _Budget(seconds if seconds > 0 else None, url)
    if isinstance(html, bytes):
        html = decode_html(html)[0]
    if not html or not html.strip():
        logger.info("empty page: %s", url)
        return None
    if _looks_binary(html):
        logger.info("binary content, not HTML: %s", url)
        return None
    html = nfc(html)
    root = parse_html(html)
    if root is None:
        logger.info("unparseable HTML: %s", url)
        return None
    warnings: list[str] = []
    pruned = prune_empty(root)
    unwrap_layout_tables(root)
    cut = cap_elements(root, MAX_ELEMENTS)
    if cut:
        warnings.append(f"page_truncated: {cut} elements after the first {MAX_ELEMENTS} ignored")
        logger.warning("%s: %d elements after the first %d ignored", url, cut, MAX_ELEMENTS)
    if pruned > 1000:
        logger.info("%s: %d empty elements pruned", url, pruned)
    budget.check("parsing")
    selectors = selectors or Selectors()
    meta = _read_metadata(root, url, selectors)
    budget.check("metadata")

    _remove_selected(root, selectors)
    lead = _first_text(root, selectors.lead) if selectors.lead else find_lead(root, meta.title_el, meta.metas)
    budget.check("lead")
    dropped: dict[str, int] = {}
    removed = clean_dom(root, sizes=dropped)
    budget.check("noise cleanup")
    body = _body_text(root, url, selectors, budget)
    if not selectors.body and _content_was_dropped(body, dropped):
        # A forum thread or a live ticker sits in a "comments"/"caption" container: when that
        # was most of what the page had, extract again keeping those containers.
        again = parse_html(html)
        if again is not None:
            prune_empty(again)
            unwrap_layout_tables(again)
            cap_elements(again, MAX_ELEMENTS)
            _remove_selected(again, selectors)
            kept_removed = clean_dom(again, keep=_CONTENT_KINDS)
            budget.check("noise cleanup (keeping comments)")
            retry = _trafilatura_body(again, url, budget)
            if len(retry) > len(body):
                body, removed = retry, kept_removed
    if not selectors.body and _prefer_structured(meta.structured_body, body):
        body = meta.structured_body

    if lead:
        lead, prefix = strip_lead_prefix(clean_whitespace(lead).replace("\n", " "))
        if prefix:
            removed.insert(0, prefix)
    cleaned = clean_lines_detailed(body, meta.title)
    removed = cleaned.removed + removed
    if lead and starts_a_paragraph(cleaned.text, lead):
        # the extractor kept the sapo; if it carried the outlet prefix, cleanup already took it off
        lead = cleaned.lead or lead
        text = cleaned.text
    elif lead:
        text = f"{lead}\n\n{cleaned.text}" if cleaned.text else lead
    else:
        lead = cleaned.lead
        text = cleaned.text
    if not _has_letters(text, _MIN_TEXT_LETTERS):
        logger.info("no usable body text (fewer than %d letters): %s", _MIN_TEXT_LETTERS, url)
        return None
    return Extracted(
        title=meta.title,
        lead=lead or None,
        text=text,
        author=meta.author or cleaned.author,
        published=meta.published,
        published_from=meta.published_from,
        language=None,
        url=meta.canonical,
        noise_removed=removed,
        warnings=warnings,
    )


_ISO_STAMP_RE = re.compile(r"^\s*date\s+(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})(?:-(?P<day>\d{2}))?\s+")


def extract_text(text: str, url: str | None = None, published: datetime | None = None) -> Extracted:
    """Treat a plain-text body as already extracted: title from its first line, noise lines removed.

    The publication date is, in order: ``published`` if given (naive values are taken as Vietnam
    time), the dateline near the top of the text, the date in ``url``.
    """
    text = nfc(text or "")
    stamp = _ISO_STAMP_RE.match(text)
    stamped: datetime | None = None
    if stamp:
        # "date 2023-07-18 Title ...": the date stamp search indexes and some archives put first.
        text = text[stamp.end() :]
        year, month = int(stamp.group("y")), int(stamp.group("m"))
        if stamp.group("day"):
            stamped = datetime(year, month, int(stamp.group("day")), 12, tzinfo=TZ)
        elif 1 <= month <= 12:  # a month only: its last day, so yearless dates of that month resolve
            stamped = datetime(year, month, calendar.monthrange(year, month)[1], 12, tzinfo=TZ)
    cleaned = clean_lines_detailed(text, detect_title=True)
    published_from: str | None = None
    if published is not None:
        published, published_from = _aware(published), "given"
    else:
        limit = datetime.now(TZ) + timedelta(days=1)
        found = parse_vi_datetime(cleaned.dateline) if cleaned.dateline else find_published_in_text(text)
        found = found or stamped
        if found is not None and found <= limit:
            published, published_from = found, "text"
        elif url and (from_url := date_from_url(url)) is not None and from_url <= limit:
            published, published_from = from_url, "url"
    return Extracted(
        title=cleaned.title,
        lead=cleaned.lead,
        text=cleaned.text,
        author=cleaned.author,
        published=published,
        published_from=published_from,
        noise_removed=cleaned.removed,
    )
