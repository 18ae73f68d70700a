"""Vietnamese page-noise cleanup, at two levels.

* DOM level (:func:`clean_dom`), before generic extraction: players, captions, comment boxes,
  related-news blocks, share/print buttons, visitor counters, page header/footer/nav/aside.
* Line level (:func:`clean_lines`), on extracted or plain text: outlet prefixes (``NDO -``),
  player text, image names and alt lines, photo credits and captions, repeated lines and titles,
  datelines and bylines, comment prompts, related headings, counters, site headers and footers.

The rules are data (``noise_rules.yaml``, loaded once); this module only applies them. Every
removal is reported so that it can be explained. Precision comes first: a rule that is not
sure leaves the line alone.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern
from typing import Any

from lxml.html import HtmlElement

from pipeline import yamlfile
from pipeline.extract.counters import find_counter_blocks
from pipeline.extract.dates import is_dateline
from pipeline.text import clean_whitespace, nfc, normalize

logger = logging.getLogger(__name__)

__all__ = [
    "LineCleanup",
    "NoiseRules",
    "clean_dom",
    "clean_lines",
    "clean_lines_detailed",
    "in_noise_block",
    "is_vietnamese",
    "load_rules",
    "strip_lead_prefix",
]

RULES_FILE = Path(__file__).with_name("noise_rules.yaml")

_VI_LETTERS_RE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
_LETTER_RE = re.compile(r"[^\W\d_]")
_BULLET_RE = re.compile(r"^[•·●▪■◦►▸»]\s*")
_TERMINAL_RE = re.compile(r"[.!?…:;][\"'”’»)]*$")
_WORD_RE = re.compile(r"\w+")
_NAME_TOKEN_RE = re.compile(r"^[^\W\d_][^\W\d_.]*\.?(?:[^\W\d_]\.?)*$")
_BYLINE_SUFFIX_RE = re.compile(r"\s*(?:[-–—]\s*[^\n]{1,60}|\([^()]{1,40}\))$")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?…]\s+\S")

_CENTER_RE = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_CAPTION_BLOCK_TAGS = frozenset(("p", "div", "span", "em", "i", "figcaption", "small"))
# Short text nodes: candidate block headings ("TIN LIÊN QUAN"); evaluated once, in C.
_SHORT_TEXT_XPATH = (
    "descendant::text()[string-length(normalize-space(.)) >= 4 and string-length(normalize-space(.)) <= 40]"
)
# A block is kept if it holds the h1, over half the page text, or 30% of its paragraph text.
_GUARD_PAGE_SHARE = 0.5
_GUARD_P_SHARE = 0.3
# A block classed as a caption that holds more text than this is a video page's description or
# a lead box ("item-caption" wrapping author and summary), not a photo caption.
_CAPTION_CLASS_MAX_CHARS = 600
_LINK_LIST_DENSITY = 0.5

# Length limits (in words) that keep the caption and byline heuristics away from body paragraphs.
_CAPTION_MAX_WORDS = 30
_CAPTION_PERIOD_MAX_WORDS = 20
_AFTER_IMAGE_CAPTION_MAX_WORDS = 25
_CREDIT_CAPTION_MAX_WORDS = 60
_IMAGE_ALT_MAX_WORDS = 40
_BYLINE_MAX_WORDS = 6
_BYLINE_UNIT_MAX_WORDS = 8
_RELATED_TITLE_MAX_WORDS = 25
_HEADER_SCAN_LINES = 15
_HEADER_LINE_MAX_WORDS = 15
_TITLE_MAX_WORDS = 35
_DOM_CAPTION_MAX_WORDS = 30
_DOM_CENTRED_CAPTION_MAX_WORDS = 20
_TOKEN_CACHE_SIZE = 100_000


@dataclass(frozen=True)
class NoiseRules:
    """Compiled rules from ``noise_rules.yaml``."""

    drop_tags: frozenset[str]
    drop_tags_outside_article: frozenset[str]
    drop_class: tuple[tuple[str, Pattern[str]], ...]
    drop_class_any: Pattern[str]  # all drop_class patterns in one, a named group per rule
    related_headings: frozenset[str]
    line_drop: tuple[tuple[str, Pattern[str]], ...]
    line_drop_other: tuple[tuple[str, Pattern[str]], ...]  # lines of non-Vietnamese text only
    related_heading_line: Pattern[str]
    header_markers: frozenset[str]
    footer_strong: Pattern[str]
    footer_weak: Pattern[str]
    lead_prefix: Pattern[str]
    known_outlets: frozenset[str]
    byline_unit: Pattern[str]
    caption_credit: Pattern[str]
    image_alt: Pattern[str]
    caption_starts: Pattern[str]
    caption_ends: Pattern[str]
    caption_not: Pattern[str]
    counter_marker: Pattern[str]
    counter_words: frozenset[str]
    token_cache: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)


def _rx(pattern: str, *, case: bool = False, full: bool = False) -> Pattern[str]:
    if full:
        pattern = f"(?:{pattern})"
    return re.compile(pattern, 0 if case else re.IGNORECASE)


@functools.cache
def load_rules(path: str | None = None) -> NoiseRules:
    """Load and compile the rule file once (``path`` defaults to the packaged rules)."""
    raw: dict[str, Any] = yamlfile.safe_load(Path(path or RULES_FILE).read_text(encoding="utf-8"))
    dom, lines, other = raw["dom"], raw["lines"], raw.get("other_languages") or {}
    prefix = lines["lead_prefix"]
    headings = list(dom["related_headings"]) + list(other.get("related_headings", ()))
    return NoiseRules(
        drop_tags=frozenset(dom["drop_tags"]),
        drop_tags_outside_article=frozenset(dom["drop_tags_outside_article"]),
        drop_class=tuple((name, _rx(p)) for name, p in dom["drop_class"].items()),
        drop_class_any=_rx("|".join(f"(?P<{name}>{p})" for name, p in dom["drop_class"].items())),
        related_headings=frozenset(h.lower() for h in headings),
        line_drop=tuple((r["name"], _rx(r["pattern"], full=True)) for r in lines["drop"]),
        line_drop_other=tuple((r["name"], _rx(r["pattern"], full=True)) for r in other.get("drop", ())),
        related_heading_line=_rx("(" + "|".join(map(re.escape, headings)) + r")\s*:?"),
        header_markers=frozenset(lines["header_markers"]),
        footer_strong=_rx(lines["footer"]["strong"]),
        footer_weak=_rx(lines["footer"]["weak"]),
        lead_prefix=_rx(prefix["pattern"], case=prefix.get("case", False)),
        known_outlets=frozenset(o.lower() for o in prefix.get("known_outlets", ())),
        byline_unit=_rx(lines["byline_unit"]),
        caption_credit=_rx(lines["caption_credit"]),
        image_alt=_rx(lines["image_alt"]),
        caption_starts=_rx(lines["caption_phrases"]["starts"]),
        caption_ends=_rx(lines["caption_phrases"]["ends"]),
        caption_not=_rx(lines["caption_phrases"]["not"]),
        counter_marker=_rx(dom["counter_blocks"]["marker"]),
        counter_words=frozenset(dom["counter_blocks"]["words"].lower().split()),
    )


def is_vietnamese(text: str) -> bool:
    """Cheap check that a text is Vietnamese (Vietnamese-only letters are ~30% of its letters)."""
    sample = text[:3000]
    letters = len(_LETTER_RE.findall(sample))
    return letters > 0 and len(_VI_LETTERS_RE.findall(sample)) >= max(3, letters * 0.08)


# --------------------------------------------------------------------------- DOM level


def _describe(el: HtmlElement, reason: str) -> str:
    text = " ".join(el.text_content().split())
    return f"[{reason}] {text[:200]}" if text else f"[{reason}] <{el.tag}>"


def _inside_article(el: HtmlElement) -> bool:
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _link_density(el: HtmlElement) -> float:
    text = len("".join(el.text_content().split()))
    if not text:
        return 0.0
    links = sum(len("".join(a.text_content().split())) for a in el.iter("a"))
    return links / text


def _class_tokens(el: HtmlElement) -> list[str]:
    raw = f"{el.get('class', '')} {el.get('id', '')}".lower().replace("_", "-")
    return raw.split()


def _token_rule(rules: NoiseRules, token: str) -> str | None:
    """Name of the drop_class rule a class/id token matches (memoised: tokens repeat a lot)."""
    cache = rules.token_cache
    if token in cache:
        return cache[token]
    m = rules.drop_class_any.search(token)
    name = next((n for n, value in m.groupdict().items() if value is not None), None) if m else None
    if len(cache) < _TOKEN_CACHE_SIZE:
        cache[token] = name
    return name


def _p_text(el: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def clean_dom(
    tree: HtmlElement,
    rules: NoiseRules | None = None,
    *,
    keep: frozenset[str] = frozenset(),
    sizes: dict[str, int] | None = None,
) -> list[str]:
    """Remove noise elements in place before extraction; return what was removed (and why).

    An element holding the page's h1, or a large share of the page's text or paragraph text, is
    never removed, so a wrapper such as ``<div class="main-content detail">`` or
    ``<div class="entry-content related-links">`` cannot take the body with it. Class rules named
    in ``keep`` are not applied; ``sizes`` (when given) adds up the characters dropped per rule,
    so the caller can tell when a "comments" block was the page's content (a forum thread, a live
    ticker) and extract again keeping it.
    """
    rules = rules or load_rules()
    body = tree.find("body")
    scope = body if body is not None else tree
    page_text = scope.text_content()
    total = len(page_text)
    total_p = _p_text(scope)
    removed: list[str] = []

    def attached(el: HtmlElement) -> bool:  # not inside a block dropped earlier
        ancestors = list(el.iterancestors())
        return (ancestors[-1] if ancestors else el) is tree

    def guarded_drop(el: HtmlElement, reason: str) -> None:
        if el is scope or el is tree or el.getparent() is None or not attached(el):
            return
        if el.tag != "h1" and el.find(".//h1") is not None:
            return
        size = len(el.text_content())
        if total > 500 and size > total * _GUARD_PAGE_SHARE:
            logger.debug("kept %s block holding most of the page text (%d/%d)", reason, size, total)
            return
        p_size = _p_text(el) if total_p else 0
        if p_size > 300 and p_size > total_p * _GUARD_P_SHARE:
            logger.debug("kept %s block holding much paragraph text (%d/%d)", reason, p_size, total_p)
            return
        removed.append(_describe(el, reason))
        if sizes is not None:
            sizes[reason] = sizes.get(reason, 0) + size
        el.drop_tree()

    for el in list(scope.iter(*rules.drop_tags)):
        if el.tag not in keep:
            guarded_drop(el, el.tag)
    for el in list(scope.iter(*rules.drop_tags_outside_article)):
        if not _inside_article(el):
            guarded_drop(el, el.tag)
    # Headings before classes: a "related-title" heading must take its link list with it.
    _drop_related_blocks(scope, rules, guarded_drop)
    for el in scope.xpath("descendant::*[@class or @id]"):
        for tok in _class_tokens(el):
            reason = _token_rule(rules, tok)
            if reason and reason not in keep:
                if reason == "caption" and len(el.text_content()) > _CAPTION_CLASS_MAX_CHARS:
                    break
                guarded_drop(el, reason)
                break
    for caption in _captions_after_images(scope):
        guarded_drop(caption, "caption_after_image")
    if "counter" not in keep:
        for block in find_counter_blocks(scope, rules.counter_marker, rules.counter_words, page_text):
            guarded_drop(block, "counter")
    if removed:
        logger.debug("clean_dom removed %d elements", len(removed))
    return removed


def _is_italic_block(el: HtmlElement) -> bool:
    text = "".join(el.text_content().split())
    italic = "".join("".join(i.text_content().split()) for i in el.iter("em", "i"))
    return bool(text) and (el.tag in ("em", "i") or italic == text)


def _captions_after_images(scope: HtmlElement) -> list[HtmlElement]:
    """Unmarked captions: the short italic or centred line right after an image block.

    Vietnamese CMSs (Joomla, Liferay, ASP.NET portals) write ``<p><img></p><p><em>caption</em></p>``.
    Only Vietnamese lines qualify.
    """
    found: list[HtmlElement] = []
    for img in scope.iter("img"):
        block = img
        parent = block.getparent()
        while parent is not None and parent is not scope and not parent.text_content().strip():
            block, parent = parent, parent.getparent()
        nxt = block.getnext()
        if nxt is None or not isinstance(nxt.tag, str) or nxt.tag not in _CAPTION_BLOCK_TAGS:
            continue
        text = nxt.text_content().strip()
        if not text or len(text.split()) > _DOM_CAPTION_MAX_WORDS or nxt.find(".//img") is not None:
            continue
        if not is_vietnamese(text):  # elsewhere an italic line under a picture is often a pull quote
            continue
        centred = _CENTER_RE.search(nxt.get("style", "")) or (nxt.get("align") or "").lower() == "center"
        if _is_italic_block(nxt) or (centred and len(text.split()) <= _DOM_CENTRED_CAPTION_MAX_WORDS):
            found.append(nxt)
    return found


def in_noise_block(el: HtmlElement, kinds: tuple[str, ...] = ("related", "comments")) -> bool:
    """True when an ancestor of ``el`` carries a noise class of one of ``kinds`` (e.g. a related list)."""
    patterns = [p for name, p in load_rules().drop_class if name in kinds]
    for anc in el.iterancestors():
        if any(p.search(tok) for tok in _class_tokens(anc) for p in patterns):
            return True
    return False


def _drop_related_blocks(
    scope: HtmlElement, rules: NoiseRules, drop: Callable[[HtmlElement, str], None]
) -> None:
    """Drop "TIN LIÊN QUAN"-style headings with the link list they open."""
    for node in scope.xpath(_SHORT_TEXT_XPATH):
        if " ".join(str(node).split()).rstrip(" :").lower() not in rules.related_headings:
            continue
        heading = node.getparent()
        if node.is_tail or heading is None or heading.getparent() is None:
            continue
        # the heading element is the largest ancestor showing nothing but this text
        own = " ".join(heading.text_content().split())
        while heading.getparent() is not None and heading.getparent() is not scope:
            if " ".join(heading.getparent().text_content().split()) != own:
                break
            heading = heading.getparent()
        # Climb to the smallest ancestor that is a link list (the block the heading titles).
        block, parent = heading, heading.getparent()
        while (
            parent is not None
            and parent is not scope
            and parent.tag not in ("article", "main", "body")
            and len(parent.text_content()) < 5000
            and _link_density(parent) >= _LINK_LIST_DENSITY
        ):
            block, parent = parent, parent.getparent()
        if block is not heading:
            drop(block, "related")
            continue
        siblings = []
        for sib in heading.itersiblings():
            if not isinstance(sib.tag, str) or _link_density(sib) < _LINK_LIST_DENSITY:
                break
            siblings.append(sib)
        drop(heading, "related")
        for sib in siblings:
            drop(sib, "related")


# --------------------------------------------------------------------------- line level


@dataclass
class LineCleanup:
    """Result of :func:`clean_lines_detailed`: the clean text and what was learnt on the way."""

    text: str
    removed: list[str] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    lead: str | None = None  # first paragraph when it carried an outlet prefix (that marks the sapo)
    dateline: str | None = None


def strip_lead_prefix(paragraph: str, rules: NoiseRules | None = None) -> tuple[str, str | None]:
    """Strip an outlet prefix (``NDO -``, ``(HBĐT) -``) from a Vietnamese paragraph.

    Returns the paragraph and the prefix removed (None if none). Unless the outlet is a known one
    (noise_rules.yaml), the rest must be Vietnamese, so that an English ``LONDON -`` is left alone.
    """
    rules = rules or load_rules()
    m = rules.lead_prefix.match(paragraph)
    if not m:
        return paragraph, None
    rest = paragraph[m.end() :]
    known = m.group(1).strip("()").lower() in rules.known_outlets
    if len(rest) < 20 or not (known or is_vietnamese(rest)):
        return paragraph, None
    return rest, m.group(0).strip()


def _words(line: str) -> int:
    return len(_WORD_RE.findall(line))


def _has_terminal(line: str) -> bool:
    return bool(_TERMINAL_RE.search(line))


def _looks_like_title(line: str) -> bool:
    words = _words(line)
    return (
        2 <= words <= _TITLE_MAX_WORDS
        and not re.search(r"[.,;:]$", line)
        and (line[0].isupper() or line[0].isdigit() or line[0] in "\"“'‘")
        and not is_dateline(line)
    )


def _looks_like_byline(line: str, rules: NoiseRules, *, trailing: bool = False) -> bool:
    """Short author line: ``V.N``, ``Hải Đăng``, ``Nguyễn Hiền - Phòng QLTTBCXB``, ``Thu Hà (TTXVN)``.

    A closing signature may also name a unit (``Văn phòng Sở``).
    """
    if _has_terminal(line) or len(line) > 80:
        return False
    if trailing and _words(line) <= _BYLINE_UNIT_MAX_WORDS and rules.byline_unit.match(line):
        return True
    name = _BYLINE_SUFFIX_RE.sub("", line).strip()
    tokens = name.split()
    if not 1 <= len(tokens) <= _BYLINE_MAX_WORDS:
        return False
    return all(_NAME_TOKEN_RE.match(tok) and tok[0].isupper() for tok in tokens)


def _is_caption_by_wording(line: str, rules: NoiseRules) -> bool:
    words = _words(line)
    if words > _CAPTION_MAX_WORDS or rules.caption_not.search(line) or _SENTENCE_SPLIT_RE.search(line):
        return False
    if line.endswith(".") and words > _CAPTION_PERIOD_MAX_WORDS:
        return False
    if rules.caption_starts.search(line):
        return words <= _CAPTION_PERIOD_MAX_WORDS
    return bool(rules.caption_ends.search(line))


class _Lines:
    """Paragraph list with keep flags and an explanation for every removal."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.keep = [True] * len(items)
        self.removed: list[str] = []

    def drop(self, i: int, reason: str) -> None:
        if self.keep[i]:
            self.keep[i] = False
            self.removed.append(self.items[i])
            logger.debug("noise %s: %r", reason, self.items[i][:120])

    def kept(self) -> list[int]:
        return [i for i, k in enumerate(self.keep) if k]


