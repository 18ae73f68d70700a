"""The lead paragraph (sapo) of Vietnamese news pages.

Vietnamese sites print the sapo in its own element above the body (nhandan/vietnamplus
``div.article__sapo``, baochinhphu ``h2.detail-sapo``, VnExpress ``p.description``); generic
extractors drop it. This module finds it; :mod:`pipeline.extract` puts it back in front of the body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from cssselect import GenericTranslator
from lxml import etree
from lxml.html import HtmlElement

from pipeline.extract.htmltree import element_text, is_boilerplate
from pipeline.extract.noise import in_noise_block, is_vietnamese
from pipeline.text import fold

logger = logging.getLogger(__name__)

__all__ = ["GENERIC_LEAD_SELECTORS", "SAPO_SELECTORS", "find_lead", "starts_a_paragraph"]

# Most specific first. Site-specific names are trusted in any language (English editions use them
# too); generic names, and meta description (see find_lead), only on Vietnamese text, because on
# other sites ".summary"/".lead" often hold teasers that are not article text.
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
_LEAD_MIN_CHARS, _LEAD_MAX_CHARS = 20, 1500
_LEAD_MAX_LINK_SHARE = 0.3
_MATCH_CHARS = 120  # a body paragraph starting with the lead's first 120 characters is the lead


def _class_keywords(selectors: Sequence[str]) -> list[str]:
    """Class names and substrings the selectors test, to prefilter the tree in one pass."""
    words: list[str] = []
    for selector in selectors:
        for pair in re.findall(r"\.([\w-]+)|\[class\*=[\"']?([\w-]+)", selector):
            words.extend(w for w in pair if w)
    return sorted(set(words))


_ORDER = SAPO_SELECTORS + GENERIC_LEAD_SELECTORS
_CLASS_RE = re.compile("|".join(map(re.escape, _class_keywords(_ORDER))))
_TESTS = tuple(etree.XPath(GenericTranslator().css_to_xpath(sel, prefix="self::")) for sel in _ORDER)


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _positions(root: HtmlElement) -> dict[HtmlElement, int]:
    return {el: i for i, el in enumerate(root.iter())}


def _candidate_ok(el: HtmlElement) -> bool:
    """Not navigation, not a link or a teaser inside a related-news list, sapo-sized."""
    if is_boilerplate(el) or any(a.tag == "a" for a in el.iterancestors()):
        return False
    text = el.text_content()
    if not _LEAD_MIN_CHARS <= len(text.strip()) <= _LEAD_MAX_CHARS:
        return False
    if sum(len(a.text_content()) for a in el.iter("a")) > _LEAD_MAX_LINK_SHARE * len(text):
        return False
    return not in_noise_block(el)


def _from_description(root: HtmlElement, metas: dict[str, str]) -> str | None:
    """meta description, but only when the page shows it as the start of an element."""
    description = metas.get("description") or metas.get("og:description") or ""
    key = _key(description)[:60]
    if len(key) < 30 or not is_vietnamese(description):
        return None
    for el in root.iter("p", "h2", "h3", "div", "span", "strong", "em"):
        if el.tag == "div" and len(el) > 3:
            continue
        text = " ".join(el.text_content().split())
        fits = len(key) <= len(text) <= 1.5 * len(description) + 50
        if fits and _key(text).startswith(key) and not is_boilerplate(el):
            return text
    return None


def find_lead(root: HtmlElement, title_el: HtmlElement | None, metas: dict[str, str]) -> str | None:
    """The sapo: the best-ranked sapo element after the title, else a shown meta description."""
    best: tuple[int, str] | None = None
    positions: dict[HtmlElement, int] | None = None
    for el in root.xpath("//body/descendant::*[@class]"):
        if not _CLASS_RE.search(el.get("class", "")):
            continue
        rank = next((i for i, test in enumerate(_TESTS) if test(el)), None)
        if rank is None or (best is not None and rank >= best[0]) or not _candidate_ok(el):
            continue
        if title_el is not None:
            positions = positions or _positions(root)
            if positions.get(el, 0) < positions.get(title_el, 0):
                continue  # above the title: a teaser of another article
        text = element_text(el)
        if text and (_ORDER[rank] in SAPO_SELECTORS or is_vietnamese(text)):
            best = (rank, text)
    if best is not None:
        return best[1]
    return _from_description(root, metas)


def starts_a_paragraph(body: str, lead: str) -> bool:
    """True when some body paragraph begins with the lead (the extractor kept the sapo).

    Containment anywhere is not enough: articles often restate the sapo later in the body.
    """
    key = _key(lead)[:_MATCH_CHARS]
    return bool(key) and any(_key(p).startswith(key) for p in body.split("\n") if p)
