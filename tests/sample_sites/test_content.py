"""The sample articles as data: enough of them, well-formed, seeds kept verbatim, and the
cases the classifier and the event clustering will need present."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from newsmon.sample_sites.__main__ import parse_fault
from newsmon.sample_sites.articles import SITES, SOURCE_IDS, all_articles, catalog
from newsmon.sample_sites.faults import make_fault, strip_loop_param, to_cp1258

SOURCES_YAML = Path(__file__).resolve().parents[2] / "newsmon" / "sample_sites" / "sources.yaml"


def seed_lines(seed: str) -> list[str]:
    folder = resources.files("newsmon.sample_sites.content.seeds")
    name = next(p.name for p in folder.iterdir() if p.name.startswith(f"{seed}_"))
    text = folder.joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_catalog_has_enough_distinct_articles() -> None:
    entries = catalog()
    per_site = Counter(e["site"] for e in entries)
    assert len(entries) >= 40
    assert per_site["nhandan"] >= 16 and per_site["thanhhoa"] >= 10
    assert per_site["hoabinh"] >= 8 and per_site["travinh"] >= 8
    assert len({(e["site"], e["path"]) for e in entries}) == len(entries)
    assert len({e["id"] for e in entries}) == len(entries)
    assert {e["source_id"] for e in entries} == set(SOURCE_IDS.values())


@pytest.mark.parametrize(
    ("site", "pattern"),
    [
        ("nhandan", r"^(/en)?/[a-z0-9-]+-post\d{6}\.html$"),
        ("thanhhoa", r"^/NewsDetail\.aspx\?Id=\d{5}$"),
        ("hoabinh", r"^/web/guest/tin-tuc/-/asset_publisher/Xy12/content/[a-z0-9-]+$"),
        ("travinh", r"^/index\.php\?option=com_content&view=article&id=\d+:[a-z0-9-]+&catid=12&Itemid=101$"),
    ],
)
def test_url_shapes(site: str, pattern: str) -> None:
    paths = [e["path"] for e in catalog() if e["site"] == site]
    assert paths and all(re.match(pattern, p) for p in paths), [p for p in paths if not re.match(pattern, p)]


def test_dates_are_local_and_within_2023_2025() -> None:
    for e in catalog():
        dt = datetime.fromisoformat(e["published"])
        assert dt.utcoffset() == timedelta(hours=7), e["id"]
        assert 2023 <= dt.year <= 2025, e["id"]
    by_seed = {(e["site"], e["seed"]): e["published"] for e in catalog() if e["seed"]}
    assert by_seed[("nhandan", "001")].startswith("2023-12-07T")
    assert by_seed[("thanhhoa", "003")].startswith("2023-08-18T")
    assert by_seed[("hoabinh", "004")] == "2024-08-07T17:01:00+07:00"


def test_written_articles_have_realistic_length() -> None:
    for a in all_articles():
        if a.seed is None:
            assert 150 <= a.word_count <= 600, (a.id, a.word_count)
            assert a.sapo and len(a.paragraphs) >= 3, a.id


def test_seeds_republished_copy_and_english_edition() -> None:
    entries = catalog()
    seeds = Counter((e["seed"], e["site"]) for e in entries if e["seed"])
    assert seeds == Counter(
        {
            ("000", "nhandan"): 1,
            ("001", "nhandan"): 1,
            ("001", "travinh"): 1,
            ("002", "travinh"): 1,
            ("003", "thanhhoa"): 1,
            ("004", "hoabinh"): 1,
        }
    )
    copy = next(a for a in all_articles() if a.republished_from)
    original = next(a for a in all_articles() if (a.site, a.path) == copy.republished_from)
    assert copy.site == "travinh" and original.seed == "001" and copy.attribution == "Theo Nhân Dân"
    assert copy.paragraphs == original.paragraphs and copy.title != original.title
    assert copy.published > original.published
    english = [e for e in entries if e["language"] == "en"]
    assert len(english) >= 3 and all(e["site"] == "nhandan" and e["path"].startswith("/en/") for e in english)


# Lines of a seed that are page noise, not article text (see seeds/labels.jsonl).
SEED_NOISE = [
    r"^0:00( / 0:00)?$",
    r" ảnh \d$",
    r"^\.jpg\)$",
    r"^(V\.N|Vui lòng nhập nội dung bình luận\.)$",
    r"^Thứ tư, ngày 07/08/2024 17:01 PM \(GMT\+7\)$",
    r"^(Sở Thông tin và truyền thông Thanh Hóa|• (Liên kết website|Thống kê truy cập|Đang online: 6))$",
    r"^(Hôm nay|Đã truy cập): \d+$",
    r"^(TRANG THÔNG TIN ĐIỆN TỬ|Giấy phép số|Chịu trách nhiệm|Địa chỉ:|Số ĐT:|Website được thiết kế)",
]


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_seed_articles_keep_every_seed_line_verbatim(seed: str) -> None:
    """Each paragraph comes from the seed unchanged, and every seed line is either
    article text (title, lead, body, caption, author) or a known kind of noise."""
    lines = seed_lines(seed)
    for a in (a for a in all_articles() if a.seed == seed and not a.republished_from):
        assert all(p in lines for p in a.paragraphs), a.id
        used = {
            a.title,
            a.sapo,
            f"NDO - {a.sapo}",
            a.author,
            *a.paragraphs,
            *(f.caption_text for f in a.figures),
        }
        leftover = [line for line in lines if line not in used]
        assert all(any(re.search(p, line) for p in SEED_NOISE) for line in leftover), leftover
        assert len(a.paragraphs) >= 3


def test_classifier_and_event_cases_are_present() -> None:
    articles = all_articles()
    labels = Counter(a.label for a in articles)
    for label in (
        "training_plan",
        "review_conference",
        "seminar",
        "press_briefing",
        "award_ceremony",
        "opinion",
    ):
        assert labels[label] >= 1, label
    assert labels["training_other_topic"] >= 2 and labels["training_conference"] >= 10
    events: dict[str, list] = {}
    for a in articles:
        if a.event_key:
            events.setdefault(a.event_key, []).append(a)
    # the 7/12/2023 conference: three outlets, different attendee counts
    hoabinh_2023 = events["hr-hoabinh-2023-12-07"]
    assert {a.site for a in hoabinh_2023} == {"nhandan", "hoabinh", "travinh"}
    assert any("280 đại biểu" in " ".join(a.paragraphs) for a in hoabinh_2023)
    assert any("gần 300 đại biểu" in " ".join(a.paragraphs) for a in hoabinh_2023)
    # the same conference in two languages; a sibling conference five days later elsewhere
    assert {a.language for a in events["hr-nghean-2024-10-17"]} == {"vi", "en"}
    assert "hr-quangngai-2024-10-22" in events
    # a genuine training that is never called a "hội nghị tập huấn"
    for a in events["hr-dbscl-travinh"]:
        assert (
            "tập huấn" not in f"{a.title} {a.sapo}".lower()
            and "hội nghị tập huấn" not in " ".join(a.paragraphs).lower()
        )


def test_every_text_survives_windows_1258() -> None:
    for a in all_articles():
        text = "\n".join([a.title, a.sapo or "", *a.paragraphs])
        encoded = to_cp1258(text)
        if a.language == "vi":
            with pytest.raises(UnicodeDecodeError):
                encoded.decode("utf-8")
        assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == unicodedata.normalize("NFC", text)


def test_fault_specs_are_validated() -> None:
    assert make_fault("status", {"code": "429", "retry_after": "30", "times": "2"}).params == {
        "code": 429,
        "retry_after": 30,
    }
    assert make_fault("timeout", {"seconds": 10_000}).params["seconds"] == 300.0  # bounded, never forever
    for name, params in [
        ("explode", {}),
        ("status", {"code": 200}),
        ("status", {"cde": 500}),
        ("legacy_charset", {"declared": "koi8-r"}),
        ("huge", {"size": "big"}),
        ("reset", {"times": 0}),
    ]:
        with pytest.raises(ValueError):
            make_fault(name, params)
    assert strip_loop_param("/a?x=1&_loop=7") == "/a?x=1" and strip_loop_param("/a?_loop=3") == "/a"


def test_cli_fault_spec_parsing() -> None:
    assert parse_fault("thanhhoa:/NewsDetail.aspx?Id=10832=status:code=503,retry_after=30") == (
        "thanhhoa",
        "/NewsDetail.aspx?Id=10832",
        "status",
        {"code": "503", "retry_after": "30"},
    )
    assert parse_fault("hoabinh:*=dark") == ("hoabinh", "*", "dark", {})
    with pytest.raises(ValueError):
        parse_fault("nhandan:/x=explode")


def test_sources_yaml_matches_the_sample_sites() -> None:
    sources = pytest.importorskip("pipeline.sources")
    env = {f"SAMPLE_{s.upper()}_URL": f"http://127.0.0.1:{9000 + i}" for i, s in enumerate(SITES)}
    registry = sources.load_registry(SOURCES_YAML, env=env)
    assert [s.id for s in registry.sources] == [SOURCE_IDS[s] for s in SITES]
    for site, source in zip(SITES, registry.sources, strict=True):
        base = env[f"SAMPLE_{site.upper()}_URL"]
        assert source.homepage.startswith(base)
        patterns = [
            source.discovery.article_pattern,
            *(lst.article_pattern for lst in source.discovery.listings),
        ]
        pattern = next((p for p in patterns if p), None)
        if source.discovery.is_auto:  # homepage only: the learned shape must take every article
            from spiders.learn import is_navigation, looks_like_article

            assert pattern is None and site == "travinh"
            for e in catalog():
                if e["site"] == site:
                    url = base + e["path"]
                    assert looks_like_article(url) and not is_navigation(url), (site, e["path"])
            continue
        assert pattern is not None, site
        for e in catalog():
            if e["site"] == site:
                assert re.search(pattern, base + e["path"]), (site, e["path"])
        assert not source.selectors()  # the generic extractor must cope
