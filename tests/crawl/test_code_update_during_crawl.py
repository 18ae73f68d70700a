"""Deploying new code under a running crawl must not break its callbacks.

Scrapy's WARN_ON_GENERATOR_RETURN_VALUE check reads a callback's source file when it is
called; if the file changed since import, the lines no longer parse and the callback raises
SyntaxError. Our settings turn the check off."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.misc import warn_on_generator_with_return_value
from scrapy.utils.test import get_crawler

import newsmon.settings as project_settings

SPIDER_SOURCE = """
import scrapy


class UpdatedSpider(scrapy.Spider):
    name = "updated"

    def parse_listing(self, response):
        for link in response.css("a"):
            yield link
"""


@pytest.fixture
def spider_after_deploy(tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "updated_spider.py"
    path.write_text(SPIDER_SOURCE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("updated_spider", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["updated_spider"] = module
    spec.loader.exec_module(module)
    # the new release lands: the callback's old line numbers now hold the end of a call
    first = module.UpdatedSpider.parse_listing.__code__.co_firstlineno
    lines = ["x = 1"] * (first - 1) + ['"a", "b")', "", "def f():", "    pass"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yield module.UpdatedSpider
    sys.modules.pop("updated_spider", None)


def _settings(**overrides: Any) -> dict[str, Any]:
    values = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    values.update(EXTENSIONS={}, LOG_ENABLED=False, **overrides)
    return values


def test_callbacks_keep_working_after_their_source_file_changed(spider_after_deploy: Any) -> None:
    crawler = get_crawler(spider_after_deploy, _settings())
    spider = spider_after_deploy.from_crawler(crawler)
    warn_on_generator_with_return_value(spider, spider.parse_listing)  # must not raise


def test_scrapys_check_would_raise_with_it_on(spider_after_deploy: Any) -> None:
    crawler = get_crawler(spider_after_deploy, _settings(WARN_ON_GENERATOR_RETURN_VALUE=True))
    spider = spider_after_deploy.from_crawler(crawler)
    with pytest.raises(SyntaxError):
        warn_on_generator_with_return_value(spider, spider.parse_listing)
