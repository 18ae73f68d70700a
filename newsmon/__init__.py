"""newsmon, the application: the command line, the web workbench, the crawl runner and the
services that put the pure pipeline (``pipeline``) together with the database (``storage``).

Imports point one way (see docs/architecture.md): ``newsmon`` may import ``pipeline``,
``storage``, ``spiders`` and ``scheduler``; none of those imports ``newsmon``, except
``scheduler``, which reads its settings and services from here.
"""
