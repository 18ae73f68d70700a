"""The ``newsmon`` command line: one module per command group, each a thin layer that parses
options, calls a library function (``newsmon.services``, ``newsmon.crawl``, ``storage``) and
formats the result as a table for people or JSON for programs. A command's module is imported
when the command runs (``app.COMMANDS``)."""

from newsmon.cli.app import main

__all__ = ["main"]
