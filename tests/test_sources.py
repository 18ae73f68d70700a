import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.sources import RegistryError, load_registry, parse_duration, parse_registry
from tests.conftest import PROJECT

GOOD = """
sources:
  - id: demo-portal
    name: Cổng TTĐT mẫu
    kind: provincial_portal
    province: Hoa Binh
    homepage: https://portal.example.vn/
    schedule: {every: 2h}
    discovery:
      listings:
        - urls: ["${BASE:-https://portal.example.vn}/tin-tuc"]
          article_pattern: '/content/'
          max_pages: 3
"""


def test_good_registry_derives_2025_unit_and_domains():
    reg = parse_registry(GOOD, "s.yaml", env={})
    src = reg.get("demo-portal")
    assert (src.province, src.province_2025) == ("Hòa Bình", "Phú Thọ")
    assert src.allowed_domains == ["portal.example.vn"]
    assert src.discovery.listings[0].urls == ["https://portal.example.vn/tin-tuc"]
    assert parse_registry(GOOD, env={"BASE": "http://127.0.0.1:9"}).sources[0].discovery.listings[0].urls == [
        "http://127.0.0.1:9/tin-tuc"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("    schedule: {every: 2h}", "    schedule: {every: 2h}\n    colour: red"),
            "s.yaml:9: source 'demo-portal': colour: unknown field",
        ),
        (
            ("    homepage: https://portal.example.vn/\n", ""),
            "source 'demo-portal': homepage: required field is missing",
        ),
        (
            ("'/content/'", "'/content/['"),
            "s.yaml:12: source 'demo-portal': discovery.listings[0].article_pattern: invalid regex",
        ),
        (
            ('["${BASE:-https://portal.example.vn}/tin-tuc"]', "[]"),
            "discovery.listings[0].urls: List should have at least 1 item",
        ),
        (
            ('["${BASE:-https://portal.example.vn}/tin-tuc"]', '["tin-tuc"]'),
            "discovery.listings[0].urls[0]: invalid URL 'tin-tuc'",
        ),
        (("province: Hoa Binh", "province: Atlantis"), "province: unknown province 'Atlantis'"),
        (("{every: 2h}", "{every: soon}"), "schedule.every: invalid duration 'soon'"),
        (("{every: 2h}", "{cron: '99 * * * *'}"), "schedule.cron: invalid cron expression"),
        (("kind: provincial_portal", "kind: blog"), "kind: Input should be"),
        (("id: demo-portal", "id: Demo Portal"), "id: invalid id 'Demo Portal'"),
        (("          article_pattern: '/content/'\n", ""), "cannot recognise article links"),
    ],
)
def test_bad_registry_one_line_error_names_file_source_and_field(change, expected):
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(RegistryError) as info:
        parse_registry(text, "s.yaml", env={})
    message = str(info.value)
    assert "\n" not in message
    assert expected in message
    assert message.startswith("s.yaml")


HOMEPAGE = "    homepage: https://portal.example.vn/"
LISTING = '["${BASE:-https://portal.example.vn}/tin-tuc"]'
FEEDS_AT = "    discovery:\n"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ((HOMEPAGE, "    homepage: ftp://portal.example.vn/"), "homepage: invalid URL 'ftp://portal.example.vn/': scheme 'ftp'"),
        ((HOMEPAGE, "    homepage: file:///etc/passwd"), "homepage: invalid URL 'file:///etc/passwd': scheme 'file'"),
        ((HOMEPAGE, "    homepage: 'javascript:alert(1)'"), "homepage: invalid URL 'javascript:alert(1)': scheme 'javascript'"),
        ((HOMEPAGE, "    homepage: mailto:so@example.vn"), "homepage: invalid URL 'mailto:so@example.vn': scheme 'mailto'"),
        ((HOMEPAGE, "    homepage: portal.example.vn/"), "homepage: invalid URL 'portal.example.vn/': no http:// or https:// scheme"),
        ((HOMEPAGE, "    homepage: 'http:///tin-tuc'"), "homepage: invalid URL 'http:///tin-tuc': no host name"),
        ((HOMEPAGE, "    homepage: 'https://portal.example.vn:99999/'"), "homepage: invalid URL 'https://portal.example.vn:99999/': Port out of range"),
        ((HOMEPAGE, "    homepage: 'https://portal example.vn/'"), "homepage: invalid URL 'https://portal example.vn/': contains a space"),
        ((LISTING, '["https://portal.example.vn/a", "ftp://portal.example.vn/b"]'), "discovery.listings[0].urls[1]: invalid URL 'ftp://portal.example.vn/b'"),
        ((FEEDS_AT, FEEDS_AT + "      feeds: [https://portal.example.vn/rss, 'javascript:void(0)']\n"), "discovery.feeds[1]: invalid URL 'javascript:void(0)'"),
        ((FEEDS_AT, FEEDS_AT + "      sitemaps: ['file:///srv/sitemap.xml']\n"), "discovery.sitemaps[0]: invalid URL 'file:///srv/sitemap.xml'"),
        ((FEEDS_AT, "    request: {cookies_from: 'mailto:a@b.vn'}\n" + FEEDS_AT), "request.cookies_from: invalid URL 'mailto:a@b.vn'"),
    ],
)  # fmt: skip
def test_registry_rejects_urls_the_crawler_cannot_fetch(change, expected):
    """Only http(s) URLs with a host: an ftp:, file:, javascript: or mailto: URL (or a bare host
    name) is refused at load time with the source and the field, not skipped mid-crawl."""
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(RegistryError) as info:
        parse_registry(text, "s.yaml", env={})
    message = str(info.value)
    assert message.startswith("s.yaml:") and "source 'demo-portal': " in message, message
    assert expected in message
    assert "\n" not in message


