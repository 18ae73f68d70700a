"""The one generic spider: ``scrapy crawl news -a source=ID``.

Everything a site needs is in its ``sources.yaml`` entry: feeds, sitemaps, listing pages.
The spider yields :class:`pipeline.types.Page` items (raw bytes); storing and extraction
happen in the item pipeline. Incremental: links already stored are filtered out through
``self.known_filter`` (set by the crawl-run extension when a database is configured), and a
listing stops paging when a page brings nothing new, when it passes ``since``, or at its
page cap.

Spider arguments: ``source`` (required), ``since`` (YYYY-MM-DD, ISO datetime, or a duration
such as ``7d``), ``max_pages`` (overrides every listing's cap), ``max_articles``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import FormRequest, Request, Response, TextResponse
from twisted.python.failure import Failure

from pipeline.extract.attachments import attachment_kind, is_attachment_url
from pipeline.sources import Listing, RegistryError, Source, load_registry, parse_duration
from pipeline.types import AttachmentFile, Page
from pipeline.urls import canonical_url, same_site, strip_tracking
from spiders.browser import BrowserMissing, enable_browser
from spiders.discovery import (
    DiscoveryError,
    Link,
    NextPage,
    find_next_page,
    listing_links,
    older_than,
    parse_any_date,
    parse_feed,
    parse_sitemap,
    postback_form,
)
from spiders.errors import classify_failure
from spiders.learn import FEED_PATHS, is_navigation, learn_home, robots_sitemaps

logger = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3
# Scheduler priorities. The discovery URLs go first; the pages that only lead to more links
# (the next listing page, a child sitemap) go after every article already found, so the
# scheduler holds one page's worth of article requests, not the whole site's: with them
# first, a big site's listing runs far ahead of the article downloads and the queue (and the
# crawler's memory) grows with the site.
DISCOVERY_PRIORITY = 10
FOLLOW_UP_PRIORITY = -10
# Pages followed on a learned listing (the registry's listings say their own cap).
LEARNED_MAX_PAGES = 10
# Documents (PDF, DOCX) linked from an article: fetched unless NEWSMON_ATTACHMENTS is off, at
# most this many per article and this big each (settings NEWSMON_ATTACHMENTS_PER_ARTICLE and
# NEWSMON_ATTACHMENT_MAX_BYTES).
ATTACHMENTS_PER_ARTICLE = 10
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def parse_since(value: str | datetime | None) -> datetime | None:
    """``2024-01-31``, an ISO datetime, or a duration back from now (``7d``, ``12h``)."""
    if value is None or value == "" or isinstance(value, datetime):
        return value or None
    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError:
        pass
    parsed = parse_any_date(value)
    if parsed is None:
        raise ValueError(f"invalid since {value!r}: use YYYY-MM-DD, an ISO datetime, or a duration like 7d")
    return parsed


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        source: str | None = None,
        since: str | None = None,
        max_pages: str | int | None = None,
        max_articles: str | int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not source:
            raise ValueError("the news spider needs a source: scrapy crawl news -a source=ID")
        self.source_id = source
        self.since = parse_since(since)
        self.max_pages = int(max_pages) if max_pages else None
        self.max_articles = int(max_articles) if max_articles else None
        self.source: Source | None = None
        # Replaced by the crawl-run extension with a database lookup; the default keeps
        # the spider usable on its own (e.g. in `scrapy shell` or parse tests).
        self.known_filter: Callable[[list[str]], set[str]] = lambda urls: set()
        self.crawl_run_id: int | None = None
        self.error_sink: Callable[[str, str, int | None, str], None] | None = None
        self._scheduled: set[str] = set()
        self._listing_pages_seen: set[str] = set()
        self.articles_requested = 0
        # Set by the crawl-run extension when the last crawl failed or was cut short: then a
        # listing page that brings nothing new does not end the listing (the cap still does).
        self.resume_listings = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = crawler.settings.get("NEWSMON_SOURCES")
        try:
            spider.source = load_registry(path).get(spider.source_id)
        except RegistryError as exc:
            raise ValueError(str(exc)) from None
        spider.allowed_domains = list(spider.source.allowed_domains)
        if spider.source.request.render == "browser":
            try:
                enable_browser(crawler.settings)
            except BrowserMissing as exc:
                raise ValueError(f"{spider.source_id}: {exc}") from None
        return spider

    # --- start -------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        assert self.source is not None
        options = self.source.request
        if options.unsupported:
            logger.warning("%s: skipped, source marked unsupported: %s", self.source_id, options.unsupported)
            self.report_error(self.source.homepage, "unsupported", None, options.unsupported)
            return
        if options.cookies_from:
            yield self.priming_request()
            return
        for request in self.start_requests_list():
            yield request

    def priming_request(self) -> Request:
        """Visit ``request.cookies_from`` first; its response's cookies go with the discovery requests."""
        assert self.source is not None and self.source.request.cookies_from
        return Request(
            self.source.request.cookies_from,
            callback=self.after_priming,
            errback=self.after_priming_failed,
            headers=self._headers(),
            priority=20,
            meta={"newsmon_kind": "prime"},
            dont_filter=True,
        )

    def after_priming(self, response: Response) -> list[Request]:
        logger.debug("%s: cookies primed from %s", self.source_id, response.url)
        return self.start_requests_list()

    def after_priming_failed(self, failure: Failure) -> list[Request]:
        """Report the failed priming visit, then try discovery anyway."""
        self.on_error(failure)
        return self.start_requests_list()

    def _headers(self) -> dict[str, str] | None:
        return dict(self.source.request.headers) if self.source and self.source.request.headers else None

    def start_requests_list(self) -> list[Request]:
        assert self.source is not None
        disc = self.source.discovery
        if disc.is_auto:
            return [self._index_request(self.source.homepage, self.parse_home, "home")]
        requests: list[Request] = []
        for url in disc.feeds:
            requests.append(self._index_request(url, self.parse_feed, "feed"))
        for url in disc.sitemaps:
            requests.append(self._index_request(url, self.parse_sitemap, "sitemap", depth=0))
        for index, listing in enumerate(disc.listings):
            for url in listing.urls:
                requests.append(
                    self._index_request(url, self.parse_listing, "listing", listing=index, page=1)
                )
        return requests

    def _index_request(
        self,
        url: str,
        callback: Callable[..., Any],
        kind: str,
        priority: int = DISCOVERY_PRIORITY,
        **kwargs: Any,
    ) -> Request:
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs=kwargs,
            headers=self._headers(),
            priority=priority,
            meta={"newsmon_kind": kind},
            dont_filter=True,
        )

    # --- a source that gives only its homepage ----------------------------

    def parse_home(self, response: Response) -> Iterable[Request]:
        """Learn feeds, listings and the article shape from the homepage, then crawl them."""
        assert self.source is not None
        if not isinstance(response, TextResponse):
            self.report_error(response.url, "not_html", response.status, "homepage is not HTML")
            return
        self.crawler.stats.inc_value("newsmon/index_pages_read")
        learned = learn_home(response.text, response.url)
        pattern = learned.article_pattern
        logger.info(
            "%s: homepage gave %d feeds, %d listings, article pattern %s",
            self.source_id,
            len(learned.feeds),
            len(learned.listings),
            pattern,
        )
        stats = self.crawler.stats
        stats.set_value("newsmon/learned/feeds", len(learned.feeds))
        stats.set_value("newsmon/learned/listings", len(learned.listings))
        stats.set_value("newsmon/learned/article_pattern", pattern or "")
        for url in learned.feeds:
            yield self._index_request(url, self.parse_feed, "feed")
        if not learned.feeds:
            for path in FEED_PATHS:
                yield self._probe(urljoin(response.url, path), self.parse_feed, "feed")
        yield self._probe(urljoin(response.url, "/robots.txt"), self.parse_robots, "robots", pattern=pattern)
        if pattern is None:
            self.report_error(
                response.url,
                "no_links",
                response.status,
                "could not learn the article URL shape from the homepage",
            )
            return
        for url in learned.listings:
            yield self._index_request(url, self.parse_listing, "listing", listing=-1, page=1, pattern=pattern)
        yield from self.article_requests(self._filter([Link(u) for u in learned.articles], pattern))

    def _probe(self, url: str, callback: Callable[..., Any], kind: str, **kwargs: Any) -> Request:
        """A request for a URL that may well not exist (``/feed``, ``/robots.txt``): its failure is no error."""
        request = self._index_request(url, callback, kind, probe=True, **kwargs)
        return request.replace(errback=self._probe_failed)

    def _probe_failed(self, failure: Failure) -> Iterable[Request]:
        request = getattr(failure, "request", None)
        logger.debug("%s: probe %s failed: %s", self.source_id, getattr(request, "url", "?"), failure.value)
        if request is not None and request.meta.get("newsmon_kind") == "robots":
            yield from self._sitemap_probe(request.url, request.cb_kwargs.get("pattern"))

    def _sitemap_probe(self, url: str, pattern: str | None) -> Iterable[Request]:
        yield self._probe(
            urljoin(url, "/sitemap.xml"), self.parse_sitemap, "sitemap", depth=0, pattern=pattern
        )

    def parse_robots(
        self, response: Response, probe: bool = True, pattern: str | None = None
    ) -> Iterable[Request]:
        """The robots.txt's ``Sitemap:`` lines; ``/sitemap.xml`` when it names none."""
        text = (
            response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        )
        sitemaps = robots_sitemaps(text, response.url)
        if not sitemaps:
            yield from self._sitemap_probe(response.url, pattern)
        for url in sitemaps:
            yield self._probe(url, self.parse_sitemap, "sitemap", depth=0, pattern=pattern)

    # --- feeds and sitemaps -----------------------------------------------

    def _read_index(
        self, response: Response, parser: Callable[[bytes, str], Any], error: str, probe: bool
    ) -> Any:
        """``parser``'s reading of a feed or sitemap, None when it is not one.

        A registry URL counts as an index page read even when broken (the error says what is
        wrong with it); a probe only when it turned out to be a feed or sitemap, and its
        failure is no error.
        """
        if not probe:
            self.crawler.stats.inc_value("newsmon/index_pages_read")
        try:
            parsed = parser(response.body, response.url)
        except DiscoveryError as exc:
            if probe:
                logger.debug("%s: %s is not a %s: %s", self.source_id, response.url, error, exc)
            else:
                self.report_error(response.url, f"bad_{error}", response.status, str(exc))
            return None
        if probe:
            self.crawler.stats.inc_value("newsmon/index_pages_read")
        return parsed

    def parse_feed(self, response: Response, probe: bool = False) -> Iterable[Request]:
        """A feed's items are articles: no pattern needed on a learned source."""
        links = self._read_index(response, parse_feed, "feed", probe)
        if links is None:
            return
        self.crawler.stats.inc_value("newsmon/links/feed", len(links))
        yield from self.article_requests(self._filter(links, self.source.discovery.article_pattern))

    def parse_sitemap(
        self, response: Response, depth: int = 0, probe: bool = False, pattern: str | None = None
    ) -> Iterable[Request]:
        """A sitemap or sitemap index; on a learned source only links of the article shape."""
        sitemap = self._read_index(response, parse_sitemap, "sitemap", probe)
        if sitemap is None:
            return
        if sitemap.is_index:
            if depth >= MAX_SITEMAP_DEPTH:
                self.report_error(
                    response.url, "sitemap_too_deep", response.status, "sitemap index nested too deep"
                )
                return
            # Newest first, and skip sub-sitemaps not modified since the cut-off.
            children = sorted(
                sitemap.links, key=lambda s: s.published or datetime.min.replace(tzinfo=UTC), reverse=True
            )
            for child in children:
                if self.since and child.published and child.published < self.since:
                    continue
                yield self._index_request(
                    child.url,
                    self.parse_sitemap,
                    "sitemap",
                    FOLLOW_UP_PRIORITY,
                    depth=depth + 1,
                    probe=probe,
                    pattern=pattern,
                )
            return
        self.crawler.stats.inc_value("newsmon/links/sitemap", len(sitemap.links))
        yield from self.article_requests(
            self._filter(sitemap.links, self.source.discovery.article_pattern or pattern)
        )

    # --- listing pages ---------------------------------------------------

    def parse_listing(
        self, response: Response, listing: int, page: int, pattern: str | None = None
    ) -> Iterable[Request]:
        """A listing page of the registry (``listing`` its index) or learned (-1, with its pattern)."""
        assert self.source is not None
        if not isinstance(response, TextResponse):
            self.report_error(response.url, "not_html", response.status, "listing page is not HTML")
            return
        learned = listing < 0
        config: Listing = (
            Listing(urls=[response.url], article_pattern=pattern, max_pages=LEARNED_MAX_PAGES)
            if learned
            else self.source.discovery.listings[listing]
        )
        pattern = config.article_pattern or self.source.discovery.article_pattern
        links = listing_links(response.selector, response.url, pattern, config.article_selector)
        links = [link for link in links if self._allowed(link.url)]
        new_links = self._new(links)
        self.crawler.stats.inc_value("newsmon/listing_pages")
        self.crawler.stats.inc_value("newsmon/index_pages_read")
        logger.debug("%s listing page %d: %d links, %d new", self.source_id, page, len(links), len(new_links))
        yield from self._requests_for(self._filter(new_links, None))

        cap = self.max_pages or config.max_pages
        if not links:
            if not learned:  # a learned listing may be a section with no articles (documents, videos)
                self.report_error(
                    response.url, "no_links", response.status, "listing page has no article links"
                )
            return
        if not new_links and not self.resume_listings:
            logger.info(
                "%s: listing page %d brought nothing new; stopping this listing", self.source_id, page
            )
            return
        if older_than(links, self.since):
            logger.info("%s: listing page %d is older than the cut-off; stopping", self.source_id, page)
            return
        if page >= cap:
            logger.info("%s: listing page cap %d reached", self.source_id, cap)
            self.crawler.stats.inc_value("newsmon/listing_cap_reached")
            return
        next_page = find_next_page(response.selector, response.url, page, config.next_selector)
        if next_page is None or next_page.key in self._listing_pages_seen:
            return
        if learned and next_page.url and is_navigation(next_page.url):
            # a guessed pager that is an archive calendar ("Tin cũ hơn" -> ?ngay=): an endless
            # walk through copies of this page; the registry's own next_selector is trusted
            self.crawler.stats.inc_value("newsmon/links/navigation")
            return
        self._listing_pages_seen.add(next_page.key)
        request = self._next_request(response, next_page, listing, page + 1, pattern if learned else None)
        if request is not None:
            yield request

    def _next_request(
        self, response: Response, next_page: NextPage, listing: int, page: int, pattern: str | None = None
    ) -> Request | None:
        kwargs: dict[str, Any] = {"listing": listing, "page": page}
        if pattern is not None:
            kwargs["pattern"] = pattern
        meta = {"newsmon_kind": "listing"}
        if next_page.postback:
            target, argument = next_page.postback
            try:
                action, fields = postback_form(response.text, response.url, target, argument)
            except ValueError as exc:
                logger.warning("%s: listing page %d: %s", self.source_id, page - 1, exc)
                return None
            return FormRequest(
                action,
                formdata=fields,
                encoding=response.encoding,  # a browser posts in the page's encoding
                headers=self._headers(),
                callback=self.parse_listing,
                errback=self.on_error,
                cb_kwargs=kwargs,
                meta=meta,
                priority=FOLLOW_UP_PRIORITY,
            )
        return Request(
            next_page.url,
            headers=self._headers(),
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs=kwargs,
            meta=meta,
            priority=FOLLOW_UP_PRIORITY,
        )

    # --- articles ----------------------------------------------------------

    def _allowed(self, url: str) -> bool:
        return same_site(url, self.allowed_domains)

    def _filter(self, links: list[Link], pattern: str | None) -> list[Link]:
        compiled = re.compile(pattern) if pattern else None
        learned = self.source is not None and self.source.discovery.is_auto
        kept = []
        for link in links:
            if compiled and not compiled.search(link.url):
                continue
            if learned and is_navigation(link.url):  # the registry's own patterns are trusted
                self.crawler.stats.inc_value("newsmon/links/navigation")
                continue
            if self.since and link.published and link.published < self.since:
                self.crawler.stats.inc_value("newsmon/links/older_than_since")
                continue
            kept.append(link)
        return kept

    def _new(self, links: list[Link]) -> list[Link]:
        """Links not stored yet (some may already be scheduled by this crawl)."""
        by_canonical = {canonical_url(link.url): link for link in links}
        unscheduled = [c for c in by_canonical if c not in self._scheduled]
        known = self.known_filter(unscheduled) if unscheduled else set()
        return [link for c, link in by_canonical.items() if c not in known]

    def article_requests(self, links: list[Link]) -> Iterable[Request]:
        """Requests for the links not stored yet."""
        yield from self._requests_for(self._new(links))

    def _requests_for(self, links: list[Link]) -> Iterable[Request]:
        for link in links:
            if canonical_url(link.url) in self._scheduled:
                continue
            if self.max_articles is not None and self.articles_requested >= self.max_articles:
                self.crawler.stats.inc_value("newsmon/max_articles_reached")
                return
            self._scheduled.add(canonical_url(link.url))
            self.articles_requested += 1
            self.crawler.stats.inc_value("newsmon/article_requests")
            yield Request(
                strip_tracking(link.url),
                headers=self._headers(),
                callback=self.parse_article,
                errback=self.on_error,
                meta={"newsmon_kind": "article"},
            )

    def parse_article(self, response: Response) -> Iterable[Page | AttachmentFile | Request]:
        assert self.source is not None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        html_like = not ctype or any(t in ctype for t in ("html", "xml", "text/plain"))
        if attachment_kind(head=response.body[:4096]) != "other" or (
            not html_like and attachment_kind(response.url, ctype) != "other"
        ):
            # A listing or sitemap that links the document itself (a plan published as a PDF).
            yield self._attachment_item(response, None)
            return
        if not html_like:
            self.report_error(response.url, "not_html", response.status, f"unsupported content type {ctype}")
            return
        redirects = response.request.meta.get("redirect_urls") or []
        yield Page(
            url=response.url,
            body=response.body,
            status=response.status,
            headers={
                k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
            },
            fetched_at=datetime.now(UTC),
            source_id=self.source.id,
            requested_url=redirects[0] if redirects else None,
        )
        if isinstance(response, TextResponse):
            yield from self.attachment_requests(response)

    # --- attachments -------------------------------------------------------

    def attachment_requests(self, response: TextResponse) -> Iterable[Request]:
        """Requests for the same-site PDF and DOCX files the article links, not fetched before."""
        settings = self.crawler.settings
        if not settings.getbool("NEWSMON_ATTACHMENTS", True):
            return
        cap = settings.getint("NEWSMON_ATTACHMENTS_PER_ARTICLE", ATTACHMENTS_PER_ARTICLE)
        links: list[Link] = []
        seen: set[str] = set()
        for href in response.css("a::attr(href)").getall():
            href = href.strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            url = urljoin(response.url, href)
            if not is_attachment_url(url) or not self._allowed(url) or url in seen:
                continue
            seen.add(url)
            links.append(Link(url))
            if len(links) >= cap:
                break
        article_url = canonical_url(response.url)
        max_bytes = settings.getint("NEWSMON_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)
        for link in self._new(links):
            key = canonical_url(link.url)
            if key in self._scheduled:
                continue
            self._scheduled.add(key)
            self.crawler.stats.inc_value("newsmon/attachments/requested")
            yield Request(
                strip_tracking(link.url),
                headers=self._headers(),
                callback=self.parse_attachment,
                errback=self.on_error,
                cb_kwargs={"article_url": article_url},
                meta={"newsmon_kind": "attachment", "download_maxsize": max_bytes},
            )

    def parse_attachment(
        self, response: Response, article_url: str | None = None
    ) -> Iterable[AttachmentFile]:
        yield self._attachment_item(response, article_url)

    def _attachment_item(self, response: Response, article_url: str | None) -> AttachmentFile:
        assert self.source is not None
        return AttachmentFile(
            url=response.url,
            body=response.body,
            article_url=article_url,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None,
            source_id=self.source.id,
            status=response.status,
            fetched_at=datetime.now(UTC),
        )

    # --- errors ----------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind, status, message = classify_failure(failure)
        if kind == "robots":
            self.crawler.stats.inc_value("newsmon/robots_disallowed")
            logger.info("%s: %s disallowed by robots.txt", self.source_id, url)
            return
        logger.warning("%s: %s %s (%s)", self.source_id, kind, url, message)
        self.report_error(url, kind, status, message)

    def report_error(self, url: str, kind: str, status: int | None, message: str) -> None:
        """Count an error by kind (and record it, when a database is attached)."""
        if self.error_sink is not None:
            self.error_sink(url, kind, status, message)
        else:
            self.crawler.stats.inc_value(f"newsmon/errors/{kind}")
