"""The baseline of ``crawl_bench.py speed``: a bare Scrapy SitemapSpider that only fetches.

It reads the sitemap, fetches every page in it and keeps nothing but a count: the fastest a
Scrapy crawl of the site can be on this machine, with the same concurrency and politeness
settings newsmon's crawl gets (``--set NAME=VALUE``, repeatable). Prints one JSON object:
pages fetched and bytes received.

    python bench/bare_spider.py http://127.0.0.1:PORT/sitemap.xml --set CONCURRENT_REQUESTS=32
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.spiders import SitemapSpider


class BareSitemapSpider(SitemapSpider):
    name = "bare"

    def __init__(self, sitemap: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap]
        self.fetched = 0
        self.received = 0

    def parse(self, response: Response) -> None:
        self.fetched += 1
        self.received += len(response.body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sitemap", help="the sitemap's URL")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    args = parser.parse_args(argv)
    settings: dict[str, Any] = {
        "LOG_LEVEL": "WARNING",
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
    }
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set needs NAME=VALUE, not {item!r}")
        settings[name] = value
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSitemapSpider)
    process.crawl(crawler, sitemap=args.sitemap)
    process.start()
    spider = crawler.spider
    json.dump({"fetched": spider.fetched, "bytes": spider.received}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
