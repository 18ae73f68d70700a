"""Finding article links: RSS/Atom feeds, XML sitemaps and CMS listing pages.

No per-site code: listing pages are read with the source's URL pattern and/or CSS region,
and the next page is found generically (``rel=next``, "Trang sau"/"Tiếp"/"»" links, the
next page number, ASP.NET ``__doPostBack`` pagers). XML is parsed without entities, DTDs
or network access, so a hostile feed cannot expand or fetch anything.
"""

from __future__ import annotations

import gzip
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html
from lxml import etree
from parsel import Selector

VN_TZ = timezone(timedelta(hours=7))
MAX_XML_BYTES = 50 * 1024 * 1024  # a gzip bomb stops here

# Feeds and sitemaps never need a DTD: dropping it defuses entity bombs and XXE before
# libxml2 sees them (it would otherwise abort the whole document).
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_POSTBACK_RE = re.compile(r"__doPostBack\(\s*['\"]([^'\"]*)['\"]\s*,\s*['\"]([^'\"]*)['\"]\s*\)")
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_NEXT_WORDS = {
    "sau", "trang sau", "tiep", "tiep theo", "trang tiep", "xem tiep", "next", "next page", "older",
    "»", "›", ">", ">>", "→", "tin cu hon", "cu hon",
}  # fmt: skip
_PAGE_PARAMS = re.compile(
    r"(^|_)(cur|page|trang|p|pageindex|pagenum|pg|limitstart|start|offset)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Link:
    """A discovered article link with the date the index gave it, if any."""

    url: str
    published: datetime | None = None


@dataclass(frozen=True)
class NextPage:
    """The next listing page: a URL, or an ASP.NET postback (target, argument)."""

    url: str | None = None
    postback: tuple[str, str] | None = None

    @property
    def key(self) -> str:
        return self.url or f"postback:{self.postback}"


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read; the message says why."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def parse_any_date(value: str | None) -> datetime | None:
    """A date from a feed or sitemap: ISO 8601, RFC 822, or day-first ``dd/mm/yyyy``."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        m = _DMY_RE.search(value)
        if not m:
            return None
        try:
            parsed = datetime(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


def _xml_root(body: bytes) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
            body = gz.read(MAX_XML_BYTES + 1)
        if len(body) > MAX_XML_BYTES:
            raise DiscoveryError(f"decompressed XML exceeds {MAX_XML_BYTES} bytes")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
    )
    body = _DOCTYPE_RE.sub(b"", body.lstrip(), count=1)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from None
    if root is None:
        raise DiscoveryError("empty or unreadable XML document")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(el: etree._Element, *names: str) -> str | None:
    for child in el.iter():
        if _local(child.tag) in names and child is not el:
            text = (child.text or "").strip()
            if text:
                return text
    return None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Article links of an RSS 2.0, RSS 1.0/RDF or Atom feed, with their publication dates."""
    root = _xml_root(body)
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf", "channel"):
        raise DiscoveryError(f"not a feed: root element <{kind}>")
    links: list[Link] = []
    for item in root.iter():
        name = _local(item.tag)
        if name == "item":
            href = _child_text(item, "link") or _guid_link(item)
            date = _child_text(item, "pubdate", "date", "published", "updated")
        elif name == "entry":
            href = _atom_link(item)
            date = _child_text(item, "published", "updated", "issued")
        else:
            continue
        if href:
            links.append(Link(urljoin(base_url, href.strip()), parse_any_date(date)))
    return links


def _guid_link(item: etree._Element) -> str | None:
    for child in item:
        if _local(child.tag) == "guid" and (child.text or "").strip().startswith("http"):
            return child.text.strip()
    return None


def _atom_link(entry: etree._Element) -> str | None:
    fallback = None
    for child in entry:
        if _local(child.tag) == "link":
            rel = child.get("rel", "alternate")
            if rel == "alternate" and child.get("href"):
                return child.get("href")
            fallback = fallback or child.get("href")
    return fallback


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: either an index of other sitemaps or a list of page links."""

    is_index: bool
    links: list[Link]


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset (incl. Google News sitemaps); plain-text sitemaps too."""
    stripped = body.lstrip()
    if stripped[:2] != b"\x1f\x8b" and not stripped.startswith(b"<"):
        urls = [line.strip() for line in body.decode("utf-8", "replace").splitlines()]
        return Sitemap(False, [Link(u) for u in urls if u.startswith(("http://", "https://"))])
    root = _xml_root(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: root element <{kind}>")
    entry_tag = "sitemap" if kind == "sitemapindex" else "url"
    links = []
    for entry in root:
        if _local(entry.tag) != entry_tag:
            continue
        loc = None
        for child in entry:
            if _local(child.tag) == "loc" and (child.text or "").strip():
                loc = child.text.strip()
                break
        if not loc:
            continue
        date = _child_text(entry, "publication_date") or _child_text(entry, "lastmod")
        links.append(Link(urljoin(base_url, loc), parse_any_date(date)))
    return Sitemap(kind == "sitemapindex", links)


def _date_near(anchor: Selector) -> datetime | None:
    """A dd/mm/yyyy date written beside a listing link (in its row or item)."""
    for ancestor in anchor.xpath(
        "ancestor::*[self::li or self::tr or self::article or self::div][position()<=3]"
    ):
        text = " ".join(ancestor.xpath(".//text()").getall())
        if len(text) > 600:  # reached the whole list: no longer this item's row
            break
        m = _DMY_RE.search(text)
        if m:
            return parse_any_date(m.group(0))
    return None


def listing_links(
    html: Selector, base_url: str, pattern: str | None = None, region: str | None = None
) -> list[Link]:
    """Article links of a listing page: inside ``region`` (CSS) and/or matching ``pattern``."""
    compiled = re.compile(pattern) if pattern else None
    scopes = html.css(region) if region else [html]
    seen: dict[str, Link] = {}
    for scope in scopes:
        for anchor in scope.css("a[href]"):
            href = (anchor.attrib.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            url = urljoin(base_url, href).split("#")[0]
            if compiled and not compiled.search(url):
                continue
            if url not in seen:
                seen[url] = Link(url, _date_near(anchor))
    return list(seen.values())


def _current_page_number(url: str, page_index: int) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if _PAGE_PARAMS.search(key) and value.isdigit() and "limitstart" not in key.lower():
            return int(value)
    return page_index


def _candidate(anchor: Selector, base_url: str) -> NextPage | None:
    href = (anchor.attrib.get("href") or "").strip()
    postback = _POSTBACK_RE.search(href) or _POSTBACK_RE.search(anchor.attrib.get("onclick") or "")
    if postback:
        return NextPage(postback=(postback.group(1), postback.group(2)))
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(base_url, href).split("#")[0]
    return None if url == base_url else NextPage(url=url)


def find_next_page(
    html: Selector, base_url: str, page_index: int, selector: str | None = None
) -> NextPage | None:
    """The link to the listing page after this one (``page_index`` is 1-based), or None."""
    if selector:
        for anchor in html.css(selector):
            anchor = anchor if anchor.root.tag == "a" else (anchor.css("a") or [anchor])[0]
            found = _candidate(anchor, base_url)
            if found:
                return found
        return None
    for anchor in html.css("link[rel~=next], a[rel~=next]"):
        found = _candidate(anchor, base_url)
        if found:
            return found
    anchors = html.css("a")
    for anchor in anchors:
        label = _fold(" ".join(anchor.css("::text").getall()) or anchor.attrib.get("title", "") or "")
        aria = _fold(anchor.attrib.get("aria-label", "") + " " + anchor.attrib.get("title", ""))
        if (
            label in _NEXT_WORDS
            or aria.strip() in _NEXT_WORDS
            or "next" in (anchor.attrib.get("class") or "")
        ):
            found = _candidate(anchor, base_url)
            if found:
                return found
    target = str(_current_page_number(base_url, page_index) + 1)
    numbered = [a for a in anchors if _fold(" ".join(a.css("::text").getall())) == target]
    in_pager = [a for a in numbered if a.xpath(f"ancestor::*[{_pager_xpath()}]")]
    for anchor in in_pager or numbered:
        found = _candidate(anchor, base_url)
        if found:
            return found
    return None


def _pager_xpath() -> str:
    words = ("pag", "pager", "phantrang", "phan-trang", "trang")
    return " or ".join(f"contains(translate(@class,'PAGERTN','pagertn'),'{w}')" for w in words) + (
        " or contains(translate(@id,'PAGERTN','pagertn'),'pag')"
    )


def older_than(links: Iterable[Link], cutoff: datetime | None) -> bool:
    """Whether every dated link is older than ``cutoff`` (and at least one is dated)."""
    if cutoff is None:
        return False
    dated = [link.published for link in links if link.published is not None]
    return bool(dated) and all(d < cutoff for d in dated)


# Controls a browser never sends when a script submits the form (no button was clicked).
_UNSENT_INPUT_TYPES = {"submit", "image", "reset", "button", "file"}


def _sent_input(el: lxml.html.InputElement) -> bool:
    return el.type not in _UNSENT_INPUT_TYPES and not (el.checkable and not el.checked)


def postback_form(page: str, base_url: str, target: str, argument: str) -> tuple[str, list[tuple[str, str]]]:
    """(action URL, fields) of the ``__doPostBack(target, argument)`` submission of ``page``:
    what a browser posts when the pager's script submits the ASP.NET form. The form is the one
    holding ``__VIEWSTATE`` (else the first); its controls are sent as a browser sends them
    (no button clicked, unchecked boxes and disabled controls left out) with the event fields
    set. Raises ValueError when the page has no form.
    """
    root = lxml.html.document_fromstring(page, base_url=base_url)
    forms = root.forms
    if not forms:
        raise ValueError(f"no <form> on {base_url}: cannot follow the postback pager")
    form = next((f for f in forms if f.xpath("descendant::input[@name='__VIEWSTATE']")), forms[0])
    fields: list[tuple[str, str]] = []
    for el in form.inputs:
        name = el.name
        if not name or "disabled" in el.attrib or name in ("__EVENTTARGET", "__EVENTARGUMENT"):
            continue
        if el.tag == "select":
            values = list(el.value) if el.multiple else [el.value]
            fields.extend((name, v) for v in values if v is not None)
        elif el.tag == "textarea" or _sent_input(el):
            fields.append((name, el.value or ""))
    fields[:0] = [("__EVENTTARGET", target), ("__EVENTARGUMENT", argument)]
    action = (form.get("action") or "").strip()
    if not action:  # no action: the form posts back to the page itself
        return base_url, fields
    base = (root.xpath("string(//base/@href)") or "").strip()
    return urljoin(urljoin(base_url, base) if base else base_url, action), fields
