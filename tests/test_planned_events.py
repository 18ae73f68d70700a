"""Planned trainings: a plan that announces a training makes a planned event; the report of the
training joins it and makes it held (only then does it alert). A notice whose attached plan
announces the training counts as that plan; a held report is never demoted by its programme."""

from __future__ import annotations

import sqlalchemy as sa

from newsmon.sample_sites.documents import docx_file
from newsmon.services.store import ArticleStore
from pipeline.types import AttachmentFile, Page
from pipeline.urls import canonical_url
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article, Event

SITE = "https://svhttdl.thanhhoa.gov.vn"  # a provincial site: its address names the province
PLAN = (
    "Kế hoạch tổ chức hội nghị tập huấn công tác thông tin đối ngoại năm 2026",
    "Ủy ban nhân dân tỉnh ban hành kế hoạch tổ chức hội nghị tập huấn công tác thông tin đối ngoại năm "
    "2026. Theo kế hoạch, hội nghị tập huấn sẽ được tổ chức vào ngày 20/5/2026 tại hội trường Sở Văn hóa, "
    "Thể thao và Du lịch, dự kiến có 150 đại biểu là cán bộ làm công tác thông tin đối ngoại của các sở, "
    "ngành và các xã, phường trong tỉnh. Sở Văn hóa, Thể thao và Du lịch chủ trì, phối hợp với các đơn vị "
    "liên quan chuẩn bị nội dung, tài liệu và mời báo cáo viên.",
    "2026-04-10T08:00:00+07:00",
)
REPORT = (
    "Hội nghị tập huấn công tác thông tin đối ngoại năm 2026",
    "Sáng 20/5, Sở Văn hóa, Thể thao và Du lịch tỉnh tổ chức hội nghị tập huấn công tác thông tin đối "
    "ngoại năm 2026 cho 150 đại biểu là cán bộ làm công tác thông tin đối ngoại của các sở, ngành và các "
    "xã, phường. Tại hội nghị, các báo cáo viên đã truyền đạt những nội dung cơ bản về công tác thông tin "
    "đối ngoại trong tình hình mới, kỹ năng cung cấp thông tin cho báo chí và xử lý thông tin sai lệch. "
    "Hội nghị tập huấn nhằm nâng cao nhận thức và kỹ năng cho đội ngũ cán bộ.",
    "2026-05-20T15:00:00+07:00",
)
NOTICE = (
    "Thông báo về việc triển khai văn bản",
    "Sở Văn hóa, Thể thao và Du lịch tỉnh đã ban hành văn bản gửi các cơ quan, đơn vị liên quan về việc "
    "triển khai nhiệm vụ trong năm. Các đơn vị căn cứ nội dung văn bản đính kèm để thực hiện, báo cáo kết "
    "quả về Sở trước ngày quy định. Chi tiết xem tại tệp đính kèm bên dưới bài viết này.",
    "2026-04-12T08:00:00+07:00",
)


def _page(slug: str, title: str, body: str, published: str) -> Page:
    html = (
        f"<html lang='vi'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='article:published_time' content='{published}'></head>"
        f"<body><article><h1>{title}</h1><p>{body}</p><p>{body}</p></article></body></html>"
    )
    return Page(url=f"{SITE}/tin-tuc/{slug}.html", body=html.encode(), headers={"Content-Type": "text/html"})


