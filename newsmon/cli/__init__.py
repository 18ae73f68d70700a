"""The ``newsmon`` command line: one module per command group, each a thin layer that parses
options, calls a library function (``newsmon.services``, ``newsmon.crawl``, ``storage``) and
formats the result as a table for people or JSON for programs."""

from newsmon.cli import alerts, articles, crawl, doctor, ingest, ops, search, sources  # noqa: F401  (registers commands)
from newsmon.cli.app import main

__all__ = ["main"]