def _footer_run(lines: _Lines, rules: NoiseRules) -> list[int]:
    """Indices of the footer at the end of the text (see noise_rules.yaml, lines.footer)."""
    run: list[int] = []
    strong = 0
    for i in reversed(lines.kept()):
        item = _BULLET_RE.sub("", lines.items[i])
        if rules.footer_strong.match(item) or (len(item) <= 80 and "©" in item):
            strong += 1
        elif rules.footer_weak.match(item):
            pass
        elif not (item.isupper() and _words(item) <= 20):
            break
        run.append(i)
    return run if strong else []


def clean_lines_detailed(
    text: str,
    title: str | None = None,
    *,
    detect_title: bool = False,
    rules: NoiseRules | None = None,
) -> LineCleanup:
    """Clean extracted or plain text line by line; see the module docstring for what goes.

    With ``detect_title`` the first remaining line is taken as the title when it looks like one
    (plain-text articles start with their title). Paragraphs are joined with a blank line.
    """
    rules = rules or load_rules()
    items = [line for line in clean_whitespace(nfc(text)).split("\n") if line]
    lines = _Lines(items)
    vietnamese = is_vietnamese(text)
    result = LineCleanup(text="")
    after_image: set[int] = set()

    # 1. Lines that are noise wherever they are.
    header_marks: list[int] = []
    line_drop = rules.line_drop if vietnamese else rules.line_drop + rules.line_drop_other
    for i, raw in enumerate(items):
        item = _BULLET_RE.sub("", raw)
        for name, pattern in line_drop:
            if pattern.fullmatch(item):
                lines.drop(i, name)
                if name == "source_line" and result.dateline is None:
                    result.dateline = item  # "Báo Quốc TếBáo Quốc Tế05/10/2023": its date is the page's
                if name in rules.header_markers:
                    header_marks.append(i)
                if name == "image_name":
                    after_image.add(i + 1)
                break
        else:
            if rules.related_heading_line.fullmatch(item):
                lines.drop(i, "related_heading")
                for j in range(i + 1, len(items)):
                    nxt = items[j]
                    if _has_terminal(nxt) or _words(nxt) > _RELATED_TITLE_MAX_WORDS:
                        break
                    lines.drop(j, "related_title")

    # 2. Site header: banner lines above visitor widgets at the top. If a sentence sits above the
    #    widgets they are not a page header, and the lines above them are article text.
    top_marks = [i for i in header_marks if i < _HEADER_SCAN_LINES]
    if top_marks:
        above = range(min(top_marks))
        if all(not _has_terminal(items[i]) and _words(items[i]) <= _HEADER_LINE_MAX_WORDS for i in above):
            for i in above:
                lines.drop(i, "site_header")

    # 3. Site footer at the end (Vietnamese portals; an English wire copyright line is article text).
    if vietnamese:
        for i in _footer_run(lines, rules):
            lines.drop(i, "footer")

    # 4. Title: detected from the first line (after any page-header date), then repeats of it.
    title_pos = -1
    if detect_title and title is None:
        candidates = [i for i in lines.kept()[:4] if not is_dateline(items[i])]
        if candidates and _looks_like_title(items[candidates[0]]):
            title_pos = candidates[0]
            title = result.title = items[title_pos]
            lines.keep[title_pos] = False
    if title:
        key = normalize(title).lower()
        for i in lines.kept()[:3]:
            if normalize(items[i]).lower() == key:
                title_pos = max(title_pos, i)
                lines.drop(i, "title_repeated")

    # 5. Datelines anywhere (one above the title is the page header's "today"); bylines after the title.
    for i in lines.kept():
        if is_dateline(items[i]):
            if i > title_pos and result.dateline is None:
                result.dateline = items[i]
            lines.drop(i, "dateline" if i > title_pos else "header_date")
    if title and vietnamese:
        for i in lines.kept()[:2]:
            if _looks_like_byline(items[i], rules):
                result.author = items[i]
                lines.drop(i, "byline")
                break

    # 6. Captions, image alt lines, photo credits.
    for i in lines.kept():
        item = items[i]
        m = rules.caption_credit.search(item)
        if m:
            if _words(item) <= _CREDIT_CAPTION_MAX_WORDS:
                lines.drop(i, "caption_credit")
            else:
                lines.removed.append(m.group(0).strip())
                items[i] = item[: m.start()].rstrip()
            continue
        if not vietnamese:
            continue
        if rules.image_alt.search(item) and _words(item) <= _IMAGE_ALT_MAX_WORDS:
            lines.drop(i, "image_alt")
        elif i in after_image and not _has_terminal(item) and _words(item) <= _AFTER_IMAGE_CAPTION_MAX_WORDS:
            lines.drop(i, "caption_after_image")
        elif _is_caption_by_wording(item, rules):
            lines.drop(i, "caption_wording")

    # 7. Lines repeated twice in a row: keep one.
    previous: str | None = None
    for i in lines.kept():
        key = normalize(items[i]).lower()
        if key == previous:
            lines.drop(i, "repeated")
        previous = key

    # 8. Trailing byline (provincial portals sign at the end: "Nguyễn Hiền - Phòng QLTTBCXB", "Văn phòng Sở").
    kept = lines.kept()
    if vietnamese and len(kept) >= 3 and _looks_like_byline(items[kept[-1]], rules, trailing=True):
        result.author = result.author or items[kept[-1]]
        lines.drop(kept[-1], "byline")

    # 9. Outlet prefix on the first paragraph: that paragraph is the sapo.
    kept = lines.kept()
    if kept:
        first, prefix = strip_lead_prefix(items[kept[0]], rules)
        if prefix:
            lines.removed.append(prefix)
            items[kept[0]] = first
            result.lead = first

    result.removed = lines.removed
    result.text = "\n\n".join(items[i] for i in lines.kept())
    return result


def clean_lines(text: str, title: str | None = None) -> tuple[str, list[str]]:
    """Remove noise lines from extracted text; return the clean text and the removed lines."""
    result = clean_lines_detailed(text, title)
    return result.text, result.removed
