"""Text of PDF and DOCX attachments (pipeline.extract.attachments)."""

from __future__ import annotations

import unicodedata

import pytest

from newsmon.sample_sites.documents import docx_file, encrypted_pdf, scan_pdf, text_pdf
from pipeline.extract.attachments import attachment_kind, extract_attachment, is_attachment_url

PLAN = ["Ke hoach to chuc hoi nghi tap huan", "cong tac thong tin doi ngoai nam 2025", "(Dak Lak, 12/5/2025)"]


def test_text_pdf_gives_its_lines_and_page_count() -> None:
    result = extract_attachment(text_pdf(PLAN, ["Thanh phan: 150 hoc vien"]), url="https://x.vn/kh.pdf")
    assert (result.kind, result.status, result.pages) == ("pdf", "text", 2)
    assert "hoi nghi tap huan" in result.text
    assert "150 hoc vien" in result.text
    assert "(Dak Lak, 12/5/2025)" in result.text.splitlines()


def test_max_pages_bounds_the_work() -> None:
    result = extract_attachment(text_pdf(["page one words here and more"], ["page two only"]), max_pages=1)
    assert result.pages == 2
    assert "page two" not in result.text


def test_scan_pdf_has_no_text_layer() -> None:
    result = extract_attachment(scan_pdf())
    assert (result.kind, result.status, result.text) == ("pdf", "no_text_layer", "")
    assert result.pages == 2
    assert "OCR" in (result.message or "")


def test_encrypted_pdf_is_unreadable_with_a_reason() -> None:
    result = extract_attachment(encrypted_pdf(PLAN))
    assert result.status == "unreadable"
    assert "password" in (result.message or "")


def test_empty_password_pdf_is_read() -> None:
    result = extract_attachment(encrypted_pdf(PLAN, password=""))
    assert result.status == "text"
    assert "tap huan" in result.text


@pytest.mark.parametrize("data", [b"%PDF-1.4\n garbage", b"%PDF", b"PK\x03\x04broken zip"])
def test_broken_files_never_raise(data: bytes) -> None:
    result = extract_attachment(data, url="https://x.vn/a.docx" if data.startswith(b"PK") else "")
    assert result.status == "unreadable"
    assert result.message


def test_docx_paragraphs_and_table_rows_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Hội nghị tập huấn công tác thông tin đối ngoại")
    data = docx_file(
        [decomposed, "Thời gian: 08 giờ, ngày 20/4/2025"],
        table=[["STT", "Nội dung", "Báo cáo viên"], ["1", "Quyền con người", "Cục Thông tin đối ngoại"]],
        title="Kế hoạch 21/KH-UBND",
    )
    result = extract_attachment(
        data, url="https://x.vn/download.aspx?file=kh21.docx", content_type="application/octet-stream"
    )
    assert (result.kind, result.status) == ("docx", "text")
    assert "Hội nghị tập huấn công tác thông tin đối ngoại" in result.text  # composed again
    assert unicodedata.is_normalized("NFC", result.text)
    assert any(
        "Quyền con người" in line and "Cục Thông tin đối ngoại" in line for line in result.text.splitlines()
    )
    assert result.title == "Kế hoạch 21/KH-UBND"


def test_empty_docx_has_no_text() -> None:
    assert extract_attachment(docx_file([""])).status == "no_text_layer"


def test_old_word_and_other_files_are_unsupported() -> None:
    assert extract_attachment(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).status == "unsupported"
    other = extract_attachment(b"GIF89a....", content_type="image/gif")
    assert (other.kind, other.status) == ("other", "unsupported")
    assert extract_attachment(b"", url="a.pdf").status == "unreadable"


@pytest.mark.parametrize(
    ("url", "ctype", "head", "kind"),
    [
        ("https://x.vn/files/KH-21.PDF", None, b"", "pdf"),
        ("https://x.vn/download.aspx?file=kh%2021.docx&id=3", None, b"", "docx"),
        ("https://x.vn/get?id=3", "application/pdf; charset=binary", b"", "pdf"),
        ("https://x.vn/get?id=3", "text/html", b"%PDF-1.7", "pdf"),  # the bytes win over a wrong label
        ("https://x.vn/tin/pdf-la-gi.html", "text/html", b"<html>", "other"),
        ("https://x.vn/a.doc", None, b"", "doc"),
    ],
)
def test_kind_by_bytes_type_then_url(url: str, ctype: str | None, head: bytes, kind: str) -> None:
    assert attachment_kind(url, ctype, head) == kind


def test_is_attachment_url() -> None:
    assert is_attachment_url("https://x.vn/uploads/ke-hoach.pdf")
    assert is_attachment_url("https://x.vn/Download.aspx?FileName=QD.docx")
    assert not is_attachment_url("https://x.vn/tin-tuc/hoi-nghi-pdf-123.html")
