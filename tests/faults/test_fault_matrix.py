"""The fault matrix of ``bench/fault_report.py`` on a representative subset.

The full matrix (18 faults, two real crawls each: about 6 minutes) is ``make faults``; CI runs
four scenarios that together cover every kind of failure (about 1.5 minutes):
``combined_articles`` sets nine article-level faults at once (500, 429 + Retry-After, timeout,
reset, truncated, malformed, legacy charset, redirect loop, a page over the size cap) on the
deepest articles of the listing-only sites; ``dark_mid_crawl`` a domain going dark after a
few answers; ``calendar_trap`` an endless archive on every page; ``robots_disallow`` a site
that forbids crawling (its articles must not be fetched while it does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fault_report import BY_NAME, run_scenario
from newsmon.sample_sites.server import DEFAULT_PORTS, SampleSites, catalog

SUBSET = ["combined_articles", "dark_mid_crawl", "calendar_trap", "robots_disallow"]


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in DEFAULT_PORTS}) as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBSET)
def test_fault_survived_nothing_lost_nothing_duplicated(
    sites: SampleSites, tmp_path: Path, name: str
) -> None:
    result = run_scenario(sites, BY_NAME[name], tmp_path)
    assert result.survived, result
    assert result.lost == 0, result
    assert result.duplicates == 0, result
    if name == "robots_disallow":
        assert result.forbidden_fetched == 0, result
        assert result.stored_under_fault == len(catalog()) - 11  # travinh's 11: not fetched
    else:
        assert result.stored_under_fault < len(catalog()) or name == "calendar_trap"
    if name == "calendar_trap":
        assert result.bounded, result
    if name == "combined_articles":
        for kind in ("http_500", "http_429", "timeout", "truncated", "redirect_loop", "too_large"):
            assert result.errors.get(kind), (kind, result.errors)
