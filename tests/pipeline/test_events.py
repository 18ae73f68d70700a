"""Event clustering and field merging, on articles whose classification is given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsmon.services.events import assign_event
from pipeline.cluster.match import similarity
from storage.db import make_engine, session_factory, session_scope, upgrade
from storage.models import Article, Event, Source

VN = timezone(timedelta(hours=7))
BODY = (
    "Ngày {day}/12, tại {place}, Bộ Thông tin và Truyền thông phối hợp Ủy ban nhân dân tỉnh tổ chức "
    "Hội nghị tập huấn công tác thông tin đối ngoại về quyền con người cho cán bộ các tỉnh khu vực. "
    "Các đại biểu được nghe báo cáo chuyên đề về tình hình nhân quyền và định hướng thông tin."
)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return session_factory(engine)


def add(session, n, *, day=7, province="Phú Thọ", old="Hòa Bình", participants=280, source=None,
        language="vi", text=None, event_type="training_conference", published_day=None, dup=None):  # fmt: skip
    article = Article(
        canonical_url=f"https://x.vn/{n}", url=f"https://x.vn/{n}", title=f"Tập huấn TTĐN tại {old} {n}",
        text=text or BODY.format(day=day, place=old), content_hash=str(n), language=language, source_id=source,
        published_at=datetime(2023, 12, published_day or day, 18, tzinfo=VN), event_type=event_type,
        topics=["external_information", "human_rights"], classification={"score": 0.9},
        fields={"date_held": f"2023-12-{day:02d}", "province": old, "province_2025": province,
                "participants": participants, "organizers": ["Bộ Thông tin và Truyền thông"],
                "legal_refs": ["1079/QĐ-TTg"]},
        duplicate_of=dup,
    )  # fmt: skip
    session.add(article)
    session.flush()
    return article


def test_reports_of_one_conference_join_one_event_and_merge_fields(sessions):
    with session_scope(sessions) as s:
        s.add(Source(id="hoabinh", name="Báo Hòa Bình", kind="provincial_paper", province="Hòa Bình",
                     province_2025="Phú Thọ", homepage="https://x.vn"))  # fmt: skip
        a = add(s, 1, participants=300)
        b = add(s, 2, participants=280, source="hoabinh", published_day=8)
        c = add(
            s, 3, participants=300, language="en", text="On December 7 a training on external information..."
        )
        first = assign_event(s, a)
        assert first.created
        assert assign_event(s, b).event_id == first.event_id
        assert assign_event(s, c).event_id == first.event_id
        event = s.get(Event, first.event_id)
        assert event.participants == 300  # two reports say 300, one 280
        assert str(event.date_held) == "2023-12-07"
        assert (event.province, event.province_2025) == ("Hòa Bình", "Phú Thọ")
        assert event.title.startswith("Tập huấn TTĐN tại Hòa Bình 1")
        assert event.provenance["participants"]["article_id"] in (a.id, c.id)


def test_tie_goes_to_the_host_province_outlet(sessions):
    with session_scope(sessions) as s:
        s.add(Source(id="hoabinh", name="Báo Hòa Bình", kind="provincial_paper", province="Hòa Bình",
                     province_2025="Phú Thọ", homepage="https://x.vn"))  # fmt: skip
        a = add(s, 1, participants=300)
        b = add(s, 2, participants=280, source="hoabinh", published_day=8)
        assign_event(s, a)
        event_id = assign_event(s, b).event_id
        assert s.get(Event, event_id).participants == 280


def test_siblings_in_other_provinces_or_days_apart_stay_separate(sessions):
    with session_scope(sessions) as s:
        a = add(s, 1, day=7)
        b = add(s, 2, day=11, province="Quảng Ngãi", old="Quảng Ngãi")
        c = add(s, 3, day=14)  # same province, a week later: the next session of a series
        ids = {assign_event(s, x).event_id for x in (a, b, c)}
        assert len(ids) == 3


def test_other_types_and_non_events(sessions):
    with session_scope(sessions) as s:
        a = add(s, 1)
        b = add(s, 2, event_type="other_conference")
        c = add(s, 3, event_type="plan_or_directive")
        assert assign_event(s, a).event_id != assign_event(s, b).event_id
        assert assign_event(s, c) is None and c.event_id is None


def test_duplicate_joins_its_original_event_and_reassignment_is_idempotent(sessions):
    with session_scope(sessions) as s:
        a = add(s, 1)
        b = add(s, 2, province=None, old=None, dup=None)
        b.fields = {**b.fields, "province_2025": None, "province": None, "date_held": None}
        b.duplicate_of = a.id
        first = assign_event(s, a)
        assert assign_event(s, b).event_id == first.event_id
        again = assign_event(s, a)
        assert again.event_id == first.event_id and not again.created
        assert s.query(Event).count() == 1


def test_reclassified_article_leaves_and_empty_event_is_dropped(sessions):
    with session_scope(sessions) as s:
        a = add(s, 1)
        event_id = assign_event(s, a).event_id
        a.event_type = "other"
        assert assign_event(s, a) is None
        assert s.get(Event, event_id) is None


def test_similarity():
    assert similarity(BODY.format(day=7, place="Hòa Bình"), BODY.format(day=7, place="Hoà Bình")) > 0.9
    assert similarity("một hai ba bốn", "năm sáu bảy tám") == 0.0


def _undated(session, n, *, url, old, province, language, text, participants=None):
    """A report whose text gives no date held and no publication date (a mid-article edition)."""
    article = Article(
        canonical_url=url, url=url, title=None, text=text, content_hash=f"u{n}", language=language,
        published_at=None, event_type="training_conference", topics=["human_rights"],
        classification={"score": 0.8},
        fields={"date_held": None, "province": old, "province_2025": province, "participants": participants},
    )  # fmt: skip
    session.add(article)
    session.flush()
    return article


SLUG = "lao-cai-300-dai-bieu-duoc-tap-huan-ve-cong-tac-nhan-quyen-nam-2024"


def test_language_editions_of_one_story_join_across_languages(sessions):
    with session_scope(sessions) as s:
        fr = _undated(s, 1, url=f"https://www.vietnam.vn/fr/{SLUG}", old="Lào Cai", province="Lào Cai",
                      language="fr", text="La vice-présidente Giang Thi Dung a présidé la conférence.")  # fmt: skip
        ja = _undated(s, 2, url=f"https://thongtin.vietnam.vn/ja/{SLUG}", old="Lào Cai", province="Lào Cai",
                      language="ja", text="会議には代表300名が参加した。")  # fmt: skip
        first = assign_event(s, fr)
        assert assign_event(s, ja).event_id == first.event_id  # same URL title, other language


def test_one_2025_unit_is_not_one_place(sessions):
    with session_scope(sessions) as s:
        a = _undated(s, 1, url=f"https://www.vietnam.vn/fr/{SLUG}", old="Lào Cai", province="Lào Cai",
                     language="fr", text="Giang Thi Dung et Nguyen Van Ky ont assisté à la conférence.")  # fmt: skip
        b = _undated(s, 2, url="https://www.vietnam.vn/fr/yen-bai-tap-huan-cong-tac-nhan-quyen-nam-2024",
                     old="Yên Bái", province="Lào Cai", language="fr",
                     text="Giang Thi Dung et Nguyen Van Ky ont assisté à la conférence.")  # fmt: skip
        assert assign_event(s, a).event_id != assign_event(s, b).event_id


def test_undated_reports_of_one_province_need_a_tie_of_the_story(sessions):
    with session_scope(sessions) as s:
        a = _undated(s, 1, url="https://a.vn/tap-huan-nhan-quyen-lan-thu-nhat-nam-nay", old="Hà Nội",
                     province="Hà Nội", language="vi", text="Hội nghị tập huấn về nhân quyền cho cán bộ.")  # fmt: skip
        b = _undated(s, 2, url="https://b.vn/boi-duong-kien-thuc-doi-ngoai-cho-phong-vien-moi", old="Hà Nội",
                     province="Hà Nội", language="en", text="A training course for reporters on foreign affairs.")  # fmt: skip
        assert assign_event(s, a).event_id != assign_event(s, b).event_id


def test_a_report_that_fits_two_events_folds_them_into_one(sessions):
    with session_scope(sessions) as s:
        dated = add(s, 1)  # 7/12, Hòa Bình, with a date held
        other_url = "https://www.vietnam.vn/de/tap-huan-thong-tin-doi-ngoai-ve-quyen-con-nguoi-tai-hoa-binh"
        edition = _undated(s, 2, url=other_url, old="Hòa Bình", province="Phú Thọ", language="de",
                           text="Die Konferenz fand statt.")  # fmt: skip
        e1 = assign_event(s, dated).event_id
        e2 = assign_event(s, edition).event_id
        assert e1 != e2  # nothing ties the undated German edition to the dated report yet
        bridge = add(s, 3)  # the Vietnamese original: same date and place, and the same URL title
        bridge.url = bridge.canonical_url = other_url.replace("/de/", "/vi/")
        s.flush()
        joined = assign_event(s, bridge).event_id
        assert joined == min(e1, e2)
        assert s.get(Event, max(e1, e2)) is None
        assert {a.event_id for a in s.query(Article)} == {joined}
