"""Data types that flow through the pipeline.

They are plain dataclasses so that the spiders (which may import only these types),
the CLI and the storage adapters can exchange them without knowing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Selectors:
    """Optional per-source CSS selectors that override generic extraction."""

    title: str | None = None
    lead: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    remove: tuple[str, ...] = ()


@dataclass
class Page:
    """A fetched (or saved) page, exactly as it came off the wire.

    ``body`` is the raw bytes; decoding is the pipeline's job because servers lie
    about their charset.
    """

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    source_id: str | None = None
    requested_url: str | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", self.headers.get("Content-Type", ""))


@dataclass
class AttachmentFile:
    """A document (PDF, DOCX) linked from an article, as downloaded.

    ``article_url`` is the page that links it (None when a listing or sitemap linked the
    file itself).
    """

    url: str
    body: bytes
    article_url: str | None = None
    content_type: str | None = None
    source_id: str | None = None
    status: int = 200
    fetched_at: datetime | None = None


@dataclass
class Extracted:
    """What extraction makes of one page: clean text and metadata, NFC-normalised."""

    title: str | None
    lead: str | None
    text: str
    author: str | None = None
    published: datetime | None = None  # timezone-aware, Asia/Ho_Chi_Minh
    published_from: str | None = None  # jsonld | meta | visible | url | text | given
    language: str | None = None
    url: str | None = None  # canonical/og:url declared by the page, if any
    noise_removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "kind: detail", e.g. page_truncated


@dataclass
class Article:
    """An article ready to be stored: extraction plus identity."""

    url: str
    canonical_url: str
    title: str | None
    lead: str | None
    text: str
    author: str | None
    published: datetime | None
    published_from: str | None
    language: str | None
    content_hash: str
    source_id: str | None = None
    warnings: list[str] = field(default_factory=list)  # "kind: detail", e.g. a lying charset

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "author": self.author,
            "lead": self.lead,
            "text": self.text,
            "source": self.source_id,
        }
