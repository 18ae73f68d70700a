"""Article metadata from a parsed page: title (without the site name), author, canonical URL.

Publication dates live in :mod:`pipeline.extract.dates`, the lead paragraph in :mod:`pipeline.extract.lead`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from pipeline.extract.htmltree import is_boilerplate
from pipeline.text import fold

logger = logging.getLogger(__name__)

__all__ = [
    "canonical_url",
    "choose_author",
    "choose_title",
    "clean_author",
    "site_names",
    "strip_site_suffix",
    "structured_body",
]

_AUTHOR_CLASS_RE = re.compile(r"author|byline|tac-?gia|writer|nguoi-?viet|signature", re.IGNORECASE)
_AUTHOR_LABEL_RE = re.compile(r"^(tác giả|bài và ảnh|bài, ảnh|tin, ảnh|bài|by|theo)\s*:?\s*", re.IGNORECASE)
_TITLE_SEP_RE = re.compile(r"\s+(?:[-|–—»]|::)\s+")
# How outlets and portals name themselves in <title> suffixes ("... - Báo Nhân Dân").
_OUTLET_RE = re.compile(
    r"^(báo|tạp chí|cổng thông tin|cổng ttđt|trang thông tin|trang tin|đài|sở|ubnd|ủy ban nhân dân|"
    r"uỷ ban nhân dân|thông tấn xã|vnexpress|tuổi trẻ|thanh niên|dân trí|vietnamplus|vietnamnet|vov|vtv|"
    r"qđnd|tin tức)\b",
    re.IGNORECASE,
)
_SITE_PART_MAX_WORDS = 8
_GENERIC_HOST_LABELS = frozenset(("www", "vn", "com", "gov", "org", "net", "edu", "en"))
_AUTHOR_META_KEYS = ("author", "article:author", "dc.creator", "dable:author")


def _compact(text: str) -> str:
    return "".join(fold(text).split())


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def site_names(metas: dict[str, str], url: str | None) -> list[str]:
    """Names the site goes by: og:site_name, application-name, the main label of its host."""
    names = [metas.get("og:site_name", ""), metas.get("application-name", "")]
    host = urlsplit(url).hostname if url else None
    if host:
        labels = [p for p in host.split(".") if p not in _GENERIC_HOST_LABELS]
        names.extend(labels[-1:])
    return [n for n in names if n]


def strip_site_suffix(title: str, names: Sequence[str] = ()) -> str:
    """Drop the site name from a page title: "Tiêu đề - Thời sự - Báo Nhân Dân" -> "Tiêu đề - Thời sự".

    A trailing part goes when it names the site (``names``) or looks like an outlet name; a leading
    one ("Sở Thông tin và Truyền thông Thanh Hóa - Tiêu đề") only when it names the site. At least
    three words of title always remain.
    """
    keys = [_compact(n) for n in names if n]

    def names_site(part: str) -> bool:
        compact = _compact(part)
        return bool(compact) and any(k in compact or compact in k for k in keys)

    title = " ".join(title.split())
    for _ in range(2):
        seps = list(_TITLE_SEP_RE.finditer(title))
        if not seps:
            break
        last = title[seps[-1].end() :]
        rest = title[: seps[-1].start()]
        outlet = _OUTLET_RE.match(last) is not None and len(last.split()) <= _SITE_PART_MAX_WORDS
        if not (names_site(last) or outlet) or len(rest.split()) < 3:
            break
        title = rest
    seps = list(_TITLE_SEP_RE.finditer(title))
    if len(seps) == 1 and names_site(title[: seps[0].start()]) and len(title[seps[0].end() :].split()) >= 3:
        title = title[seps[0].end() :]
    return title.strip()


def choose_title(
    root: HtmlElement,
    metas: dict[str, str],
    title_el: HtmlElement | None,
    url: str | None,
) -> str | None:
    """og:title, else the page's title element (h1), else <title>; without the site name."""
    names = site_names(metas, url)
    og = strip_site_suffix(metas.get("og:title") or metas.get("twitter:title") or "", names)
    heading = " ".join(title_el.text_content().split()) if title_el is not None else ""
    title_tag = root.find(".//title")
    page_title = strip_site_suffix(title_tag.text_content(), names) if title_tag is not None else ""
    if og and heading and _key(og) not in _key(heading) and _key(heading) not in _key(og):
        og = ""  # an og:title about something else (the site, a section): trust the visible heading
    if og and any(_key(og) == _key(n) for n in names):
        og = ""
    for candidate in (og, heading, page_title):
        if len(candidate) >= 3:
            return candidate
    return None


def _author_from_jsonld(objects: list[dict[str, Any]]) -> str | None:
    """Person names from JSON-LD ``author`` (an organisation is the outlet, not an author)."""
    for obj in objects:
        author = obj.get("author")
        found = []
        for item in author if isinstance(author, list) else [author]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                if "organization" not in str(item.get("@type", "")).lower():
                    found.append(item["name"].strip())
            elif isinstance(item, str):
                found.append(item.strip())
        found = [n for n in found if n and not n.startswith("http")]
        if found:
            return ", ".join(dict.fromkeys(found))
    return None


def clean_author(raw: str | None, names: Sequence[str] = ()) -> str | None:
    """Tidy a byline; None for empty, URL-like or site-name values ("VnExpress" is not an author)."""
    if not raw:
        return None
    author = _AUTHOR_LABEL_RE.sub("", " ".join(raw.split())).strip(" -|,")
    if not author or len(author) > 80 or author.startswith("http"):
        return None
    compact = _compact(author)
    if any(k and (k in compact or compact in k) for k in map(_compact, names)):
        return None
    return author


def choose_author(
    root: HtmlElement,
    metas: dict[str, str],
    objects: list[dict[str, Any]],
    names: Sequence[str],
) -> str | None:
    """meta author, else a JSON-LD person, else a byline element (class author/byline/tac-gia)."""
    for key in _AUTHOR_META_KEYS:
        author = clean_author(metas.get(key), names)
        if author:
            return author
    author = clean_author(_author_from_jsonld(objects), names)
    if author:
        return author
    for el in root.xpath("//body/descendant::*[@class or @id]"):
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if _AUTHOR_CLASS_RE.search(marker) and not is_boilerplate(el):
            text = " ".join(el.text_content().split())
            author = clean_author(text, names) if 2 <= len(text) <= 60 else None
            if author:
                return author
    return None


def canonical_url(root: HtmlElement, metas: dict[str, str], url: str | None) -> str | None:
    """The page's declared URL (``link rel=canonical``, else og:url), made absolute."""
    href = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href", "").strip()
            break
    href = href or metas.get("og:url")
    if not href:
        return None
    return urljoin(url, href) if url else href


_ARTICLE_TYPE_RE = re.compile(r"article|posting|report", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]{0,500}>")


def structured_body(objects: Sequence[dict[str, Any]]) -> str:
    """The longest ``articleBody`` of the page's JSON-LD articles ("" when there is none).

    Pages that render their text with JavaScript often carry the whole article there; a stored
    copy of such a page has little else to extract from.
    """
    best = ""
    for obj in objects:
        types = obj.get("@type")
        names = " ".join(types) if isinstance(types, list) else str(types or "")
        body = obj.get("articleBody")
        if not _ARTICLE_TYPE_RE.search(names) or not body:
            continue
        if isinstance(body, list):
            body = "\n".join(str(part) for part in body)
        text = html.unescape(_TAG_RE.sub("\n", str(body)))
        if len(text) > len(best):
            best = text
    return best
