"""Text of the documents behind the news: PDF and DOCX attachments.

Plans, decisions and programmes of trainings are usually published as attachments
(``Kế hoạch số 21/KH-UBND … .pdf``) linked from a short article. This module turns their
bytes into text. It never raises: a file it cannot read gets a status that says why
(``unreadable``: broken or encrypted; ``no_text_layer``: a scan with no text to extract;
``unsupported``: a kind it does not read), so the crawl records it and goes on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

AttachmentKind = Literal["pdf", "docx", "doc", "other"]
AttachmentStatus = Literal["text", "no_text_layer", "unreadable", "unsupported"]

# Fewer non-space characters than this over the whole file: a scanned document (the text
# layer of a scan, when any, is a page number or a stamp).
MIN_TEXT_CHARS = 20
MAX_TEXT_CHARS = 500_000

_EXTENSIONS: dict[str, AttachmentKind] = {".pdf": "pdf", ".docx": "docx", ".doc": "doc"}
_CONTENT_TYPES: dict[str, AttachmentKind] = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
}
_EXTENSION_IN_URL = re.compile(r"\.(pdf|docx?)(?=$|[?#&/])", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Word format


@dataclass(frozen=True)
class AttachmentText:
    """What an attachment holds: ``status`` ``text`` when ``text`` is its readable text."""

    kind: AttachmentKind
    status: AttachmentStatus
    text: str = ""
    pages: int | None = None
    title: str | None = None
    message: str | None = None


def attachment_kind(url: str = "", content_type: str | None = None, head: bytes = b"") -> AttachmentKind:
    """The file's kind by its first bytes, else its declared type, else its URL.

    The bytes come first because servers mislabel downloads (``application/octet-stream``
    behind ``download.aspx?file=…docx``, a PDF served as ``text/html``).
    """
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in head[:2000]:
        return "docx"
    if head.startswith(_OLE_MAGIC):
        return "doc"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _CONTENT_TYPES:
        return _CONTENT_TYPES[ctype]
    parts = urlsplit(url)
    for candidate in (unquote(parts.path), unquote(parts.query)):
        match = _EXTENSION_IN_URL.search(candidate)
        if match:
            return _EXTENSIONS["." + match.group(1).lower()]
    if head.startswith(b"PK\x03\x04"):
        return "docx" if ctype.endswith("octet-stream") else "other"
    return "other"


def is_attachment_url(url: str) -> bool:
    """Does the URL name a PDF or Word file (by extension, in the path or a query value)?"""
    return attachment_kind(url) != "other"


def _clean(text: str) -> str:
    """NFC (PDF text of Vietnamese often comes decomposed), one space between words, lines kept."""
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined[:MAX_TEXT_CHARS]


def _has_text(text: str) -> bool:
    return sum(1 for c in text if not c.isspace()) >= MIN_TEXT_CHARS


def _pdf(data: bytes, max_pages: int) -> AttachmentText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:  # many "protected" government PDFs only forbid printing: the empty password opens them
                if not reader.decrypt(""):
                    raise PdfReadError("wrong password")
            except Exception:
                return AttachmentText("pdf", "unreadable", message="encrypted PDF: needs a password")
        count = len(reader.pages)
        texts = []
        for page in reader.pages[:max_pages]:
            try:
                texts.append(page.extract_text() or "")
            except Exception as exc:  # one bad page must not lose the others
                logger.debug("pdf page unreadable: %s", exc)
        title = None
        with contextlib.suppress(Exception):
            meta = reader.metadata
            title = (meta.title or None) if meta else None
    except Exception as exc:
        return AttachmentText("pdf", "unreadable", message=f"broken PDF: {type(exc).__name__}: {exc}"[:500])
    text = _clean("\n".join(texts))
    title = _clean(title) if isinstance(title, str) else None
    if not _has_text(text):
        return AttachmentText(
            "pdf", "no_text_layer", pages=count, title=title,
            message="no text layer (a scanned document?): OCR is not done",
        )  # fmt: skip
    return AttachmentText("pdf", "text", text, count, title or None)


def _docx(data: bytes) -> AttachmentText:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a bad zip, a missing part, malformed XML
        return AttachmentText("docx", "unreadable", message=f"broken DOCX: {type(exc).__name__}: {exc}"[:500])
    lines = [p.text for p in document.paragraphs]
    # Programmes and participant lists are tables: read them row by row, cells tab-joined.
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                value = cell.text.strip()
                if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                    cells.append(value)
            if cells:
                lines.append(" \t ".join(cells))
    text = _clean("\n".join(lines))
    title = None
    with contextlib.suppress(Exception):
        title = document.core_properties.title or None
    if not _has_text(text):
        return AttachmentText("docx", "no_text_layer", title=title, message="the document holds no text")
    return AttachmentText("docx", "text", text, None, title)


def extract_attachment(
    data: bytes, *, url: str = "", content_type: str | None = None, max_pages: int = 200
) -> AttachmentText:
    """The text of a PDF or DOCX file; never raises (see :class:`AttachmentText`'s ``status``)."""
    kind = attachment_kind(url, content_type, data[:4096])
    if not data:
        return AttachmentText(kind, "unreadable", message="empty file")
    if kind == "pdf":
        return _pdf(data, max_pages)
    if kind == "docx":
        return _docx(data)
    if kind == "doc":
        return AttachmentText("doc", "unsupported", message="old binary Word (.doc) is not read; only DOCX")
    return AttachmentText(
        "other", "unsupported", message=f"not a PDF or DOCX file ({content_type or 'no type'})"
    )
