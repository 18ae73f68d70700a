"""Small lxml helpers shared by extraction and date finding: parse once, read metadata, walk the tree."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from pipeline.text import fold

logger = logging.getLogger(__name__)

__all__ = [
    "BLOCK_TAGS",
    "MAX_ELEMENTS",
    "cap_elements",
    "element_text",
    "find_title_element",
    "is_boilerplate",
    "iter_jsonld",
    "meta_map",
    "parse_html",
    "prune_empty",
    "unwrap_layout_tables",
]

# Elements that start a new paragraph when a subtree is turned into text.
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_BOILERPLATE_TAGS = frozenset(("nav", "footer", "aside"))
_CONTENT_TAGS = frozenset(("article", "main"))
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python call for each
# element proxy made (about 4,400 per page), only to hand out form classes we never use.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction
    )
)
_WS_RE = re.compile(r"\s+")
# Control characters XML forbids: lxml keeps them, and trafilatura's tree serialisation then
# fails silently and returns no text at all (one BEL byte empties a whole page).
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVALID_XML_BYTES_RE = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_html(html: str | bytes) -> HtmlElement | None:
    """Parse a page with lxml; None for empty or unparseable input (never raises)."""
    if isinstance(html, str):
        html = _XML_DECL_RE.sub("", html, count=1)
        html = _INVALID_XML_RE.sub("", html).encode("utf-8", errors="replace")
    else:
        html = _INVALID_XML_BYTES_RE.sub(b"", html)
    if not html or not html.strip():
        return None
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError, TypeError) as err:
        logger.debug("lxml could not parse the page: %s", err)
        return None
    return root


# Empty elements that carry nothing for extraction (ad slots, spacers, clearfix divs) when their
# attributes are only these: a date or id in another attribute (datetime, data-*) keeps the element.
_EMPTY_BLOCK_TAGS = frozenset(
    ("div", "p", "section", "li", "ul", "ol", "aside", "figure", "center", "article", "header", "footer")
)
_EMPTY_INLINE_TAGS = frozenset(("span", "ins", "font", "i", "b", "em", "strong", "small", "u"))
_EMPTY_ATTRS = frozenset(("class", "id", "style", "role", "align", "aria-hidden", "aria-label"))
# Pages beyond this many elements (after pruning) are cut: the article sits near the top of a
# page, and trafilatura's own XPath queries grow faster than linearly with the tree.
MAX_ELEMENTS = 20_000


def prune_empty(root: HtmlElement) -> int:
    """Remove empty layout elements in one linear pass; return how many were removed.

    A page padded with thousands of empty ``<div class="ad-slot">`` is thus no bigger for
    extraction than the page without them. Children are visited before their parents, so a
    wrapper holding only empty elements goes too. An inline element goes only without a tail
    (its whitespace may separate two words); a block element's whitespace tail is not text.
    """
    removed = 0
    for el in reversed(list(root.iter())):
        tag = el.tag
        if tag not in _EMPTY_BLOCK_TAGS and tag not in _EMPTY_INLINE_TAGS:
            continue
        if len(el) or (el.text and el.text.strip()) or not _EMPTY_ATTRS.issuperset(el.attrib):
            continue
        tail = el.tail
        if tail and (tag in _EMPTY_INLINE_TAGS or tail.strip()):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        parent.remove(el)  # takes the whitespace tail along: no string concatenation
        removed += 1
    return removed


_TABLE_PARTS = frozenset(("table", "tbody", "thead", "tfoot", "tr", "td", "th"))
_LAYOUT_MARKERS = "h1|h2|form|select|nav"
# A cell this long, made of several paragraphs, is a page column, not a table cell.
_LAYOUT_CELL_CHARS = 600
_LAYOUT_CELL_BLOCKS = 3


def _is_layout_table(table: HtmlElement) -> bool:
    if table.get("role") == "presentation":
        return True
    if table.find("caption") is not None or table.find("thead") is not None:
        return False
    if table.xpath(f"(.//{' | .//'.join(_LAYOUT_MARKERS.split('|'))})[1]"):
        return True
    rows = table.xpath("./tr | ./tbody/tr")
    for row in rows:
        cells = row.xpath("./td | ./th")
        if len(cells) < 2 and len(rows) > 1:
            continue
        for cell in cells:
            blocks = cell.xpath("./p | ./div | ./table | ./ul")
            if len(blocks) >= _LAYOUT_CELL_BLOCKS and len(cell.text_content()) >= _LAYOUT_CELL_CHARS:
                return True
    return False


def unwrap_layout_tables(root: HtmlElement) -> int:
    """Turn tables that lay out the page (columns of an old portal) into plain blocks.

    trafilatura keeps a table as one "| a | b |" row per ``<tr>``: a page laid out in a table
    comes out as one line holding the menu column, the article and the visitor counter, which
    no line rule can then take apart. A layout table holds the page title or a form, or a cell
    of several paragraphs; a data table in an article does not. Returns how many were unwrapped.
    """
    count = 0
    for table in list(root.iter("table")):
        if table.tag != "table" or not _is_layout_table(table):
            continue
        count += 1
        for el in [table, *table.xpath("./tr | ./tbody | ./thead | ./tfoot | ./*/tr")]:
            el.tag = "div"
            for cell in el.xpath("./td | ./th"):
                cell.tag = "div"
    return count


def cap_elements(root: HtmlElement, limit: int = MAX_ELEMENTS) -> int:
    """Cut the tree after its first ``limit`` elements (document order); return how many went.

    A bound on extraction's work, whatever the page holds: every element after the limit is
    removed, with the following siblings of the limit element and of each of its ancestors.
    """
    total = 0
    cut: HtmlElement | None = None
    for el in root.iter():
        total += 1
        if total == limit:
            cut = el
    if cut is None or total <= limit:
        return 0
    node: HtmlElement | None = cut
    # the limit element's own subtree is after it in document order too
    for child in list(cut):
        cut.remove(child)
    while node is not None:
        sibling = node.getnext()
        while sibling is not None:
            following = sibling.getnext()
            node.getparent().remove(sibling)
            sibling = following
        node = node.getparent()
    return total - sum(1 for _ in root.iter())


def is_boilerplate(el: HtmlElement) -> bool:
    """True inside nav/footer/aside, or inside a page <header> (one not within article/main)."""
    in_header = False
    node: HtmlElement | None = el
    while node is not None:
        tag = node.tag
        if tag in _BOILERPLATE_TAGS:
            return True
        if tag == "header":
            in_header = True
        elif tag in _CONTENT_TAGS and in_header:
            return False
        node = node.getparent()
    return in_header


def meta_map(root: HtmlElement) -> dict[str, str]:
    """First non-empty ``content`` of every ``<meta>``, keyed by lowercased name/property/itemprop."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                found.setdefault(key.strip().lower(), content)
    return found


