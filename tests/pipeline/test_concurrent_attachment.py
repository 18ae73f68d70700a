"""An article and the document it links, stored at the same moment by two crawl threads.

The crawl saves each in a worker thread and its own transaction. The article thread reads the
article's documents, then writes the article; if the document commits in between, neither
transaction sees the other and the article's search text misses the document's words (a CI
run caught exactly that). ``ArticleStore`` holds a lock per article URL across both.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from newsmon.sample_sites.documents import docx_file
from newsmon.services.store import ArticleStore, KeyedLocks
from pipeline.types import AttachmentFile, Page
from pipeline.urls import canonical_url
from storage import repository as repo
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article

URL = "https://stttt.example.vn/tin/ke-hoach.html"
BODY = (
    "Sở Văn hóa, Thể thao và Du lịch tỉnh ban hành văn bản gửi các cơ quan, đơn vị liên quan về "
    "việc triển khai nhiệm vụ trong năm; chi tiết xem tại tệp đính kèm bên dưới bài viết này. "
) * 3


def test_document_saved_while_its_article_is_written_reaches_the_search_text(database_url, monkeypatch):
    engine = make_engine(database_url)
    upgrade(engine)
    store = ArticleStore(session_factory(engine))
    html = f"<html lang='vi'><head><title>Kế hoạch</title></head><body><article><h1>Kế hoạch</h1><p>{BODY}</p></article></body></html>"
    page = Page(url=URL, body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    document = AttachmentFile(
        url="https://stttt.example.vn/upload/chuong-trinh.docx",
        body=docx_file(["Chương trình lớp bồi dưỡng kiến thức quyền con người"]),
        article_url=canonical_url(URL),
        content_type="application/octet-stream",
    )
    reading_done, document_started = threading.Event(), threading.Event()
    real_upsert = repo.upsert_article

    def slow_upsert(*args, **kwargs):
        # The article thread has read its documents (none yet): let the document thread run now.
        reading_done.set()
        assert document_started.wait(30)
        time.sleep(0.5)  # without the lock the document commits here, unseen by this transaction
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr(repo, "upsert_article", slow_upsert)

    def save_document() -> None:
        assert reading_done.wait(30)
        document_started.set()
        store.save_attachment(document)

    other = threading.Thread(target=save_document)
    other.start()
    outcome = store.ingest(page)
    other.join(60)
    assert outcome.status == "new", outcome.error
    with engine.connect() as conn:
        search_text = conn.execute(sa.select(Article.search_text)).scalar_one()
    assert "quyen con nguoi" in search_text or "quyền con người" in search_text


def test_keyed_locks_serialise_one_key_only():
    locks = KeyedLocks()
    order: list[str] = []
    inside = threading.Event()

    def hold_a() -> None:
        with locks.hold("a"):
            inside.set()
            time.sleep(0.3)
            order.append("first a")

    t = threading.Thread(target=hold_a)
    t.start()
    assert inside.wait(10)
    with locks.hold("b"):  # another key does not wait
        order.append("b")
    with locks.hold("a"):  # the same key waits for the holder
        order.append("second a")
    t.join(10)
    assert order == ["b", "first a", "second a"]
    assert locks._locks == {}  # nothing kept once released
