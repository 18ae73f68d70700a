"""A large but allowed page (fault ``huge`` under DOWNLOAD_MAXSIZE) must not stall a crawl.

A sample article padded to 3 MB of empty ``<div class="ad-slot">`` once took minutes in
extraction: XPath queries of the form ``//*[@class]`` are quadratic in libxml2 on such a page,
and trafilatura runs its own. Extraction now prunes empty layout elements, caps the tree, and
has a time budget. The assertions are on the result and on work bounds, not on wall time.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import pipeline.extract.body as extract_module
from newsmon.sample_sites.articles import SITES, catalog
from newsmon.sample_sites.server import SampleSites
from pipeline.extract.body import ExtractTimeout, extract_html
from pipeline.extract.htmltree import MAX_ELEMENTS, cap_elements, parse_html, prune_empty
from pipeline.process import ExtractionFailed, process_page
from pipeline.types import Page

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"
SIZE = 3_000_000


@pytest.fixture(scope="module")
def huge_page() -> Iterator[tuple[dict, Page]]:
    """A thanhhoa article (ASP.NET: the padding lands after its <form>) served 3 MB long."""
    article = next(a for a in catalog() if a["site"] == "thanhhoa")
    with SampleSites(ports={site: 0 for site in SITES}) as sites:
        sites.set_fault("thanhhoa", article["path"], "huge", size=SIZE)
        url = sites.urls["thanhhoa"] + article["path"]
        with urllib.request.urlopen(url, timeout=30) as resp:
            body = resp.read()
            headers = dict(resp.headers.items())
    assert len(body) == SIZE
    yield article, Page(url=url, body=body, headers=headers, source_id="sample-thanhhoa")


def test_three_megabyte_page_is_extracted(huge_page: tuple[dict, Page]) -> None:
    article, page = huge_page
    result = process_page(page)
    assert result.title == article["title"]
    assert article["paragraphs"][-1].strip()[-60:] in result.text
    assert "page_truncated" not in " ".join(result.warnings)  # pruning alone bounds this page


def test_empty_padding_is_pruned_to_a_small_tree(huge_page: tuple[dict, Page]) -> None:
    _, page = huge_page
    root = parse_html(page.body)
    before = sum(1 for _ in root.iter())
    removed = prune_empty(root)
    after = sum(1 for _ in root.iter())
    assert before > 100_000
    assert removed >= before - 1_000
    assert after < 1_000
    assert root.xpath("count(//div[@class='ad-slot'])") == 0


def test_prune_keeps_what_carries_text_or_data() -> None:
    root = parse_html(
        b"<html><body><p>a<span class='x'></span> b</p><b>c</b><span class='sep'></span> <b>d</b>"
        b"<div class='ad'><div class='inner'></div></div><span class='d' data-time='2024-05-01'></span>"
        b"<time datetime='2024-05-01'></time><img src='x.jpg'></body></html>"
    )
    assert prune_empty(root) == 2  # the two nested empty divs
    text = root.find("body").text_content()
    assert text == "a bc d"  # "c d": the span kept with its space
    assert root.find(".//span[@class='sep']") is not None  # its whitespace tail separates words
    assert root.find(".//span[@data-time]") is not None
    assert root.find(".//time") is not None and root.find(".//img") is not None


def test_tree_is_capped_whatever_it_holds() -> None:
    """Non-empty padding cannot be pruned: the tree is cut after MAX_ELEMENTS elements and the
    article, at the top, is still extracted, with a page_truncated warning."""
    article = "".join(
        f"<p>Đoạn {i} của bài viết về hội nghị tập huấn thông tin đối ngoại năm nay.</p>" for i in range(8)
    )
    filler = '<p class="comment">bình luận</p>\n' * (MAX_ELEMENTS + 10_000)
    html = f"<html><head><title>Hội nghị</title></head><body><h1>Hội nghị</h1><div class='content'>{article}</div>{filler}</body></html>"
    root = parse_html(html)
    total = sum(1 for _ in root.iter())
    cut = cap_elements(root)
    assert sum(1 for _ in root.iter()) == MAX_ELEMENTS
    assert cut == total - MAX_ELEMENTS
    extracted = extract_html(html, url="http://127.0.0.1/bai-viet.html")
    assert extracted is not None and "Đoạn 7 của bài viết" in extracted.text
    assert any(w.startswith("page_truncated:") for w in extracted.warnings)


def test_time_budget_records_extract_timeout(
    monkeypatch: pytest.MonkeyPatch, huge_page: tuple[dict, Page]
) -> None:
    _, page = huge_page
    with pytest.raises(ExtractTimeout, match="stopped after parsing"):
        extract_html(page.body, url=page.url, budget_seconds=1e-9)
    monkeypatch.setattr(extract_module, "EXTRACT_BUDGET_SECONDS", 1e-9)
    with pytest.raises(ExtractionFailed, match=r"^extract_timeout: "):
        process_page(page)


def test_no_quadratic_xpath_form_in_the_pipeline() -> None:
    """``//*[pred]`` and ``.//x[pred]`` (descendant-or-self::node()/child::x[pred]) took seconds
    per query on a page with thousands of siblings; ``descendant::x[pred]`` is linear."""
    pattern = re.compile(r"""xpath\(\s*["'][^"']*//[\w*]+\[""")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted(PIPELINE.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
