"""Live check of registry sources: the operator's tool to verify and repair ``sources.yaml``.

For each source, every discovery URL (feeds, sitemaps, listing pages) is fetched with a
plain HTTP client (urllib), with bounded timeouts, and checked: reachable or not (and why),
redirected to another domain, a valid feed or sitemap, how many article links it gives.
One discovered article is then fetched and extracted (title, date, body length).

Sources are checked concurrently in a thread pool; with no network every source comes back
``unreachable`` within about one timeout. Nothing is written anywhere: this is read-only.

    results = check_sources(registry.sources, timeout=10, user_agent=settings.USER_AGENT)
    print(format_report(results))
    sys.exit(exit_status(results))
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from parsel import Selector

from pipeline.extract.decode import decode_html
from pipeline.process import ExtractionFailed, process_page
from pipeline.sources import Source
from pipeline.types import Page
from spiders.discovery import DiscoveryError, Link, listing_links, parse_feed, parse_sitemap
from spiders.learn import Learned, learn_home

MAX_BODY = 20 * 1024 * 1024
MAX_SITEMAP_DEPTH = 2
DEFAULT_USER_AGENT = "newsmon-source-check"

OK = "ok"
DEGRADED = "degraded"
UNREACHABLE = "unreachable"
UNSUPPORTED = "unsupported"
STATUSES = (OK, DEGRADED, UNREACHABLE, UNSUPPORTED)


@dataclass
class UrlCheck:
    """One fetched discovery URL (``kind``: prime, feed, sitemap, listing)."""

    url: str
    kind: str
    reachable: bool = False
    status: int | None = None
    error: str | None = None  # dns, timeout, connection_refused, tls, http_404, redirect_loop, ...
    message: str = ""
    final_url: str | None = None
    new_domain: str | None = None  # set when a redirect left the source's domains
    valid: bool | None = None  # feed/sitemap parsed (None: not a feed or sitemap, or unreachable)
    links: int = 0
    seconds: float = 0.0


@dataclass
class ArticleCheck:
    """The one article fetched and extracted for a source."""

    url: str
    ok: bool = False
    title: str | None = None
    published: str | None = None  # ISO 8601
    body_chars: int = 0
    error: str | None = None


@dataclass
class CheckResult:
    """Everything checked for one source, and its verdict (``status``)."""

    source_id: str
    status: str
    urls: list[UrlCheck] = field(default_factory=list)
    links_found: int = 0
    article: ArticleCheck | None = None
    redirects: list[str] = field(default_factory=list)  # "old -> new" domain moves
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --- fetching ----------------------------------------------------------------------------


@dataclass
class _Fetched:
    url: str
    status: int
    body: bytes
    headers: dict[str, str]


class _FetchError(Exception):
    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def _classify(exc: BaseException) -> tuple[str, str, int | None]:
    """(error kind, message, HTTP status) for a urllib failure."""
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in (301, 302, 303, 307, 308):
            return "redirect_loop", f"HTTP {exc.code}: {exc.reason}", exc.code
        return f"http_{exc.code}", f"HTTP {exc.code}", exc.code
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "dns", f"DNS lookup failed: {reason}", None
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timeout", "timed out", None
    if isinstance(reason, ConnectionRefusedError):
        return "connection_refused", "connection refused", None
    if isinstance(reason, ssl.SSLError):
        return "tls", f"TLS error: {reason}", None
    if isinstance(reason, OSError):
        return "connection", f"{type(reason).__name__}: {reason}", None
    return "connection", str(reason) or type(reason).__name__, None


class _Client:
    """A urllib opener with a cookie jar (one per source, so priming carries over)."""

    def __init__(self, timeout: float, user_agent: str, headers: dict[str, str]) -> None:
        self.timeout = timeout
        self.headers = {"User-Agent": user_agent, "Accept": "*/*", **headers}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> _Fetched:
        request = urllib.request.Request(url, headers=self.headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_BODY + 1)
                return _Fetched(
                    response.geturl(),
                    response.status,
                    body[:MAX_BODY],
                    {k.lower(): v for k, v in response.headers.items()},
                )
        except (urllib.error.URLError, OSError, ValueError) as exc:
            kind, message, status = _classify(exc)
            raise _FetchError(kind, message, status) from None
        except Exception as exc:  # http.client errors (bad status line, incomplete read)
            raise _FetchError("connection", f"{type(exc).__name__}: {exc}") from None


def _registered(host: str) -> str:
    host = host.lower().removeprefix("www.")
    return host


def _new_domain(source: Source, requested: str, final: str) -> str | None:
    """The new host when a redirect left the source's domains (www. changes do not count)."""
    old, new = urlsplit(requested).hostname or "", urlsplit(final).hostname or ""
    if _registered(old) == _registered(new):
        return None
    allowed = [_registered(d) for d in source.allowed_domains]
    if any(_registered(new) == d or _registered(new).endswith("." + d) for d in allowed):
        return None
    return new


# --- checking one source -------------------------------------------------------------------


