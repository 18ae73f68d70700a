"""Near-duplicate detection against a real SQLite database (migrated, as in production)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.services.dedup import assign_duplicate, similar_articles
from pipeline.dedup.nearcopy import (
    BANDS,
    MIN_CONTAINMENT,
    MIN_JACCARD,
    DuplicateMatch,
    band_hashes,
    estimated_jaccard,
    is_duplicate,
    shingles,
    signature,
    signature_bytes,
    similarity,
)
from pipeline.evaluate.scoring import group_pairs, pairwise_scores
from pipeline.process import content_hash
from storage import repository as repo
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article, ArticleBand

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
VN = timezone(timedelta(hours=7))


def seed(number: str) -> str:
    """A seed as collected (noise and captions included)."""
    return next(SEEDS.glob(f"{number}_*.txt")).read_text("utf-8")


def republished_001() -> str:
    """Seed 001 as another outlet republishes it: own prefix, no captions or player, a paragraph
    dropped, and a credit line."""
    lines = [line for line in seed("001").splitlines()[1:] if line.strip()]  # title line off
    captions = re.compile(r"\(Ảnh: [^)]*\)\s*$|ảnh \d+$|^0:00")
    body = [line for line in lines if not captions.search(line)]
    body[0] = body[0].replace("NDO - ", "(BHG) - ")
    dropped = next(i for i, line in enumerate(body) if line.startswith("Nhìn nhận về vấn đề này"))
    del body[dropped]
    return "\n\n".join([*body, "Theo Nhân Dân"])


# Two reports of one conference series in two provinces: the same boilerplate paragraphs
# (the purpose, the programme, the closing formula) around a different date, place, people
# and local story. They are two events, not one story.
SHARED_PURPOSE = (
    "Hội nghị nhằm quán triệt Kết luận số 57-KL/TW ngày 15/6/2023 của Bộ Chính trị về tiếp tục nâng cao "
    "chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới và triển khai Đề án truyền "
    "thông về quyền con người ở Việt Nam giai đoạn 2023-2028 theo Quyết định số 1079/QĐ-TTg của Thủ tướng "
    "Chính phủ."
)
SHARED_PROGRAMME = (
    "Tại hội nghị, các đại biểu được báo cáo viên của Bộ Thông tin và Truyền thông và Văn phòng Thường "
    "trực Ban Chỉ đạo Nhân quyền của Chính phủ trình bày các chuyên đề: tình hình nhân quyền trên thế giới "
    "và thành tựu bảo đảm quyền con người của Việt Nam; kinh nghiệm đấu tranh phản bác các luận điệu sai "
    "trái, xuyên tạc về nhân quyền trên không gian mạng; kỹ năng xây dựng và lan tỏa các sản phẩm thông "
    "tin đối ngoại trên nền tảng số."
)
SHARED_CLOSING = (
    "Hội nghị là dịp để cán bộ làm công tác thông tin đối ngoại ở địa phương cập nhật kiến thức, trao đổi "
    "kinh nghiệm và nâng cao kỹ năng thông tin, tuyên truyền về quyền con người, góp phần bảo vệ nền tảng "
    "tư tưởng của Đảng."
)
SIBLING_HA_GIANG = "\n\n".join(
    [
        "Ngày 12/9/2024, tại thành phố Hà Giang, Cục Thông tin đối ngoại, Bộ Thông tin và Truyền thông phối "
        "hợp với Ủy ban nhân dân tỉnh Hà Giang tổ chức Hội nghị tập huấn công tác thông tin đối ngoại về "
        "quyền con người cho cán bộ làm công tác thông tin đối ngoại của 12 tỉnh trung du và miền núi phía Bắc.",
        "Dự hội nghị có đồng chí Hoàng Gia Long, Phó Chủ tịch Ủy ban nhân dân tỉnh Hà Giang; đồng chí Lê "
        "Quang Tự Do, Cục trưởng Cục Phát thanh, truyền hình và thông tin điện tử; cùng gần 200 đại biểu là "
        "lãnh đạo các sở, ngành, phóng viên các cơ quan báo chí và cán bộ thông tin cơ sở của các huyện biên "
        "giới Đồng Văn, Mèo Vạc, Yên Minh và Quản Bạ.",
        SHARED_PURPOSE,
        "Phát biểu khai mạc, đồng chí Hoàng Gia Long cho biết Hà Giang là tỉnh biên giới với 7 huyện giáp "
        "Trung Quốc, đồng bào các dân tộc thiểu số chiếm hơn 87% dân số. Những năm qua, các thế lực thù địch "
        "thường xuyên lợi dụng vấn đề dân tộc, tôn giáo và đời sống của người dân vùng cao để xuyên tạc tình "
        "hình nhân quyền của tỉnh, vì vậy tỉnh rất cần được trang bị thêm kỹ năng và tài liệu tuyên truyền.",
        SHARED_PROGRAMME,
        SHARED_CLOSING,
        "Bế mạc hội nghị, đại diện Sở Thông tin và Truyền thông Hà Giang đề nghị các huyện Đồng Văn, Mèo Vạc "
        "xây dựng chuyên mục song ngữ Mông - Việt trên đài truyền thanh cơ sở và đưa nội dung nhân quyền vào "
        "sinh hoạt định kỳ của các thôn bản trước ngày 30/11/2024.",
    ]
)
SIBLING_QUANG_TRI = "\n\n".join(
    [
        "Ngày 26/9/2024, tại thành phố Đông Hà, Cục Thông tin đối ngoại, Bộ Thông tin và Truyền thông phối "
        "hợp với Ủy ban nhân dân tỉnh Quảng Trị tổ chức Hội nghị tập huấn công tác thông tin đối ngoại về "
        "quyền con người cho cán bộ làm công tác thông tin đối ngoại của 14 tỉnh Bắc Trung Bộ và duyên hải "
        "miền Trung.",
        "Tham dự hội nghị có đồng chí Hà Sỹ Đồng, Phó Chủ tịch Thường trực Ủy ban nhân dân tỉnh Quảng Trị; "
        "đồng chí Nguyễn Văn Hòa, Phó Cục trưởng Cục Thông tin đối ngoại; cùng khoảng 150 đại biểu đến từ "
        "Công an tỉnh, Bộ Chỉ huy Bộ đội Biên phòng tỉnh, các cơ quan báo chí và Ủy ban Mặt trận Tổ quốc các "
        "huyện Hướng Hóa, Đakrông.",
        SHARED_PURPOSE,
        "Phát biểu chào mừng, đồng chí Hà Sỹ Đồng nhấn mạnh Quảng Trị là vùng đất chịu nhiều đau thương của "
        "chiến tranh, hiện còn hàng nghìn hecta đất nhiễm bom mìn và chất độc da cam. Việc tỉnh phối hợp với "
        "các tổ chức quốc tế rà phá bom mìn, hỗ trợ nạn nhân là minh chứng sinh động về bảo đảm quyền con "
        "người cần được giới thiệu rộng rãi tới bạn bè quốc tế.",
        SHARED_PROGRAMME,
        SHARED_CLOSING,
        "Kết thúc hội nghị, Sở Thông tin và Truyền thông Quảng Trị giao Báo Quảng Trị và Đài Phát thanh - "
        "Truyền hình tỉnh mở chuyên mục về hợp tác quốc tế khắc phục hậu quả chiến tranh, phát sóng bằng "
        "tiếng Anh và tiếng Lào từ tháng 10/2024.",
    ]
)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    upgrade(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def store(session: Session, url: str, text: str, published: datetime | None) -> int:
    """Upsert an article as the pipeline does, then run dedup on it (same transaction)."""
    article_id, _ = repo.upsert_article(
        session,
        f"https://example.vn/{url}",
        url=f"https://example.vn/{url}",
        text=text,
        content_hash=content_hash(text),
        published_at=published,
    )
    assign_duplicate(session, article_id)
    session.commit()
    return article_id


def duplicate_of(session: Session, article_id: int) -> int | None:
    session.expire_all()
    return session.scalar(select(Article.duplicate_of).where(Article.id == article_id))


def band_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ArticleBand)) or 0


DEC7 = datetime(2023, 12, 7, 15, 30, tzinfo=VN)


# --- pure functions ----------------------------------------------------------


def test_signature_is_deterministic_and_ignores_spelling_variants():
    text = seed("001")
    nfd = unicodedata.normalize("NFD", text)
    new_style = text.replace("Hòa Bình", "Hoà Bình").replace("hóa", "hoá")
    assert new_style != text
    packed = signature_bytes(signature(text))
    assert len(packed) == 128 * 4
    assert signature_bytes(signature(nfd)) == packed
    assert signature_bytes(signature(new_style)) == packed
    assert signature_bytes(signature(text.replace("\n", "  \n "))) == packed


def test_band_hashes_fit_signed_64_bits():
    bands = band_hashes(signature(seed("002")))
    assert [b for b, _ in bands] == list(range(BANDS))
    assert all(-(2**63) <= h < 2**63 for _, h in bands)
    assert len({h for _, h in bands}) == BANDS
    assert band_hashes(signature_bytes(signature(seed("002")))) == bands


def test_similarity_of_the_reference_pairs():
    """The numbers behind the thresholds (MIN_JACCARD, MIN_CONTAINMENT)."""
    copy = similarity(shingles(seed("001")), shingles(republished_001()))
    shared_paragraph = similarity(shingles(seed("000")), shingles(seed("003")))
    siblings = similarity(shingles(SIBLING_HA_GIANG), shingles(SIBLING_QUANG_TRI))
    assert is_duplicate(*copy)
    assert copy[1] > MIN_CONTAINMENT + 0.05
    assert not is_duplicate(*shared_paragraph)
    assert not is_duplicate(*siblings)
    # not borderline: each is well below the containment bar
    assert shared_paragraph[1] < MIN_CONTAINMENT - 0.2
    assert siblings[1] < MIN_CONTAINMENT - 0.2
    assert siblings[0] < MIN_JACCARD
    # the siblings are ~300 words (~470 syllables) each and do share their boilerplate
    assert 420 <= len(SIBLING_HA_GIANG.split()) <= 520
    assert siblings[0] > 0.2


def test_estimated_jaccard_tracks_the_exact_one():
    a, b = shingles(seed("001")), shingles(republished_001())
    exact, _ = similarity(a, b)
    assert abs(estimated_jaccard(signature(a), signature(b)) - exact) < 0.12


# --- against the database -----------------------------------------------------


def test_shared_long_paragraph_is_not_a_duplicate(session):
    a = store(session, "000", seed("000"), DEC7)
    b = store(session, "003", seed("003"), DEC7 + timedelta(days=1))
    assert duplicate_of(session, a) is None
    assert duplicate_of(session, b) is None
    assert assign_duplicate(session, b) is None


@pytest.mark.parametrize("original_first", [True, False])
def test_republished_copy_points_at_the_earlier_original(session, original_first):
    items = [
        ("nhandan/001", seed("001"), DEC7),
        ("baohagiang/001", republished_001(), DEC7 + timedelta(hours=20)),
    ]
    if not original_first:
        items.reverse()
    ids = {url: store(session, url, text, when) for url, text, when in items}
    original, copy = ids["nhandan/001"], ids["baohagiang/001"]
    assert duplicate_of(session, copy) == original
    assert duplicate_of(session, original) is None
    match = assign_duplicate(session, copy)
    assert match is not None
    assert (match.original_id, match.matched_id, match.method) == (original, original, "minhash")
    assert match.containment >= MIN_CONTAINMENT
    assert assign_duplicate(session, original) is None  # the original of a group


def test_exact_copy_is_found_by_content_hash(session):
    original = store(session, "a", seed("002"), DEC7)
    # the same text, differently spelled (NFD, extra spaces): the same content hash
    copy = store(
        session, "b", unicodedata.normalize("NFD", seed("002")).replace(" ", "  "), DEC7 + timedelta(1)
    )
    match = assign_duplicate(session, copy)
    assert match == DuplicateMatch(original, original, 1.0, 1.0, "hash")
    assert duplicate_of(session, copy) == original


def test_sibling_reports_are_not_duplicates(session):
    a = store(session, "hagiang", SIBLING_HA_GIANG, datetime(2024, 9, 12, tzinfo=VN))
    b = store(session, "quangtri", SIBLING_QUANG_TRI, datetime(2024, 9, 26, tzinfo=VN))
    assert assign_duplicate(session, b) is None
    assert duplicate_of(session, a) is None and duplicate_of(session, b) is None


def test_idempotent(session):
    original = store(session, "o", seed("001"), DEC7)
    copy = store(session, "c", republished_001(), DEC7 + timedelta(days=1))
    rows = band_rows(session)
    assert rows == 2 * BANDS
    first = [assign_duplicate(session, i) for i in (original, copy)]
    session.commit()
    second = [assign_duplicate(session, i) for i in (original, copy)]
    session.commit()
    assert first == second
    assert band_rows(session) == rows
    assert duplicate_of(session, copy) == original
    assert duplicate_of(session, original) is None
    assert first[0] is None  # the original
    assert first[1] is not None and first[1].original_id == original


def test_earlier_original_arriving_last_re_roots_the_group(session):
    copy_late = store(session, "c2", republished_001(), DEC7 + timedelta(days=2))
    copy_early = store(
        session, "c1", republished_001().replace("(BHG) - ", "(QTO) - "), DEC7 + timedelta(days=1)
    )
    # the earlier copy already took over the later one
    assert duplicate_of(session, copy_late) == copy_early
    assert duplicate_of(session, copy_early) is None
    original = store(session, "o", seed("001"), DEC7)
    assert duplicate_of(session, original) is None
    assert duplicate_of(session, copy_early) == original
    assert duplicate_of(session, copy_late) == original  # directly: no chains
    # and it holds when everything is processed again, in any order
    for article_id in (copy_early, original, copy_late):
        assign_duplicate(session, article_id)
    session.commit()
    assert [duplicate_of(session, i) for i in (original, copy_early, copy_late)] == [None, original, original]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_arrival_order_gives_one_root_and_no_chains(session, order):
    versions = [
        ("nhandan", seed("001"), DEC7),
        ("bhg", republished_001(), DEC7 + timedelta(hours=3)),
        ("qto", republished_001().replace("(BHG) - ", "(QTO) - "), DEC7 + timedelta(hours=5)),
        ("exact", seed("001"), DEC7 + timedelta(days=1)),  # same text: a content-hash copy
    ]
    ids = {}
    for i in order:
        url, text, when = versions[i]
        ids[url] = store(session, url, text, when)
    root = ids["nhandan"]
    assert [duplicate_of(session, ids[url]) for url, _, _ in versions] == [None, root, root, root]


def test_unknown_publication_date_never_wins(session):
    undated = store(session, "undated", republished_001(), None)
    dated = store(session, "dated", seed("001"), DEC7 + timedelta(days=30))
    assert duplicate_of(session, undated) == dated


def test_edited_article_leaves_its_group(session):
    original = store(session, "o", seed("001"), DEC7)
    copy = store(session, "c", republished_001(), DEC7 + timedelta(days=1))
    assert duplicate_of(session, copy) == original
    store(session, "c", SIBLING_HA_GIANG, DEC7 + timedelta(days=1))  # same URL, new text
    assert duplicate_of(session, copy) is None
    assert band_rows(session) == 2 * BANDS


def test_short_texts_are_left_alone(session):
    a = store(session, "video1", "Xem video", DEC7)
    b = store(session, "video2", "Xem video", DEC7)
    assert duplicate_of(session, b) is None and duplicate_of(session, a) is None
    assert band_rows(session) == 0


def test_similar_articles_ranks_versions_of_the_story(session):
    original = store(session, "o", seed("001"), DEC7)
    copy = store(session, "c", republished_001(), DEC7 + timedelta(days=1))
    store(session, "other", seed("004"), DEC7)
    similar = similar_articles(session, original)
    assert [i for i, _ in similar] == [copy]
    assert similar[0][1] > 0.6


# --- labelled set (quality floor) ------------------------------------------------


def test_labelled_duplicates_and_siblings():
    """Every labelled case, all pairs against each other: the copies are found, the hard
    negatives (sibling reports, marked not_duplicate_of) are not."""
    labelled = SEEDS.parent / "labelled"
    cases = [c for f in sorted(labelled.glob("*.yaml")) for c in yaml.safe_load(f.read_text("utf-8")) or []]
    cases = [c for c in cases if c.get("text")]
    if not any(c.get("duplicate_of") for c in cases):
        pytest.skip("no labelled duplicates")
    parent = {c["id"]: c.get("duplicate_of") for c in cases}

    def root(case_id: str) -> str:
        while parent.get(case_id):
            case_id = parent[case_id]
        return case_id

    groups: dict[str, list[str]] = {}
    for c in cases:
        groups.setdefault(root(c["id"]), []).append(c["id"])
    gold = group_pairs(groups.values())
    sets = {c["id"]: shingles(c["text"]) for c in cases}
    predicted = {
        (a, b)
        for a, b in itertools.combinations(sorted(sets), 2)
        if is_duplicate(*similarity(sets[a], sets[b]))
    }
    precision, recall = pairwise_scores(predicted, gold)
    assert precision >= 0.95 and recall >= 0.95, (predicted - gold, gold - predicted)
    hard_negatives = {
        tuple(sorted((c["id"], c["not_duplicate_of"]))) for c in cases if c.get("not_duplicate_of")
    }
    assert not hard_negatives & predicted


# --- scoring -------------------------------------------------------------------


def test_pairwise_scores():
    gold = group_pairs([[1, 2, 3], [4, 5]])
    assert gold == {(1, 2), (1, 3), (2, 3), (4, 5)}
    assert pairwise_scores(gold, gold) == (1.0, 1.0)
    assert pairwise_scores({(2, 1), (1, 3), (6, 7)}, gold) == (pytest.approx(2 / 3), 0.5)
    assert pairwise_scores(set(), gold) == (1.0, 0.0)
    assert pairwise_scores(set(), set()) == (1.0, 1.0)


# --- bounded verification (issue 17: the storm case) ---------------------------


def storm_text(rng_seed: int, pool: list[str], sentences: int = 40) -> str:
    """A page of a template-heavy site: its sentences drawn from one small pool of stock phrases."""
    import random

    rng = random.Random(rng_seed)
    return " ".join(rng.choice(pool) for _ in range(sentences))


STOCK = [" ".join(f"câu{k} từ{k * 7 + j} mẫu{(k * 13 + j) % 17}" for j in range(6)) + "." for k in range(30)]


def test_template_sharing_pages_are_rejected_on_their_signatures(session, monkeypatch):
    """Pages that share stock sentences meet in the LSH bands, but their signatures say they are
    far from copies: their texts are never read again, so the lookup's cost stays flat."""
    import newsmon.services.dedup as dedup

    ids = [store(session, f"storm/{i}", storm_text(i, STOCK), DEC7 + timedelta(hours=i)) for i in range(100)]
    reread: list[int] = []
    real = dedup.shingles

    def counting(text: str, *args: object) -> set[str]:
        reread.append(len(text))
        return real(text, *args)

    monkeypatch.setattr(dedup, "shingles", counting)
    probe = store(session, "storm/probe", storm_text(999, STOCK), DEC7 + timedelta(days=3))
    candidates = [
        cid for cid, _n in dedup.band_candidates(session, band_hashes(signature(storm_text(999, STOCK))))
    ]
    assert len(candidates) >= 20, "the storm pages must share bands, or this test shows nothing"
    assert len(reread) <= 1 + 5, len(reread)  # its own text, and at most the best five of theirs
    assert duplicate_of(session, probe) is None
    assert all(duplicate_of(session, i) is None for i in ids)


def test_a_copy_among_many_template_pages_is_still_found(session):
    for i in range(40):
        store(session, f"storm/{i}", storm_text(i, STOCK), DEC7 + timedelta(hours=i))
    original_text = storm_text(5000, STOCK, sentences=60)
    original = store(session, "storm/original", original_text, DEC7 + timedelta(days=2))
    copy = store(session, "storm/copy", original_text + " Theo Báo Mẫu.", DEC7 + timedelta(days=3))
    assert duplicate_of(session, copy) == original


def test_prepared_shingles_and_signature_give_the_same_match(session):
    """A worker's precomputed shingles and signature (pipeline.prepare) decide as the text would."""
    original = store(session, "o", seed("001"), DEC7)
    text = republished_001()
    article_id, _ = repo.upsert_article(
        session, "https://example.vn/c", url="https://example.vn/c", text=text,
        content_hash=content_hash(text), published_at=DEC7 + timedelta(days=1),
    )  # fmt: skip
    own = shingles(text)
    match = assign_duplicate(session, article_id, own, signature(own))
    session.commit()
    assert match is not None and match.original_id == original
    assert match == assign_duplicate(session, article_id)
