"""Publication dates: Vietnamese visible formats, page metadata, URLs and plain-text datelines.

All values are timezone-aware in Asia/Ho_Chi_Minh. Vietnamese dates are always day first.
Portals print today's date in the page header, so a page is searched in order of trust:
JSON-LD, then meta tags, then a dateline *after the article title*, then the URL; never
"the first date on the page".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from pipeline.extract.htmltree import find_title_element, is_boilerplate, iter_jsonld, meta_map, parse_html
from pipeline.text import nfc

logger = logging.getLogger(__name__)

__all__ = [
    "TZ",
    "ParsedDate",
    "date_from_url",
    "find_published",
    "find_published_in_text",
    "is_dateline",
    "parse_vi_date",
    "parse_vi_datetime",
    "resolve_yearless",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_MIN_YEAR, _MAX_YEAR = 1990, 2100

_ISO_RE = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?(?!\d)"
)
_YMD_RE = re.compile(r"(?<![\d/.])(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?![\d/.])")
_DMY_RE = re.compile(r"(?<![\d/.-])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?![\d/.-])")
_LONG_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_TIME_RE = re.compile(
    r"(?<![\d:.,/])(\d{1,2})\s?(?::|h|giờ\s?)\s?(\d{2})(?:\s?:\s?(\d{2}))?(?![\d/])"
    r"(?:\s?(?:phút\s?)?'?\s?([AaPp])\.?\s?[Mm]\b\.?)?"
)
_TZ_RE = re.compile(r"(?:GMT|UTC)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_TIME_WINDOW = 40

# Words that may surround a date in a dateline; a line made of these and a date is only a date.
_DATELINE_NOISE_RE = re.compile(
    r"\b(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s*nhật|ngày\s+(?:đăng(?:\s+bài)?|cập\s+nhật|xuất\s+bản)"
    r"|cập\s+nhật|đăng\s+(?:lúc|ngày)|đăng|xuất\s+bản|lúc|ngày|giờ|phút|gmt|utc|am|pm|sáng|chiều|tối|trưa"
    r"|published|updated|posted|date|on|at)\b",
    re.IGNORECASE,
)


class ParsedDate(NamedTuple):
    """A parsed date and whether the text gave a time of day (date-only values are midnight)."""

    value: datetime
    has_time: bool


def _offset(s: str) -> timezone | None:
    m = _TZ_RE.search(s)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


def _iso_tz(raw: str | None) -> timezone | None:
    if not raw:
        return None
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(
    y: int, mo: int, d: int, h: int = 0, mi: int = 0, sec: int = 0, tz: timezone | None = None
) -> datetime | None:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        # The page's own clock: a page dated 15 January 23:30 in New York is a 15 January page,
        # whatever day it was in Hanoi; a time without a zone is Vietnam's.
        return datetime(y, mo, d, h, mi, sec, tzinfo=tz or TZ)
    except ValueError:
        return None


def _time_near(s: str, start: int, end: int) -> tuple[int, int, int] | None:
    """The time of day written closest to the date at ``s[start:end]`` (before or after it)."""
    best: tuple[int, tuple[int, int, int]] | None = None
    lo = max(0, start - _TIME_WINDOW)
    for m in _TIME_RE.finditer(s, lo, min(len(s), end + _TIME_WINDOW)):
        if start <= m.start() < end:
            continue
        hour, minute, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower()
        if ampm == "p" and hour < 12:
            hour += 12  # "17:01 PM" is just 17:01
        elif ampm == "a" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59 or sec > 59:
            continue
        distance = start - m.end() if m.end() <= start else m.start() - end
        if best is None or distance < best[0]:
            best = (distance, (hour, minute, sec))
    return best[1] if best else None


def parse_vi_date(s: str) -> ParsedDate | None:
    """Parse one date written the Vietnamese way (day first) or in ISO 8601.

    Handles datelines such as ``Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)``,
    ``Cập nhật 11:51 ngày 12/07/2018``, ``16:52 | 04/05/2024 GMT+7`` or
    ``2024-08-07T17:01:00+07:00``. Returns the first valid date in ``s``.
    """
    if not s or not any(ch.isdigit() for ch in s):
        return None
    s = nfc(s)
    m = _ISO_RE.search(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4):
            tz = _iso_tz(m.group(7)) or _offset(s[m.end() :])
            value = _build(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0), tz)
            if value:
                return ParsedDate(value, True)
        else:
            value = _build(y, mo, d)
            if value:
                found = _time_near(s, m.start(), m.end())
                if found:
                    value = _build(y, mo, d, *found, tz=_offset(s)) or value
                return ParsedDate(value, found is not None)
    candidates: list[tuple[int, int, int, int, int]] = []  # start, end, y, m, d
    for m in _DMY_RE.finditer(s):
        candidates.append((m.start(), m.end(), int(m.group(4)), int(m.group(3)), int(m.group(1))))
    for m in _LONG_RE.finditer(s):
        candidates.append((m.start(), m.end(), int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in _YMD_RE.finditer(s):
        candidates.append((m.start(), m.end(), int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for start, end, y, mo, d in sorted(candidates):
        if _build(y, mo, d) is None:
            continue
        found = _time_near(s, start, end)
        if found:
            value = _build(y, mo, d, *found, tz=_offset(s))
            if value:
                return ParsedDate(value, True)
        value = _build(y, mo, d)
        if value:
            return ParsedDate(value, False)
    return None


def parse_vi_datetime(s: str) -> datetime | None:
    """Like :func:`parse_vi_date` but only the value (midnight local when no time is given)."""
    parsed = parse_vi_date(s)
    return parsed.value if parsed else None


def is_dateline(line: str) -> bool:
    """True when a line holds a date and nothing else but weekday/label words (``Cập nhật``, ``GMT+7``)."""
    if len(line) > 120 or parse_vi_date(line) is None:
        return False
    rest = _ISO_RE.sub(" ", line)
    rest = _DMY_RE.sub(" ", rest)
    rest = _LONG_RE.sub(" ", rest)
    rest = _TIME_RE.sub(" ", rest)
    rest = _TZ_RE.sub(" ", rest)
    rest = _DATELINE_NOISE_RE.sub(" ", rest)
    return sum(ch.isalpha() for ch in rest) <= 2


# ---------------------------------------------------------------------------- pages

_ARTICLE_TYPE_RE = re.compile(r"article|posting|report|news", re.IGNORECASE)
_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "created",
)
_DATE_HINT_RE = re.compile(
    r"date|time|publish|posted|meta|info|ngay|thoigian|thoi-gian|created|datetime|dateline|detail-top",
    re.IGNORECASE,
)
_VISIBLE_MAX_ELEMENTS = 80
_VISIBLE_MAX_CHARS = 3000
_URL_PATTERNS = (
    # baochinhphu.vn and other VCCorp sites: -102YYMMDDhhmmss... .htm
    re.compile(
        r"-1\d\d(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})\d{0,6}\.html?$"
    ),
    # tuoitre.vn style: -YYYYMMDDhhmmss... .htm
    re.compile(r"-(?P<Y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})\d{0,6}\.html?$"),
    re.compile(r"/(?P<Y>(?:19|20)\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?:[/-]|$)"),
    re.compile(r"/(?P<Y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),
)


def _type_matches(obj: dict[str, object]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and _ARTICLE_TYPE_RE.search(k) for k in kinds)


def _jsonld_candidates(root: HtmlElement, wanted: bool = True) -> Iterator[str]:
    """``datePublished``/``dateCreated`` of JSON-LD objects of an article type (``wanted``) or of
    any other type (an ImageObject's or a WebPage's date is not the article's: trusted less)."""
    objects = list(iter_jsonld(root))
    for _ in (wanted,):
        for obj in objects:
            if _type_matches(obj) != wanted:
                continue
            for key in ("datePublished", "dateCreated"):
                value = obj.get(key)
                if isinstance(value, list) and value:
                    value = value[0]
                if isinstance(value, str) and value.strip():
                    yield value


def _meta_candidates(root: HtmlElement) -> Iterator[str]:
    metas = meta_map(root)
    for key in _META_KEYS:
        if key in metas:
            yield metas[key]
    for el in root.xpath('/descendant::*[@itemprop="datePublished"][not(self::meta)]'):
        value = el.get("datetime") or el.get("content") or el.text_content()
        if value and value.strip():
            yield value
    for el in root.xpath(
        "//article/descendant::time[@datetime] | /descendant::time[@datetime][@pubdate or @itemprop]"
    ):
        if not is_boilerplate(el):
            yield el.get("datetime", "")


def _own_texts(el: HtmlElement) -> Iterator[str]:
    if el.text and el.text.strip():
        yield el.text.strip()
    if el.tail and el.tail.strip():
        yield el.tail.strip()


def _visible_candidates(root: HtmlElement) -> Iterator[str]:
    """Date strings shown after the article title (never in page header, nav, footer, aside)."""
    metas = meta_map(root)
    title_tag = root.find(".//title")
    hints = [metas.get("og:title", ""), title_tag.text_content() if title_tag is not None else ""]
    anchor = find_title_element(root, hints)
    if anchor is None:
        return
    after = False
    seen = chars = 0
    for el in root.iter():
        if el is anchor:
            after = True
            tail = (
                el.tail or ""
            ).strip()  # text right after the title element, e.g. "<h1>..</h1> 07/08/2024"
            if tail and len(tail) <= 120 and is_dateline(tail):
                yield tail
            continue
        if not after or not isinstance(el.tag, str) or anchor in el.iterancestors():
            continue
        seen += 1
        if seen > _VISIBLE_MAX_ELEMENTS or chars > _VISIBLE_MAX_CHARS:
            return
        if el.tag in ("script", "style") or is_boilerplate(el):
            continue
        if el.tag == "time" and el.get("datetime"):
            yield el.get("datetime", "")
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if marker.strip() and _DATE_HINT_RE.search(marker):
            text = el.text_content().strip()
            if text and len(text) <= 200:
                yield text
        for text in _own_texts(el):
            chars += len(text)
            if len(text) <= 120 and is_dateline(text):
                yield text


def _htmldate_candidates(root: HtmlElement, url: str | None = None, *, extensive: bool) -> Iterator[str]:
    """htmldate, original date preferred. Its quick search reads meta names, attributes, JSON,
    scripts, ``<time>`` anywhere and the URL; the extensive one also reads the text (dates written
    with month names in many languages) and can call a slow parser."""
    from htmldate import find_date

    try:
        found = find_date(
            root, extensive_search=extensive, original_date=True, outputformat="%Y-%m-%d", url=url
        )
    except (ValueError, TypeError, AttributeError) as exc:  # htmldate on a tree it cannot read
        logger.debug("htmldate failed: %s", exc)
        return
    if found:
        yield found


_VI_PAGE_RE = re.compile("[ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def _is_vietnamese_page(root: HtmlElement) -> bool:
    """By the page's ``lang``, else by Vietnamese letters in its title and description."""
    lang = (root.get("lang") or root.get("xml:lang") or "").lower()
    if lang:
        return lang.startswith("vi")
    metas = meta_map(root)
    title = root.find(".//title")
    sample = " ".join(
        [
            title.text_content() if title is not None else "",
            metas.get("description", ""),
            metas.get("og:title", ""),
        ]
    )
    return len(_VI_PAGE_RE.findall(sample)) >= 3


def date_from_url(url: str) -> datetime | None:
    """A date embedded in an article URL (``/2024/08/07/``, baochinhphu ``-102YYMMDDhhmmss.htm``)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in _URL_PATTERNS:
        m = pattern.search(path)
        if not m:
            continue
        parts = m.groupdict()
        year = int(parts["Y"]) if parts.get("Y") else 2000 + int(parts["y"])
        value = _build(
            year,
            int(parts["m"]),
            int(parts["d"]),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
        )
        if value:
            return value
    return None


def _first_structured(
    root: HtmlElement,
    structured: tuple[tuple[str, Callable[[HtmlElement], Iterator[str]]], ...],
    limit: datetime,
) -> tuple[datetime, str] | None:
    for source, finder in structured:
        for raw in finder(root):
            value = parse_vi_datetime(raw)
            if value is not None and value <= limit:
                return value, source
    return None


def _explicit_offset(value: datetime) -> bool:
    """Written with an offset of its own (``+01:00``, ``-05:00``): not UTC, not a bare time."""
    return isinstance(value.tzinfo, timezone) and value.utcoffset() != timedelta(0)


def _local_day(value: datetime, url: str | None, source: str) -> datetime:
    """The day the page states, where the URL dates the article too.

    A URL with a full date (``/2019/10/22/``, ``-102YYMMDDhhmmss.htm``) is written when the article
    is published, and never changes. A time stamped in UTC (``Z``, ``+00:00``) is the server's
    clock: a day apart from the URL's (``2023-11-09T03:28Z`` for ``/2023/11/08/``, an evening in
    New York) the URL's day is the page's. Meta tags and searched text that disagree with the
    URL by more than a day hold another date (a modification, a date in the text): the URL's day
    wins, at the time found when it has one.
    """
    if not url or source == "htmldate":  # htmldate weighs the URL's date itself
        return value
    from_url = date_from_url(url)
    if from_url is None:
        return value
    gap = abs((from_url.date() - value.date()).days)
    utc = value.utcoffset() == timedelta(0)
    if gap == 0 or (gap == 1 and not utc) or (source == "jsonld" and gap <= 1 and not utc):
        return value
    if source == "jsonld" and gap > 1:
        return from_url
    return value.replace(year=from_url.year, month=from_url.month, day=from_url.day) if gap == 1 else from_url


def find_published(
    tree_or_html: HtmlElement | str | bytes,
    url: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[datetime | None, str | None]:
    """The publication date of a page and where it came from: jsonld, meta, visible or url.

    Dates more than a day in the future are rejected (broken metadata, or a header clock).
    """
    root = tree_or_html if isinstance(tree_or_html, HtmlElement) else parse_html(tree_or_html)
    limit = (now or datetime.now(TZ)) + timedelta(days=1)
    if root is not None:
        structured: tuple[tuple[str, Callable[[HtmlElement], Iterator[str]]], ...] = (
            ("jsonld", _jsonld_candidates),
            ("meta", _meta_candidates),
            ("jsonld", lambda r: _jsonld_candidates(r, wanted=False)),
        )

        def htmldate_quick(r: HtmlElement) -> Iterator[str]:
            return _htmldate_candidates(r, url, extensive=False)

        def htmldate_extensive(r: HtmlElement) -> Iterator[str]:
            return _htmldate_candidates(r, url, extensive=True)

        if _is_vietnamese_page(root):
            # Vietnamese portals print today's date in their header, which a generic finder
            # takes for the article's: on their pages the dateline after the title comes first.
            finders = (*structured, ("visible", _visible_candidates))
        else:
            own = _first_structured(root, structured, limit)
            if own is not None and _explicit_offset(own[0]):
                # The page states its time with its own offset: that is its day (measured on
                # htmldate's evaluation set; a generic search is off by one around midnight).
                return _local_day(own[0], url, own[1]), own[1]
            # htmldate's quick search, then newsmon's own finders, then htmldate's extensive
            # search as the last resort: its text search is the slow part, and on htmldate's
            # set this order scores as well as extensive-first at a fraction of the cost.
            finders = (
                ("htmldate", htmldate_quick),
                *structured,
                ("visible", _visible_candidates),
                ("htmldate", htmldate_extensive),
            )
        for source, finder in finders:
            for raw in finder(root):
                value = parse_vi_datetime(raw)
                if value is None:
                    continue
                if value > limit:
                    logger.debug("rejected future %s date %r", source, raw)
                    continue
                return _local_day(value, url, source), source
    if url:
        value = date_from_url(url)
        if value is not None and value <= limit:
            return value, "url"
    return None, None


def find_published_in_text(text: str, *, max_lines: int = 8) -> datetime | None:
    """The dateline of a plain-text article: a line near the top that is only a date."""
    checked = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        checked += 1
        if checked > max_lines:
            break
        if is_dateline(line):
            return parse_vi_datetime(line)
    return None


def resolve_yearless(day: int, month: int, reference: date | datetime) -> date | None:
    """Give a yearless in-text date (``ngày 18-8``) the year that puts it closest before ``reference``.

    A report published in January about "28/12" is about last December; an event a few weeks
    after the reference (announcements) keeps the reference year.
    """
    ref = reference.date() if isinstance(reference, datetime) else reference
    try:
        this_year = date(ref.year, month, day)
    except ValueError:
        try:
            return date(ref.year - 1, month, day) if month == 2 and day == 29 else None
        except ValueError:
            return None
    if (this_year - ref).days > 60:
        try:
            return date(ref.year - 1, month, day)
        except ValueError:
            return None
    return this_year