def _loads_lenient(raw: str) -> Any:
    """json.loads that survives the usual CMS slips (control characters, trailing commas)."""
    try:
        return json.loads(raw, strict=False)
    except json.JSONDecodeError:
        pass
    fixed = re.sub(r",\s*([}\]])", r"\1", raw)
    try:
        return json.loads(fixed, strict=False)
    except json.JSONDecodeError as err:
        logger.debug("unreadable JSON-LD block: %s", err)
        return None


def _walk_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _walk_jsonld(graph)
        main = data.get("mainEntity")
        if isinstance(main, dict | list):
            yield from _walk_jsonld(main)


def iter_jsonld(root: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, flattening lists and ``@graph``."""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if raw:
            yield from _walk_jsonld(_loads_lenient(raw))


def element_text(el: HtmlElement) -> str:
    """Text of a subtree with one line per block element (lxml's text_content() glues blocks)."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    tail, el.tail = el.tail, None
    try:
        walk(el)
    finally:
        el.tail = tail
    lines = (_WS_RE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _key(s: str) -> str:
    return _WS_RE.sub(" ", fold(s)).strip()


def find_title_element(root: HtmlElement, hints: list[str] | tuple[str, ...] = ()) -> HtmlElement | None:
    """The element showing the article title: the anchor after which the dateline sits.

    Prefers an h1 (outside nav/footer/aside/page header) whose text matches a hint (og:title,
    <title>); then any element with "title" in its class/id that matches; then the first such h1
    with a few words (a logo h1 is usually one or two words).
    """
    keys = [_key(h) for h in hints if h and len(h.strip()) >= 8]

    def matches(el: HtmlElement) -> bool:
        text = _key(el.text_content())
        if len(text) < 8:
            return False
        return any(text in k or k in text or (len(text) > 30 and k.startswith(text[:30])) for k in keys)

    h1s = [h for h in root.iter("h1") if not is_boilerplate(h)]
    for h in h1s:
        if matches(h):
            return h
    if keys:
        for el in root.iter():
            if not isinstance(el.tag, str) or el.tag in ("title", "meta", "a", "html", "body", "head"):
                continue
            marker = f"{el.get('class', '')} {el.get('id', '')}".lower()
            if "title" in marker and len(el) <= 3 and matches(el) and not is_boilerplate(el):
                return el
    for h in h1s:
        if len(h.text_content().split()) >= 4:
            return h
    return None
