"""Saved pages as pipeline input: HTML and text files (gzipped too: ``page.html.gz``),
directories, JSON lines (``{"url": ..., "html": ...}``), WARC/ARC archives (wget, Heritrix,
Browsertrix).

Readers never raise on a bad record: they append a line saying what to fix to ``problems``
and go on with the next one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pipeline.types import Page

__all__ = ["UnreadableFile", "declared_url", "input_kind", "iter_inputs", "page_from_file"]


class UnreadableFile(ValueError):
    """A saved page that cannot be read (a truncated or corrupt .gz)."""


def page_from_file(path: Path, url: str | None, source_id: str | None = None) -> Page:
    body = path.read_bytes()
    name = path.name.lower()
    if name.endswith(".gz"):
        import gzip
        import zlib

        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"{path}: not a readable gzip file ({exc}); gunzip it to check") from None
        name = name[:-3]
    headers = {"content-type": "text/plain; charset=utf-8"} if name.endswith(".txt") else {}
    if url is None:
        url = declared_url(body) or path.resolve().as_uri()
    return Page(url=url, body=body, headers=headers, source_id=source_id, fetched_at=datetime.now(UTC))


def declared_url(body: bytes) -> str | None:
    """The page's own URL from <link rel=canonical> or og:url, for saved pages."""
    import re

    head = body[:65536].decode("utf-8", "replace")
    for pattern in (
        r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"'](https?://[^\"']+)",
        r"<link[^>]+href=[\"'](https?://[^\"']+)[\"'][^>]+rel=[\"']canonical",
        r"<meta[^>]+property=[\"']og:url[\"'][^>]+content=[\"'](https?://[^\"']+)",
    ):
        m = re.search(pattern, head, re.IGNORECASE)
        if m:
            return m.group(1)
    return None


def iter_inputs(
    paths: Iterable[Path], url: str | None, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    """Pages from files, directories, JSON lines and WARC archives."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and input_kind(p))
            yield from iter_inputs(files, None, source_for, problems)
            continue
        kind = input_kind(path)
        if kind == "jsonl":
            yield from _iter_jsonl(path, source_for, problems)
        elif kind == "warc":
            yield from _iter_warc(path, source_for, problems)
        elif kind in ("html", "txt"):
            try:
                page = page_from_file(path, url)
            except UnreadableFile as exc:
                problems.append(str(exc))
                continue
            page.source_id = source_for(page.url)
            yield page, None
        else:
            problems.append(f"{path}: skipped (not .html, .htm, .txt, .jsonl or .warc, gzipped or not)")


def input_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
        return "warc"
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        return "jsonl"
    name = name.removesuffix(".gz")
    if name.endswith((".html", ".htm", ".xhtml", ".shtml", ".aspx")):
        return "html"
    if name.endswith(".txt"):
        return "txt"
    return None


def _iter_jsonl(
    path: Path, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                url, html = record["url"], record["html"]
                if not isinstance(url, str) or not isinstance(html, str):
                    raise TypeError("'url' and 'html' must be strings")
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f'{path}:{lineno}: skipped: expected {{"url": ..., "html": ...}} ({exc})')
                continue
            published = None
            if record.get("published"):
                from pipeline.extract.dates import parse_vi_datetime

                published = parse_vi_datetime(str(record["published"]))
            page = Page(
                url=url,
                body=html.encode("utf-8"),
                headers={"content-type": "text/html; charset=utf-8"},
                source_id=record.get("source") or source_for(url),
                fetched_at=datetime.now(UTC),
            )
            yield page, published


def _iter_warc(
    path: Path, source_for: Callable[[str], str | None], problems: list[str]
) -> Iterator[tuple[Page, datetime | None]]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    with path.open("rb") as fh:
        try:
            for record in ArchiveIterator(fh, arc2warc=True):
                if record.rec_type not in ("response", "resource"):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                if not url or not url.startswith(("http://", "https://")):
                    continue
                status = 200
                headers: dict[str, str] = {}
                if record.http_headers is not None:
                    status = int(record.http_headers.get_statuscode() or 0)
                    headers = {k.lower(): v for k, v in record.http_headers.headers}
                else:
                    headers = {"content-type": record.rec_headers.get_header("Content-Type") or ""}
                ctype = headers.get("content-type", "").lower()
                if status != 200 or ("html" not in ctype and "xml" not in ctype):
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.now(UTC)
                body = record.content_stream().read()
                yield (
                    Page(
                        url=url,
                        body=body,
                        headers=headers,
                        status=status,
                        fetched_at=fetched,
                        source_id=source_for(url),
                    ),
                    None,
                )
        except ArchiveLoadFailed as exc:
            problems.append(f"{path}: not a readable WARC/ARC archive: {exc}")
