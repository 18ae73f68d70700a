"""Scrapy components (item pipeline, middlewares, extension) that connect crawls to the
pipeline and the database. Enabled by dotted path in newsmon/settings.py; spiders never import them."""
