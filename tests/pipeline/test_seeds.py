"""The five labelled seed articles (plain text, as collected): noise out, every body paragraph kept.

Gold paragraphs (``NNN.gold.txt``, one per line) were written by hand from each seed: the body
paragraphs and sub-headings, without noise or photo captions. labels.jsonl lists the noise per seed;
NOISE below spells those labels out as the exact lines (or prefixes) they name.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.extract.body import extract_text

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
LABELS = {
    row["file"]: row for row in map(json.loads, (SEEDS / "labels.jsonl").read_text("utf-8").splitlines())
}

# labels.jsonl "noise" descriptions, interpreted as lines of the seed that must not survive.
NOISE: dict[str, list[str]] = {
    "000": [
        ".jpg)",
        "Thứ trưởng Bộ TT&TT Nguyễn Thanh Lâm phát biểu tại hội nghị",
        "Các đại biểu tham dự hội nghị chụp hình lưu niệm",
    ],
    "001": [
        "0:00 / 0:00",
        "0:00",
        "Quang cảnh tại Hội nghị. (Ảnh: Hải Đăng)",
        "Cục trưởng Thông tin đối ngoại Phạm Anh Tuấn phát biểu khai mạc Hội nghị. (Ảnh: Hải Đăng)",
        "Phó Chủ tịch Ủy ban nhân dân tỉnh Hòa Bình Nguyễn Văn Chương phát biểu tại Hội nghị. (Ảnh: Hải Đăng)",
        "Yêu cầu mới với công tác truyền thông, thông tin đối ngoại về quyền con người ảnh 1",
        "Yêu cầu mới với công tác truyền thông, thông tin đối ngoại về quyền con người ảnh 4",
    ],
    "002": [],
    "003": [
        "Sở Thông tin và truyền thông Thanh Hóa",
        "• Liên kết website",
        "• Thống kê truy cập",
        "• Đang online: 6",
        "Hôm nay: 1937",
        "Đã truy cập: 5689426",
        "TRANG THÔNG TIN ĐIỆN TỬ SỞ THÔNG TIN VÀ TRUYỀN THÔNG THANH HÓA",
        "Chịu trách nhiệm: Ông Đỗ Hữu Quyết - Giám đốc",
        "Số ĐT: (02373) 713.985 - Fax: (02373) 713.985",
        "Toàn cảnh Hội nghị",
        "Đồng chí Đỗ Hữu Quyết, Giám đốc Sở Thông tin và Truyền thông phát biểu khai mạc hội nghị.",
        "Nguyễn Hiền - Phòng QLTTBCXB",
    ],
    "004": [
        "V.N",
        "Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)",
        "Vui lòng nhập nội dung bình luận.",
        "Đẩy mạnh thông tin đối ngoại về tình hình nhân quyền nhằm nâng cao vị thế Việt Nam",
    ],
}
# Prefix-type noise: no paragraph may start with these.
NOISE_PREFIXES = {"001": ["NDO -"], "003": ["Giấy phép số", "Địa chỉ:", "Website được thiết kế"]}
TITLES = {
    "000": None,
    "001": "Yêu cầu mới với công tác truyền thông, thông tin đối ngoại về quyền con người",
    "002": None,
    "003": "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023",
    "004": "Đẩy mạnh thông tin đối ngoại về tình hình nhân quyền nhằm nâng cao vị thế Việt Nam",
}


def seed_ids() -> list[str]:
    return sorted(name[:3] for name in LABELS)


def load(seed: str) -> tuple[str, dict[str, object], list[str]]:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    gold = (SEEDS / f"{seed}.gold.txt").read_text("utf-8").splitlines()
    return path.read_text("utf-8"), LABELS[path.name], [g for g in gold if g]


def test_every_labelled_seed_has_gold_and_noise() -> None:
    assert seed_ids() == sorted(NOISE) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("seed", seed_ids())
def test_seed_keeps_exactly_the_body_paragraphs(seed: str) -> None:
    text, _, gold = load(seed)
    result = extract_text(text)
    assert result.text.split("\n\n") == gold


@pytest.mark.parametrize("seed", seed_ids())
def test_seed_noise_removed(seed: str) -> None:
    text, label, _ = load(seed)
    result = extract_text(text)
    paragraphs = result.text.split("\n\n")
    for line in NOISE[seed]:
        assert line.lstrip("• ").strip() not in paragraphs, line
    for prefix in NOISE_PREFIXES.get(seed, []):
        assert not any(p.startswith(prefix) for p in paragraphs), prefix
    if not label["noise"]:
        assert result.noise_removed == []


@pytest.mark.parametrize("seed", seed_ids())
def test_seed_metadata(seed: str) -> None:
    text, label, _ = load(seed)
    result = extract_text(text)
    assert result.title == TITLES[seed]
    assert result.author == label.get("author")
    if "published" in label:
        assert result.published == datetime.fromisoformat(str(label["published"]))
        assert result.published_from == "text"
    else:
        assert result.published is None


def test_seed_004_published_date() -> None:
    text, _, _ = load("004")
    published = extract_text(text).published
    assert published is not None
    assert published.isoformat() == "2024-08-07T17:01:00+07:00"


def test_seed_001_lead_is_the_prefixed_sapo() -> None:
    text, _, gold = load("001")
    result = extract_text(text)
    assert result.lead == gold[0]
    assert not result.lead.startswith("NDO")


def test_given_date_overrides_the_dateline() -> None:
    text, _, _ = load("004")
    given = datetime(2024, 8, 8, 9, 0)
    result = extract_text(text, published=given)
    assert result.published_from == "given"
    assert result.published is not None and result.published.isoformat() == "2024-08-08T09:00:00+07:00"