def test_registry_accepts_http_and_https_urls_with_ports_and_queries():
    text = GOOD.replace(
        LISTING, '["http://127.0.0.1:8472/TinTuc.aspx?CatId=5", "https://portal.example.vn/x#top"]'
    )
    urls = parse_registry(text, env={}).sources[0].discovery.listings[0].urls
    assert urls == ["http://127.0.0.1:8472/TinTuc.aspx?CatId=5", "https://portal.example.vn/x#top"]


def test_duplicate_ids_unset_env_and_yaml_syntax():
    dup = GOOD + GOOD.split("sources:\n", 1)[1]
    with pytest.raises(RegistryError, match="duplicate id"):
        parse_registry(dup, env={})
    with pytest.raises(RegistryError, match="environment variable NOPE is not set"):
        parse_registry(GOOD.replace("${BASE:-https://portal.example.vn}", "${NOPE}"), env={})
    with pytest.raises(RegistryError, match=r"s.yaml:\d+: not valid YAML"):
        parse_registry("sources:\n  - id: [unclosed\n", "s.yaml")
    with pytest.raises(RegistryError, match="expected a mapping with a 'sources:' list"):
        parse_registry("- a\n- b\n")
    with pytest.raises(RegistryError, match="file not found"):
        load_registry("/nonexistent/sources.yaml")


def test_two_enabled_sources_with_one_homepage_are_refused():
    """Two enabled entries for one site would crawl it twice and store its articles twice."""
    other = GOOD.split("sources:\n", 1)[1].replace("id: demo-portal", "id: demo-copy")
    with pytest.raises(RegistryError) as info:
        parse_registry(GOOD + other, "s.yaml", env={})
    assert "source 'demo-copy': homepage:" in str(info.value) and "'demo-portal'" in str(info.value)
    disabled = other.replace("schedule:", "enabled: false\n    schedule:")
    assert disabled != other
    assert len(parse_registry(GOOD + disabled, env={}).sources) == 2  # a retired copy may stay


def test_durations():
    assert parse_duration("90s").total_seconds() == 90
    assert parse_duration("2h").total_seconds() == 7200
    with pytest.raises(ValueError):
        parse_duration("2 hours")


def test_project_registries_validate():
    reg = load_registry(PROJECT / "sources.yaml")
    assert len(reg.sources) >= 5
    sample = load_registry(PROJECT / "newsmon" / "sample_sites" / "sources.yaml", env={})
    assert {s.id for s in sample.sources} >= {
        "sample-nhandan",
        "sample-thanhhoa",
        "sample-hoabinh",
        "sample-travinh",
    }


def test_cli_validate_bad_file_exits_2_with_one_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("'/content/'", "'(unclosed'"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "newsmon", "sources", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert (
        "bad.yaml:12: source 'demo-portal': discovery.listings[0].article_pattern: invalid regex" in lines[0]
    )
    ok = subprocess.run(
        [sys.executable, "-m", "newsmon", "sources", "validate"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert ok.returncode == 0 and "OK" in ok.stdout
