"""Offline copies of Vietnamese news and government sites, served on 127.0.0.1.

Four site shapes (a national paper with feeds and sitemaps, an ASP.NET department site
with postback paging, a Liferay provincial portal, a Joomla provincial paper) render
our own articles (``content/*.yaml``, partly built from the seed texts) at request
time, behind a server whose faults can be switched on per URL. Tests crawl them,
``newsmon demo`` serves them, and their articles are the fixtures for extraction,
deduplication and classification.

    with SampleSites(ports={site: 0 for site in SITES}) as sites:
        sites.set_fault("thanhhoa", "/NewsDetail.aspx?Id=10832", "status", code=503, times=1)
        ...  # crawl sites.urls / sites.env()
"""

from pathlib import Path

from newsmon.sample_sites.articles import SITES, SOURCE_IDS, Article, all_articles, catalog
from newsmon.sample_sites.faults import FAULTS
from newsmon.sample_sites.server import DEFAULT_PORTS, RequestRecord, SampleSites

SOURCES = Path(__file__).parent / "sources.yaml"  # the registry entries of the four sites
# Crawl settings for our own loopback server: no politeness delay, quick retries and timeouts
# (each one is a `newsmon crawl --set` argument).
FAST_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "NEWSMON_RETRY_BACKOFF_BASE=0.1",
    "DOWNLOAD_TIMEOUT=3",
    "RETRY_TIMES=1",
]

__all__ = [
    "DEFAULT_PORTS",
    "FAST_SETTINGS",
    "FAULTS",
    "SITES",
    "SOURCES",
    "SOURCE_IDS",
    "Article",
    "RequestRecord",
    "SampleSites",
    "all_articles",
    "catalog",
]