class _SourceChecker:
    def __init__(self, source: Source, timeout: float, user_agent: str) -> None:
        self.source = source
        self.client = _Client(timeout, user_agent, dict(source.request.headers))
        self.result = CheckResult(source.id, UNREACHABLE)
        self.candidates: list[Link] = []
        # Stop fetching once a source has used this much time (slow sites must not stall the run).
        self.deadline = time.monotonic() + max(timeout * 4, 1.0)

    def fetch(self, url: str, kind: str) -> tuple[UrlCheck, _Fetched | None]:
        check = UrlCheck(url, kind)
        self.result.urls.append(check)
        if time.monotonic() > self.deadline:
            check.error, check.message = "skipped", "time budget for this source used up"
            return check, None
        started = time.monotonic()
        try:
            fetched = self.client.get(url)
        except _FetchError as exc:
            check.error, check.message, check.status = exc.kind, exc.message, exc.status
            # An HTTP error status means the server answered: reachable, but the URL is broken.
            check.reachable = exc.status is not None
            check.seconds = round(time.monotonic() - started, 3)
            return check, None
        check.seconds = round(time.monotonic() - started, 3)
        check.reachable, check.status, check.final_url = True, fetched.status, fetched.url
        check.new_domain = _new_domain(self.source, url, fetched.url)
        if check.new_domain:
            move = f"{urlsplit(url).hostname} -> {check.new_domain}"
            if move not in self.result.redirects:
                self.result.redirects.append(move)
        return check, fetched

    def _keep(self, links: Iterable[Link], pattern: str | None) -> list[Link]:
        compiled = re.compile(pattern) if pattern else None
        return [link for link in links if not compiled or compiled.search(link.url)]

    def run(self) -> CheckResult:
        started = time.monotonic()
        source, disc = self.source, self.source.discovery
        if source.request.unsupported:
            self.result.status = UNSUPPORTED
            self.result.problems.append(f"marked unsupported: {source.request.unsupported}")
            return self.result
        if source.request.cookies_from:
            check, _ = self.fetch(source.request.cookies_from, "prime")
            if not check.reachable:
                self.result.problems.append(f"cookie priming failed: {check.error} ({check.message})")
        if disc.is_auto:
            self._learn()
        for url in disc.feeds:
            check, links = self._feed(url)
            if links is not None:
                self._found(check, links)
        for url in disc.sitemaps:
            self._sitemap(url, 0)
        for listing in disc.listings:
            pattern = listing.article_pattern or disc.article_pattern
            for url in listing.urls:
                check, fetched = self.fetch(url, "listing")
                if fetched is None:
                    continue
                html, _ = decode_html(fetched.body, fetched.headers)
                links = listing_links(Selector(text=html), fetched.url, pattern, listing.article_selector)
                self._found(check, links)
        self._article()
        self._verdict()
        self.result.seconds = round(time.monotonic() - started, 3)
        return self.result

    def _learn(self) -> None:
        """A source with only its homepage: what the homepage teaches (as the crawler learns it)."""
        check, fetched = self.fetch(self.source.homepage, "home")
        if fetched is None:
            return
        html, _ = decode_html(fetched.body, fetched.headers)
        learned = learn_home(html, fetched.url)
        check.valid = learned.article_pattern is not None
        check.message = (
            f"learned {len(learned.feeds)} feeds, {len(learned.listings)} listings, "
            f"article pattern {learned.article_pattern or 'none'}"
        )
        self._found(check, [Link(url) for url in learned.articles])
        for url in learned.feeds:
            self._feed(url)

    def _feed(self, url: str) -> tuple[UrlCheck, list[Link] | None]:
        """Fetch and validate a feed; its article links (by the source's pattern, if any), None
        when it could not be fetched."""
        check, fetched = self.fetch(url, "feed")
        if fetched is None:
            return check, None
        try:
            links = self._keep(parse_feed(fetched.body, fetched.url), self.source.discovery.article_pattern)
        except DiscoveryError as exc:
            check.valid, check.message = False, str(exc)
            return check, []
        check.valid = True
        return check, links

    def _found(self, check: UrlCheck, links: list[Link]) -> None:
        check.links = len(links)
        self.result.links_found += len(links)
        self.candidates.extend(links)

    def _sitemap(self, url: str, depth: int) -> None:
        check, fetched = self.fetch(url, "sitemap")
        if fetched is None:
            return
        try:
            sitemap = parse_sitemap(fetched.body, fetched.url)
        except DiscoveryError as exc:
            check.valid, check.message = False, str(exc)
            return
        check.valid = True
        if not sitemap.is_index:
            self._found(check, self._keep(sitemap.links, self.source.discovery.article_pattern))
            return
        check.message = f"sitemap index of {len(sitemap.links)}"
        if depth >= MAX_SITEMAP_DEPTH or not sitemap.links:
            return
        newest = max(sitemap.links, key=lambda s: s.published or datetime.min.replace(tzinfo=UTC))
        self._sitemap(newest.url, depth + 1)

    def _article(self) -> None:
        if not self.candidates:
            return
        newest = max(self.candidates, key=lambda s: s.published or datetime.min.replace(tzinfo=UTC))
        article = ArticleCheck(newest.url)
        self.result.article = article
        check, fetched = self.fetch(newest.url, "article")
        if fetched is None:
            article.error = f"{check.error}: {check.message}"
            return
        page = Page(
            url=fetched.url,
            body=fetched.body,
            status=fetched.status,
            headers=fetched.headers,
            fetched_at=datetime.now(UTC),
            source_id=self.source.id,
            requested_url=newest.url,
        )
        try:
            extracted = process_page(page, self.source.selectors(), newest.published)
        except ExtractionFailed as exc:
            article.error = f"extraction failed: {exc}"
            return
        except Exception as exc:  # a checker must report, not crash, on a hostile page
            article.error = f"extraction error: {type(exc).__name__}: {exc}"
            return
        article.ok = True
        article.title = extracted.title
        article.published = extracted.published.isoformat() if extracted.published else None
        article.body_chars = len(extracted.text)

    def _verdict(self) -> None:
        discovery = [c for c in self.result.urls if c.kind in ("home", "feed", "sitemap", "listing")]
        result = self.result
        for check in discovery:
            if check.error:
                result.problems.append(f"{check.kind} {check.url}: {check.error} ({check.message})")
            elif check.valid is False:
                result.problems.append(f"{check.kind} {check.url}: invalid: {check.message}")
        if result.redirects:
            result.problems.append("redirected to another domain: " + ", ".join(result.redirects))
        if not any(c.reachable for c in discovery):
            result.status = UNREACHABLE
            return
        if result.links_found == 0:
            result.problems.append("no article links found")
        if result.article is not None and not result.article.ok:
            result.problems.append(f"article {result.article.url}: {result.article.error}")
        elif result.article is not None and not result.article.published:
            result.problems.append(f"article {result.article.url}: no publication date found")
        result.status = OK if not result.problems else DEGRADED


