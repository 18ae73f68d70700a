"""Each seed, served inside a sample page with its site's chrome, comes out clean:
none of its labelled noise, every body paragraph, and the right publication date."""

from __future__ import annotations

import urllib.request
from datetime import datetime

import pytest

from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog
from pipeline.process import process_page
from pipeline.types import Page
from tests.pipeline.test_seeds import NOISE, NOISE_PREFIXES, load

SEEDED = [a for a in catalog() if a["seed"]]


@pytest.fixture(scope="module")
def sites():
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


def fetch(sites: SampleSites, article: dict) -> Page:
    url = sites.urls[article["site"]] + article["path"]
    with urllib.request.urlopen(url, timeout=10) as response:
        return Page(
            url=url, body=response.read(), headers={k.lower(): v for k, v in response.headers.items()}
        )


def test_every_seed_is_on_a_sample_site():
    assert sorted({a["seed"] for a in SEEDED}) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("article", SEEDED, ids=lambda a: f"{a['seed']}-{a['site']}")
def test_seed_page_extraction(sites, article):
    result = process_page(fetch(sites, article))
    _, _, gold = load(article["seed"])
    paragraphs = [p.strip() for p in result.text.split("\n") if p.strip()]
    for noise in NOISE[article["seed"]]:
        assert noise not in paragraphs, f"noise kept: {noise!r}"
    for prefix in NOISE_PREFIXES.get(article["seed"], []):
        assert not any(p.startswith(prefix) for p in paragraphs), f"noise prefix kept: {prefix!r}"
    for line in gold:
        assert line in result.text, f"body paragraph lost: {line[:80]!r}"
    assert result.title == article["title"]
    assert result.published == datetime.fromisoformat(article["published"])
    assert result.language == "vi"
