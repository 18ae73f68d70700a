"""The faults added for the fault matrix, over real HTTP on 127.0.0.1: a domain that goes
dark mid-crawl, and the endless archive calendar."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta

import lxml.html
import pytest

from newsmon.sample_sites.articles import SITES
from newsmon.sample_sites.faults import make_fault
from newsmon.sample_sites.server import SampleSites

LISTING = "/web/guest/tin-tuc"


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites(ports={site: 0 for site in SITES}) as running:
        yield running


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_dark_after_n_answers_then_resets_every_request(sites: SampleSites) -> None:
    sites.clear_faults()
    sites.set_fault("hoabinh", "*", "dark", after=2)
    url = sites.urls["hoabinh"] + LISTING
    assert [get(url)[0] for _ in range(2)] == [200, 200]
    for _ in range(3):
        with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
            get(url)
    sites.clear_faults()
    assert get(url)[0] == 200


def test_dark_after_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="after must be 0 or more"):
        make_fault("dark", {"after": "-1"})


def test_calendar_trap_links_ever_earlier_days(sites: SampleSites) -> None:
    sites.clear_faults()
    sites.set_fault("hoabinh", LISTING, "calendar_trap")
    url = sites.urls["hoabinh"] + LISTING
    day = date.today()
    for _ in range(3):  # the day pages match the fault set on the listing path
        status, body = get(url)
        assert status == 200
        tree = lxml.html.fromstring(body.decode("utf-8"))
        older = tree.xpath('//div[@class="archive-calendar"]/a[text()="Tin cũ hơn"]/@href')
        day -= timedelta(days=1)
        assert older == [f"{LISTING}?ngay={day.isoformat()}"]
        assert tree.xpath('//div[@class="news-list"]//a')  # each day repeats the listing
        url = sites.urls["hoabinh"] + older[0]
    sites.clear_faults()
    assert b"archive-calendar" not in get(url)[1]
