"""The sample articles as data, loaded from ``content/<site>.yaml``.

Articles are kept apart from markup so that one text can be rendered in several site
shapes (the republished copy), and so that tests can compare what an extractor returns
with what the page was built from: ``paragraphs`` is exactly the body text, and
everything else on the page (chrome, captions, players, comment boxes) is noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

SITES: tuple[str, ...] = ("nhandan", "thanhhoa", "hoabinh", "travinh")
SOURCE_IDS: dict[str, str] = {site: f"sample-{site}" for site in SITES}
HEADING = "## "  # a block starting with this is a sub-heading inside the body

_REQUIRED = ("id", "path", "title", "published", "language", "category", "body")
_OPTIONAL = (
    "sapo",
    "author",
    "seed",
    "republished_from",
    "label",
    "event_key",
    "notes",
    "figures",
    "attribution",
    "attachments",
)


@dataclass(frozen=True)
class Figure:
    """An image in the body. ``after`` = number of body blocks before it (0: lead photo)."""

    image: str
    caption: str
    after: int
    credit: str | None = None
    alt: str | None = None  # renderer default when None (nhandan: "<title> ảnh N")

    @property
    def caption_text(self) -> str:
        """The caption as printed under the photo, with the photo credit if any."""
        return f"{self.caption} (Ảnh: {self.credit})" if self.credit else self.caption


@dataclass(frozen=True)
class Document:
    """A file the article links (a plan as PDF, a programme as DOCX), built when served."""

    file: str  # the file name in the site's upload folder
    title: str  # the link text
    lines: tuple[str, ...]  # its text; a PDF's lines are Latin-1 (Helvetica, no embedded font)

    @property
    def kind(self) -> str:
        return "docx" if self.file.lower().endswith(".docx") else "pdf"

    def render(self) -> bytes:
        from newsmon.sample_sites.documents import docx_file, text_pdf

        return docx_file(list(self.lines)) if self.kind == "docx" else text_pdf(list(self.lines))


@dataclass(frozen=True)
class Article:
    id: str
    site: str
    path: str  # path + query of the canonical URL, as the site links it (not HTML-escaped)
    title: str
    sapo: str | None  # lead paragraph without the outlet prefix ("NDO - ")
    blocks: tuple[str, ...]  # body paragraphs; sub-headings start with HEADING
    published: datetime  # aware, +07:00
    language: str
    category: str
    author: str | None = None
    seed: str | None = None  # "001" when built from data/seeds/001_*.txt
    republished_from: tuple[str, str] | None = None  # (site, path) of the original
    label: str = "news"
    event_key: str | None = None
    notes: str = ""
    figures: tuple[Figure, ...] = ()
    attribution: str | None = None  # "Theo Nhân Dân" on a republished copy
    attachments: tuple[Document, ...] = ()

    @property
    def paragraphs(self) -> list[str]:
        """Body text blocks in order, sub-headings included (without the marker)."""
        return [b.removeprefix(HEADING) for b in self.blocks]

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    def figures_after(self, index: int) -> list[Figure]:
        return [f for f in self.figures if f.after == index]

    def as_dict(self) -> dict[str, Any]:
        """The catalog entry: plain JSON-able values."""
        return {
            "id": self.id,
            "site": self.site,
            "source_id": SOURCE_IDS[self.site],
            "path": self.path,
            "url_path": self.path,
            "title": self.title,
            "lead": self.sapo,
            "paragraphs": self.paragraphs,
            "captions": [f.caption_text for f in self.figures],
            "author": self.author,
            "published": self.published.isoformat(),
            "language": self.language,
            "category": self.category,
            "seed": self.seed,
            "republished_from": (
                {"site": self.republished_from[0], "path": self.republished_from[1]}
                if self.republished_from
                else None
            ),
            "label": self.label,
            "event_key": self.event_key,
            "word_count": self.word_count,
            "attachments": [{"file": d.file, "kind": d.kind, "title": d.title} for d in self.attachments],
        }


class ContentError(ValueError):
    """A content file that does not describe valid articles."""


def _parse_published(value: Any, where: str) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.utcoffset() != timedelta(hours=7):
        raise ContentError(f"{where}: published must carry +07:00, got {value!r}")
    return dt


def _parse_article(site: str, raw: dict[str, Any]) -> Article:
    where = f"content/{site}.yaml: {raw.get('id', '?')}"
    missing = [k for k in _REQUIRED if k not in raw]
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    if missing or unknown:
        raise ContentError(f"{where}: missing {missing} / unknown {sorted(unknown)}")
    blocks = tuple(b.strip() for b in str(raw["body"]).split("\n\n") if b.strip())
    figures = tuple(
        Figure(
            image=f["image"],
            caption=f["caption"],
            after=int(f.get("after", 0)),
            credit=f.get("credit"),
            alt=f.get("alt"),
        )
        for f in raw.get("figures") or ()
    )
    for fig in figures:
        if not 0 <= fig.after <= len(blocks):
            raise ContentError(f"{where}: figure {fig.image} after={fig.after} is outside the body")
    rep = raw.get("republished_from")
    return Article(
        id=raw["id"],
        site=site,
        path=raw["path"],
        title=raw["title"],
        sapo=raw.get("sapo"),
        blocks=blocks,
        published=_parse_published(raw["published"], where),
        language=raw["language"],
        category=raw["category"],
        author=raw.get("author"),
        seed=raw.get("seed"),
        republished_from=(rep["site"], rep["path"]) if rep else None,
        label=raw.get("label") or "news",
        event_key=raw.get("event_key"),
        notes=raw.get("notes") or "",
        figures=figures,
        attribution=raw.get("attribution"),
        attachments=tuple(
            Document(d["file"], d["title"], tuple(str(line) for line in d["lines"]))
            for d in raw.get("attachments") or ()
        ),
    )


def _with_original_body(raw: dict[str, Any]) -> dict[str, Any]:
    """A republished copy without its own body takes the original's body (and lead)."""
    rep = raw.get("republished_from")
    if "body" in raw or not rep:
        return raw
    original = find(rep["site"], rep["path"])
    if original is None:
        raise ContentError(f"{raw.get('id')}: republished_from {rep} names no article")
    return {**raw, "body": "\n\n".join(original.blocks), "sapo": raw.get("sapo", original.sapo)}


@cache
def load_site(site: str) -> tuple[Article, ...]:
    """The articles of one site, newest first (the order of listings and feeds)."""
    if site not in SITES:
        raise KeyError(f"unknown sample site {site!r} (known: {', '.join(SITES)})")
    text = (
        resources.files("newsmon.sample_sites.content").joinpath(f"{site}.yaml").read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    if data.get("site") != site:
        raise ContentError(f"content/{site}.yaml: 'site' must be {site!r}")
    articles = [_parse_article(site, _with_original_body(raw)) for raw in data["articles"]]
    return tuple(sorted(articles, key=lambda a: a.published, reverse=True))


@cache
def all_articles() -> tuple[Article, ...]:
    articles = tuple(a for site in SITES for a in load_site(site))
    for attr in ("id", "path"):
        seen: set[tuple[str, str]] = set()
        for a in articles:
            key = (a.site if attr == "path" else "", getattr(a, attr))
            if key in seen:
                raise ContentError(f"duplicate article {attr} {key[1]!r}")
            seen.add(key)
    return articles


def find(site: str, path: str) -> Article | None:
    return next((a for a in load_site(site) if a.path == path), None)


def catalog() -> list[dict[str, Any]]:
    """Every sample article: what a crawl of all four sites must store, exactly once each."""
    return [a.as_dict() for a in all_articles()]
