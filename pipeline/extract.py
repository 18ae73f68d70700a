"""Article extraction: HTML page or plain text in, :class:`~pipeline.types.Extracted` out.

HTML goes through: one lxml parse -> metadata (title, author, date, canonical URL) from the intact
tree -> per-source selector overrides -> DOM noise cleanup -> trafilatura for the body -> the lead
paragraph (sapo), which generic extraction drops on Vietnamese sites -> line-level noise cleanup.
``Extracted.text`` is the lead followed by the body paragraphs, separated by blank lines; the lead
is also given on its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from .dates import TZ, date_from_url, find_published, find_published_in_text, parse_vi_datetime
from .decode import decode_html
from .htmltree import element_text, find_title_element, is_boilerplate, iter_jsonld, meta_map, parse_html
from .noise import clean_dom, clean_lines_detailed, in_noise_block, is_vietnamese, strip_lead_prefix
from .text import clean_whitespace, fold, nfc
from .types import Extracted, Selectors

logger = logging.getLogger(__name__)

__all__ = ["extract_html", "extract_text"]

# Where Vietnamese sites put the sapo (lead paragraph), most specific first: nhandan/vietnamplus,
# baochinhphu, then generic CMS names. Site-specific names are trusted in any language (English
# editions use them too); generic names (and meta description, see _find_lead) only on Vietnamese
# pages, because on other sites ".summary"/".lead" often hold teasers that are not article text.
SAPO_SELECTORS = (
    "div.article__sapo",
    "h2.detail-sapo",
    ".detail-sapo",
    ".article-sapo",
    ".news-sapo",
    ".sapo",
    ".detail__summary",
    "[class*=sapo]",
    "[class*=Sapo]",
)
GENERIC_LEAD_SELECTORS = (
    "p.description",
    ".cms-desc",
    ".summary",
    "[class*=summary]",
    "[class*=tomtat]",
    "[class*=tom-tat]",
    ".lead",
    ".intro",
)
# trafilatura options, measured with bench/extract_bench.py (aeb shingle P/R/F1 through extract_html):
# defaults .950/.978/.964; fast .954/.979/.966 and ~25% quicker (its fallback extractors add noise
# more often than text here); favor_precision .963/.971/.967 but loses recall, which matters more
# to us; no tables .950/.972/.961.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
    "fast": True,
}
_AUTHOR_CLASS_RE = re.compile(r"author|byline|tac-?gia|writer|nguoi-?viet|signature", re.IGNORECASE)
_AUTHOR_LABEL_RE = re.compile(r"^(tác giả|bài và ảnh|bài, ảnh|tin, ảnh|bài|by|theo)\s*:?\s*", re.IGNORECASE)
_TITLE_SEP_RE = re.compile(r"\s+(?:[-|–—»]|::)\s+")
_OUTLET_RE = re.compile(
    r"^(báo|tạp chí|cổng|trang|đài|sở|ubnd|ủy ban|uỷ ban|thông tấn|vnexpress|tuổi trẻ|thanh niên|dân trí|"
    r"vietnamplus|vietnamnet|vov|vtv|qđnd|nhân dân|chính phủ|tin tức|news)\b",
    re.IGNORECASE,
)
_MIN_TEXT_LETTERS = 25
_LEAD_MIN_CHARS, _LEAD_MAX_CHARS = 20, 1500


# ------------------------------------------------------------------------- helpers


@cache
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def _select(root: HtmlElement, selector: str | None) -> list[HtmlElement]:
    if not selector:
        return []
    try:
        return _css(selector)(root)
    except (etree.XPathError, ValueError, SyntaxError) as err:  # cssselect raises SelectorError(SyntaxError)
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
    bad = sum(1 for ch in head if ch == "\x00" or ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad > len(head) * 0.1


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _site_names(metas: dict[str, str], url: str | None) -> list[str]:
    names = [metas.get("og:site_name", ""), metas.get("application-name", "")]
    host = urlsplit(url).hostname if url else None
    if host:
        labels = [p for p in host.split(".") if p not in ("www", "vn", "com", "gov", "org", "net", "edu")]
        names.extend(labels[-1:])
    return [n for n in names if n]


def _strip_site_suffix(title: str, site_names: list[str]) -> str:
    """Drop " - Báo Nhân Dân"-style suffixes (and a leading "Site | " prefix) from a page title."""
    keys = [_key(n).replace(" ", "") for n in site_names]
    for _ in range(2):
        parts = _TITLE_SEP_RE.split(title)
        if len(parts) < 2:
            break
        last, rest = parts[-1], title[: title.rfind(parts[-1])]
        rest = _TITLE_SEP_RE.sub(" - ", rest).rstrip(" -|–—»:")
        compact = _key(last).replace(" ", "")
        is_site = any(k and (k in compact or compact in k) for k in keys) or (
            _OUTLET_RE.match(last) is not None and len(last.split()) <= 8
        )
        if not is_site or len(rest.split()) < 3:
            first = parts[0]
            compact_first = _key(first).replace(" ", "")
            if any(k and (k in compact_first or compact_first in k) for k in keys) and len(parts) == 2:
                return parts[1].strip()
            break
        title = title[: title.rfind(last)].rstrip(" -|–—»:")
    return title.strip()


def _choose_title(
    root: HtmlElement,
    metas: dict[str, str],
    title_el: HtmlElement | None,
    url: str | None,
) -> str | None:
    """og:title, else the page h1, else <title>; site-name suffixes stripped."""
    names = _site_names(metas, url)
    og = metas.get("og:title") or metas.get("twitter:title") or ""
    h1 = " ".join(title_el.text_content().split()) if title_el is not None else ""
    title_tag = root.find(".//title")
    page_title = " ".join(title_tag.text_content().split()) if title_tag is not None else ""
    og = _strip_site_suffix(og, names) if og else ""
    if og and h1 and _key(og) not in _key(h1) and _key(h1) not in _key(og):
        og = ""  # og:title of another thing (site name, section): trust the visible heading
    if og and any(_key(og) == _key(n) for n in names):
        og = ""
    for candidate in (og, h1, _strip_site_suffix(page_title, names) if page_title else ""):
        if candidate and len(candidate) >= 3:
            return candidate
    return None


def _author_from_jsonld(objects: list[dict[str, Any]]) -> str | None:
    """Person names from JSON-LD ``author`` (organisations are the outlet, not an author)."""
    for obj in objects:
        author = obj.get("author")
        items = author if isinstance(author, list) else [author]
        names = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                if "organization" not in str(item.get("@type", "")).lower():
                    names.append(item["name"].strip())
            elif isinstance(item, str):
                names.append(item.strip())
        names = [n for n in names if n and not n.startswith("http")]
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


def _clean_author(raw: str | None, site_names: Sequence[str] = ()) -> str | None:
    """Tidy a byline; None for empty, URL-like or site-name values ("VnExpress" is not an author)."""
    if not raw:
        return None
    author = _AUTHOR_LABEL_RE.sub("", " ".join(raw.split())).strip(" -|,")
    if not author or len(author) > 80 or author.startswith("http"):
        return None
    compact = _key(author).replace(" ", "")
    if any(k and (k in compact or compact in k) for k in (_key(n).replace(" ", "") for n in site_names)):
        return None
    return author


def _choose_author(
    root: HtmlElement,
    metas: dict[str, str],
    objects: list[dict[str, Any]],
    site_names: list[str],
) -> str | None:
    """meta author, else JSON-LD person, else a byline element (class author/byline/tac-gia)."""
    for key in ("author", "article:author", "dc.creator", "dable:author"):
        author = _clean_author(metas.get(key), site_names)
        if author:
            return author
    author = _clean_author(_author_from_jsonld(objects), site_names)
    if author:
        return author
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "html", "body"):
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if marker.strip() and _AUTHOR_CLASS_RE.search(marker) and not is_boilerplate(el):
            text = " ".join(el.text_content().split())
            author = _clean_author(text, site_names) if 2 <= len(text) <= 60 else None
            if author:
                return author
    return None


def _canonical_url(root: HtmlElement, metas: dict[str, str], url: str | None) -> str | None:
    href = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href", "").strip()
            break
    href = href or metas.get("og:url")
    if not href:
        return None
    return urljoin(url, href) if url else href


def _positions(root: HtmlElement) -> dict[HtmlElement, int]:
    return {el: i for i, el in enumerate(root.iter())}


def _lead_candidate_ok(el: HtmlElement) -> bool:
    if is_boilerplate(el) or any(a.tag == "a" for a in el.iterancestors()):
        return False
    text = el.text_content()
    if not _LEAD_MIN_CHARS <= len(text.strip()) <= _LEAD_MAX_CHARS:
        return False
    links = sum(len(a.text_content()) for a in el.iter("a"))
    if links > 0.3 * len(text):
        return False
    return not in_noise_block(el)


def _find_lead(root: HtmlElement, title_el: HtmlElement | None, metas: dict[str, str]) -> str | None:
    """The sapo: a known sapo element after the title; else meta description if the page shows it."""
    positions: dict[HtmlElement, int] | None = None
    for selector in SAPO_SELECTORS + GENERIC_LEAD_SELECTORS:
        generic = selector in GENERIC_LEAD_SELECTORS
        for el in _select(root, selector):
            if not _lead_candidate_ok(el):
                continue
            if title_el is not None:
                positions = positions or _positions(root)
                if positions.get(el, 0) < positions.get(title_el, 0):
                    continue
            text = element_text(el)
            if text and (not generic or is_vietnamese(text)):
                return text
    description = metas.get("description") or metas.get("og:description") or ""
    key = _key(description)[:60]
    if len(key) < 30:
        return None
    for el in root.iter("p", "h2", "h3", "div", "span", "strong", "em"):
        if el.tag == "div" and len(el) > 3:
            continue
        text = " ".join(el.text_content().split())
        if len(text) < len(key) or len(text) > 1.5 * len(description) + 50:
            continue
        if _key(text).startswith(key) and not is_boilerplate(el) and is_vietnamese(text):
            return text
    return None


def _trafilatura_body(root: HtmlElement, url: str | None) -> str:
    try:
        doc = trafilatura.bare_extraction(root, url=url, with_metadata=False, **TRAFILATURA_OPTIONS)
    except (ValueError, TypeError, AttributeError, etree.LxmlError) as err:  # malformed trees
        logger.info("trafilatura failed on %s: %s", url, err)
        return ""
    if doc is None:
        return ""
    text = doc.text if hasattr(doc, "text") else doc.get("text")  # Document in 2.x, dict before
    return text or ""


def _starts_a_paragraph(body: str, lead: str) -> bool:
    """True when some body paragraph begins with the lead (the extractor kept the sapo).

    Containment anywhere is not enough: articles often restate the sapo later in the body.
    """
    key = _key(lead)[:120]
    return bool(key) and any(_key(p).startswith(key) for p in body.split("\n") if p)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


# ------------------------------------------------------------------------- public API


@dataclass
class _PageMeta:
    title: str | None
    author: str | None
    published: datetime | None
    published_from: str | None
    canonical: str | None
    title_el: HtmlElement | None
    metas: dict[str, str]


def _read_metadata(root: HtmlElement, url: str | None, selectors: Selectors) -> _PageMeta:
    """Title, author, date and canonical URL, read before any cleanup touches the tree."""
    metas = meta_map(root)
    objects = list(iter_jsonld(root))
    title_tag = root.find(".//title")
    hints = [metas.get("og:title", ""), title_tag.text_content() if title_tag is not None else ""]
    title_el = find_title_element(root, hints)
    title = _first_text(root, selectors.title) or _choose_title(root, metas, title_el, url)
    site_names = _site_names(metas, url)
    author = _clean_author(_first_text(root, selectors.author)) or _choose_author(
        root, metas, objects, site_names
    )
    published: datetime | None = None
    published_from: str | None = None
    date_text = _first_text(root, selectors.date)
    if date_text:
        published = parse_vi_datetime(date_text)
        published_from = "visible" if published else None
    if published is None:
        published, published_from = find_published(root, url)
    return _PageMeta(
        title, author, published, published_from, _canonical_url(root, metas, url), title_el, metas
    )


def _body_text(root: HtmlElement, url: str | None, selectors: Selectors) -> str:
    """The body selector's text when it matches, else trafilatura's extraction."""
    if selectors.body:
        body = "\n".join(element_text(el) for el in _select(root, selectors.body))
        if body.strip():
            return body
        # a changed template must not lose the article
        logger.warning(
            "body selector %r matched nothing on %s; using generic extraction", selectors.body, url
        )
    return _trafilatura_body(root, url)


def extract_html(
    html: str | bytes, url: str | None = None, selectors: Selectors | None = None
) -> Extracted | None:
    """Extract title, lead, body text, author, publication date and canonical URL from a page.

    Returns None (and logs why) when the page has no usable article text; never raises on bad
    HTML (empty, binary, truncated, malformed). ``language`` is left to the caller
    (pipeline.language.detect_language costs as much as the extraction itself).
    """
    if isinstance(html, bytes):
        html = decode_html(html)[0]
    if not html or not html.strip():
        logger.info("empty page: %s", url)
        return None
    if _looks_binary(html):
        logger.info("binary content, not HTML: %s", url)
        return None
    root = parse_html(nfc(html))
    if root is None:
        logger.info("unparseable HTML: %s", url)
        return None
    selectors = selectors or Selectors()
    meta = _read_metadata(root, url, selectors)

    for selector in selectors.remove:
        for el in _select(root, selector):
            if el.getparent() is not None:
                el.drop_tree()
    lead = (
        _first_text(root, selectors.lead) if selectors.lead else _find_lead(root, meta.title_el, meta.metas)
    )
    removed = clean_dom(root)
    body = _body_text(root, url, selectors)

    if lead:
        lead, prefix = strip_lead_prefix(clean_whitespace(lead).replace("\n", " "))
        if prefix:
            removed.insert(0, prefix)
    cleaned = clean_lines_detailed(body, meta.title)
    removed = cleaned.removed + removed
    if lead and _starts_a_paragraph(cleaned.text, lead):
        # the extractor kept the sapo; if it carried the outlet prefix, cleanup already took it off
        lead = cleaned.lead or lead
        text = cleaned.text
    elif lead:
        text = f"{lead}\n\n{cleaned.text}" if cleaned.text else lead
    else:
        lead = cleaned.lead
        text = cleaned.text
    if _letters(text) < _MIN_TEXT_LETTERS:
        logger.info("no usable body text (%d letters): %s", _letters(text), url)
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
    )


def extract_text(text: str, url: str | None = None, published: datetime | None = None) -> Extracted:
    """Treat a plain-text body as already extracted: title from its first line, noise lines removed.

    The publication date is, in order: ``published`` if given, the dateline near the top of the
    text, the date in ``url``.
    """
    text = nfc(text or "")
    cleaned = clean_lines_detailed(text, detect_title=True)
    published_from: str | None = None
    if published is not None:
        published, published_from = _aware(published), "given"
    else:
        limit = datetime.now(TZ) + timedelta(days=1)
        found = parse_vi_datetime(cleaned.dateline) if cleaned.dateline else find_published_in_text(text)
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