def _store(database_url: str) -> tuple[ArticleStore, sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    return ArticleStore(session_factory(engine)), engine


def _state(engine: sa.Engine) -> tuple[list[tuple], list[tuple]]:
    with engine.connect() as conn:
        events = conn.execute(sa.select(Event.id, Event.type, Event.status, Event.date_held)).all()
        articles = conn.execute(
            sa.select(Article.url, Article.event_type, Article.event_id).order_by(Article.id)
        )
        return [tuple(e) for e in events], [(url.rsplit("/", 1)[1], t, e) for url, t, e in articles]


def test_plan_makes_a_planned_event_that_the_report_joins(database_url):
    store, engine = _store(database_url)
    plan = store.ingest(_page("ke-hoach", *PLAN))
    assert plan.event_type == "plan_or_directive"
    assert plan.event_id is not None and not plan.event_created  # planned: no alert yet
    events, _ = _state(engine)
    assert [(t, s, str(d)) for _, t, s, d in events] == [("training_conference", "planned", "2026-05-20")]

    report = store.ingest(_page("hoi-nghi", *REPORT))
    assert report.event_type == "training_conference"
    assert report.event_id == plan.event_id and report.event_created  # now held: this alerts
    events, articles = _state(engine)
    assert [(t, s, str(d)) for _, t, s, d in events] == [("training_conference", "held", "2026-05-20")]
    assert articles == [
        ("ke-hoach.html", "plan_or_directive", plan.event_id),
        ("hoi-nghi.html", "training_conference", plan.event_id),
    ]

    # Reprocessing changes nothing and alerts nothing again.
    for outcome in (plan, report):
        again = store.process_stored(outcome.page_id)
        assert again.event_id == plan.event_id and not again.event_created
    assert _state(engine) == (events, articles)


def test_report_first_then_its_plan_links_to_the_held_event(database_url):
    store, engine = _store(database_url)
    report = store.ingest(_page("hoi-nghi", *REPORT))
    plan = store.ingest(_page("ke-hoach", *PLAN))
    assert report.event_created and plan.event_id == report.event_id and not plan.event_created
    events, _ = _state(engine)
    assert [s for _, _, s, _ in events] == ["held"]


def test_an_unrelated_plan_makes_no_event(database_url):
    store, engine = _store(database_url)
    body = (
        "Ủy ban nhân dân tỉnh ban hành kế hoạch phát triển du lịch năm 2026, trong đó đặt mục tiêu đón năm "
        "triệu lượt khách, nâng cấp hạ tầng giao thông đến các điểm du lịch và đẩy mạnh chuyển đổi số. "
    ) * 2
    outcome = store.ingest(_page("ke-hoach-du-lich", "Kế hoạch phát triển du lịch năm 2026", body, PLAN[2]))
    assert outcome.event_id is None
    assert _state(engine)[0] == []


def _document(article_slug: str, lines: list[str]) -> AttachmentFile:
    return AttachmentFile(
        url=f"{SITE}/upload/{article_slug}.docx",
        body=docx_file(lines),
        article_url=canonical_url(f"{SITE}/tin-tuc/{article_slug}.html"),
        content_type="application/octet-stream",
    )


def test_a_notice_whose_attached_plan_announces_a_training_makes_a_planned_event(database_url):
    store, engine = _store(database_url)
    notice = store.ingest(_page("thong-bao", *NOTICE))
    assert notice.event_id is None  # the notice alone says nothing of a training
    store.save_attachment(_document("thong-bao", [PLAN[0], PLAN[1]]))
    events, articles = _state(engine)
    assert [(t, s, str(d)) for _, t, s, d in events] == [("training_conference", "planned", "2026-05-20")]
    assert articles == [("thong-bao.html", "plan_or_directive", events[0][0])]
    with engine.connect() as conn:
        evidence = conn.execute(sa.select(Article.classification)).scalar_one()["evidence"]
    assert evidence[0]["rule"] == "decision:documents"
    # The report of the training joins the planned event.
    report = store.ingest(_page("hoi-nghi", *REPORT))
    assert report.event_id == events[0][0] and report.event_created


def test_a_held_report_is_not_demoted_by_its_attached_programme(database_url):
    store, engine = _store(database_url)
    report = store.ingest(_page("hoi-nghi", *REPORT))
    programme = [
        "Kế hoạch và chương trình hội nghị tập huấn",
        "Dự kiến các nội dung sẽ trình bày, thời gian sẽ bố trí",
    ]
    store.save_attachment(_document("hoi-nghi", programme))
    events, articles = _state(engine)
    assert articles == [("hoi-nghi.html", "training_conference", report.event_id)]
    assert [s for _, _, s, _ in events] == ["held"]
