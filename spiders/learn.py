"""Discovery for a source that gives only its homepage: what the homepage itself tells.

A homepage advertises its feeds (``<link rel="alternate">``), links to its category listings
from the navigation, and links to its newest articles. Article links of one site share a
shape (``/<slug>-post<id>.html``, ``NewsDetail.aspx?Id=<id>``, ``.../content/<slug>``): the
shapes most of the homepage's article-looking links have become the source's article pattern,
a regex an operator can paste into a ``discovery:`` block. Links that are not articles and sit
in the navigation are the listings to page through. Pure functions of the page's text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

__all__ = [
    "FEED_PATHS",
    "Learned",
    "article_shape",
    "feed_links",
    "learn_home",
    "looks_like_article",
    "robots_sitemaps",
]

# Paths tried for a feed when the homepage advertises none (WordPress, most CMSs).
FEED_PATHS = ("/feed", "/rss", "/rss.xml")
MAX_LISTINGS = 20
# A shape is the site's article shape when this share of the article-looking links has it
# (a login link with a numeric id, a stray old URL are one-offs).
SHAPE_SHARE = 0.15
MIN_SHAPE_LINKS = 2

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_ASSET_RE = re.compile(r"\.(css|js|png|jpe?g|gif|svg|ico|webp|pdf|docx?|xlsx?|zip|rar|mp[34])$", re.I)
# Navigation that is never a listing of news.
_NOT_LISTING_RE = re.compile(
    r"login|logout|sign-?in|dang-?nhap|lien-?he|contact|gioi-?thieu|about|tim-?kiem|search|"
    r"sitemap|rss|feed|mailto:|javascript:|tel:",
    re.I,
)
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){3,}", re.I)  # four words or more
_ID_RE = re.compile(r"\d{4,}")
_NAV_XPATH = (
    "//nav//a[@href] | //header//a[@href] | "
    "//*[contains(translate(@class,'MENU','menu'),'menu') or contains(translate(@id,'MENU','menu'),'menu')"
    " or contains(translate(@class,'NAV','nav'),'nav')]//a[@href] | "
    "//a[@href][contains(@class,'more') or contains(@class,'view-all')]"
)


@dataclass
class Learned:
    """What a homepage told: its feeds, listings, article pattern and article links."""

    feeds: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_pattern: str | None = None
    articles: list[str] = field(default_factory=list)

    def discovery_block(self) -> dict[str, object]:
        """The ``discovery:`` block an operator may paste into the registry."""
        block: dict[str, object] = {}
        if self.feeds:
            block["feeds"] = list(self.feeds)
        if self.listings:
            block["listings"] = [{"urls": [u]} for u in self.listings]
        if self.article_pattern:
            block["article_pattern"] = self.article_pattern
        return block


def feed_links(selector: Selector, base_url: str) -> list[str]:
    """Feeds the page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    found: list[str] = []
    for link in selector.xpath("//link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            url = urljoin(base_url, link.attrib["href"].strip())
            if url not in found:
                found.append(url)
    return found


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt."""
    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return found


# The same pages named by a whole path segment, query value or Joomla "id:slug" (not a word
# inside an article's slug: "...-talks-about-human-rights" is an article).
_NAVIGATION_RE = re.compile(
    r"(?:^|[/=:?&])(?:gioi-?thieu|lien-?he|contact(?:-us)?|about(?:-us)?|dang-?nhap|login|logout|"
    r"sign-?in|tim-?kiem|search|so-?do-?(?:site|trang|cong)?|sitemap)(?:$|[/.?&#])",
    re.I,
)


# A query value that is a day (2025-03-01, 01/03/2025): an archive calendar's link. Every
# page of some sites carries one (the day before, the day after, forever), and on an article
# page it turns the article's own URL plus "&ngay=..." into an endless series of copies.
_DAY_VALUE_RE = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})$")


def is_navigation(url: str) -> bool:
    """An about, contact, login, search or site-map page, or an archive calendar's day page:
    never an article, even when its URL has the article shape (a Joomla "Giới thiệu" page is
    ``view=article&id=5:gioi-thieu``)."""
    parts = urlsplit(url)
    if any(_DAY_VALUE_RE.match(value) for _, value in parse_qsl(parts.query)):
        return True
    return bool(_NAVIGATION_RE.search(parts.path + "?" + parts.query))


def looks_like_article(url: str) -> bool:
    """A slug of four words or more, or an id of four digits or more, in the path or query."""
    parts = urlsplit(url)
    if _ASSET_RE.search(parts.path) or _NOT_LISTING_RE.search(parts.path + "?" + parts.query):
        return False
    pieces = [s for s in parts.path.split("/") if s] + [v for _, v in parse_qsl(parts.query)]
    return any(_SLUG_RE.search(p) or _ID_RE.search(p) for p in pieces)


def _segment_shape(segment: str) -> str:
    """A path segment or query value as a regex: slugs and numbers generalised."""
    if _SLUG_RE.search(segment):
        # Keep a fixed tail the CMS adds after the slug ("-post871266.html" -> "-post\d+\.html").
        tail = re.search(r"(-[a-z]+\d+)?(\.[a-z]{2,5})?$", segment, re.I)
        suffix = tail.group(0) if tail else ""
        head = re.match(r"\d+[:_-]", segment)  # Joomla's "32040:slug"
        prefix = r"\d+" + re.escape(head.group(0)[-1]) if head else ""
        return prefix + ("[^/?&#]+" if not suffix else "[^/?&#]+?") + _digits(suffix)
    return _digits(segment)


def _digits(text: str) -> str:
    return r"\d+".join(re.escape(p) for p in re.split(r"\d+", text))


def article_shape(url: str) -> str:
    """The regex of a URL's shape, from its path on (host-independent)."""
    parts = urlsplit(url)
    path = "/".join(_segment_shape(s) if s else "" for s in parts.path.split("/"))
    shape = "^" + path
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        shape += r"\?" + "&".join(re.escape(k) + "=" + _segment_shape(v) for k, v in pairs)
    return shape + "$"


def _same_host(url: str, home: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(home).netloc.lower()


def _path_pattern(shapes: list[str]) -> str:
    """One regex matching a URL (after its host) of any of ``shapes``."""
    # A shape without a query still matches with one: listings add tracking or redirect
    # parameters (Liferay's ``?redirect=...``) to the article's bare URL.
    inner = [s.removeprefix("^").removesuffix("$") + ("" if r"\?" in s else r"(?:\?.*)?") for s in shapes]
    body = inner[0] if len(inner) == 1 else "(?:" + "|".join(inner) + ")"
    # Language editions repeat the shape under a two-letter prefix (/en/, /fr/).
    return r"^https?://[^/]+(?:/[a-z]{2})?" + body + r"(?:#.*)?$"


def _site_links(hrefs: list[str], base_url: str) -> list[str]:
    """The hrefs as absolute URLs on the homepage's host, without fragments, first seen first."""
    links: list[str] = []
    for href in hrefs:
        url = urljoin(base_url, href.strip()).split("#", 1)[0]
        if url.startswith("http") and _same_host(url, base_url) and url not in links:
            links.append(url)
    return links


def learn_home(body: str, base_url: str) -> Learned:
    """Feeds, listings and article shape from a homepage's HTML."""
    selector = Selector(text=body or "<html></html>")
    learned = Learned(feeds=feed_links(selector, base_url))
    links = _site_links(selector.xpath("//a/@href").getall(), base_url)
    candidates = [u for u in links if looks_like_article(u) and not is_navigation(u)]
    counts = Counter(article_shape(u) for u in candidates)
    floor = max(MIN_SHAPE_LINKS, SHAPE_SHARE * len(candidates))
    shapes = [shape for shape, n in counts.most_common() if n >= floor]
    pattern = re.compile(_path_pattern(shapes)) if shapes else None
    if pattern is not None:
        learned.article_pattern = pattern.pattern
        learned.articles = [u for u in links if pattern.search(u) and not is_navigation(u)]
    home_key = base_url.split("#", 1)[0].rstrip("/")
    for url in _site_links(selector.xpath(_NAV_XPATH).xpath("@href").getall(), base_url):
        parts = urlsplit(url)
        if (
            url.rstrip("/") == home_key
            or _ASSET_RE.search(parts.path)
            or _NOT_LISTING_RE.search(f"{parts.path}?{parts.query}")
            or (pattern is not None and pattern.search(url))
        ):
            continue
        learned.listings.append(url)
        if len(learned.listings) >= MAX_LISTINGS:
            break
    return learned