# --- the whole registry ---------------------------------------------------------------------


def check_source(source: Source, timeout: float = 10, user_agent: str | None = None) -> CheckResult:
    """Check one source live (see the module docstring)."""
    return _SourceChecker(source, timeout, user_agent or DEFAULT_USER_AGENT).run()


def discover_homepage(url: str, timeout: float = 10, user_agent: str | None = None) -> Learned:
    """Fetch a homepage and learn its feeds, listings and article shape (``sources discover``).

    Raises ``ValueError`` with what went wrong when the page cannot be fetched.
    """
    client = _Client(timeout, user_agent or DEFAULT_USER_AGENT, {})
    try:
        fetched = client.get(url)
    except _FetchError as exc:
        raise ValueError(f"could not fetch {url}: {exc.kind} ({exc.message})") from None
    html, _ = decode_html(fetched.body, fetched.headers)
    return learn_home(html, fetched.url)


def check_sources(
    sources: Iterable[Source],
    timeout: float = 10,
    concurrency: int = 16,
    user_agent: str | None = None,
) -> list[CheckResult]:
    """Check sources concurrently; results in the order given. ``timeout`` is per request."""
    sources = list(sources)
    if not sources:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(sources)))) as pool:
        return list(pool.map(lambda s: check_source(s, timeout, user_agent), sources))


def summarize(results: Iterable[CheckResult]) -> dict[str, int]:
    """Counts per status (ok, degraded, unreachable, unsupported) and the total."""
    results = list(results)
    counts = Counter(r.status for r in results)
    return {**{status: counts.get(status, 0) for status in STATUSES}, "total": len(results)}


def exit_status(results: Iterable[CheckResult]) -> int:
    """0 when every checked source is ok (unsupported ones aside), else 1."""
    return 0 if all(r.status in (OK, UNSUPPORTED) for r in results) else 1


def format_report(results: list[CheckResult], seconds: float | None = None) -> str:
    """A plain-text report: one block per source, then the summary line."""
    lines: list[str] = []
    for r in results:
        head = f"{r.status.upper():<11} {r.source_id}: {r.links_found} article links"
        if r.article is not None and r.article.ok:
            head += (
                f"; article {r.article.title!r} ({r.article.published or 'no date'},"
                f" {r.article.body_chars} chars)"
            )
        lines.append(head)
        for check in r.urls:
            if check.kind == "article":
                continue
            if check.reachable and not check.error:
                state = f"HTTP {check.status}"
                if check.valid is not None:
                    state += ", valid" if check.valid else ", INVALID"
                state += f", {check.links} links"
                if check.final_url and check.final_url != check.url:
                    state += f", redirected to {check.final_url}"
                if check.message:
                    state += f" ({check.message})"
            else:
                state = f"{check.error}: {check.message}"
            lines.append(f"    {check.kind:<8} {check.url}  {state}")
        lines.extend(f"    ! {p}" for p in r.problems if not p.startswith(("feed ", "sitemap ", "listing ")))
    summary = summarize(results)
    tail = (
        f"{summary['total']} sources: {summary['ok']} ok, {summary['degraded']} degraded,"
        f" {summary['unreachable']} unreachable, {summary['unsupported']} unsupported"
    )
    if seconds is not None:
        tail += f" in {seconds:.1f}s"
    lines.append(tail)
    return "\n".join(lines)
