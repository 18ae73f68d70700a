"""Verbatim copies of the seed texts (data/seeds) that some sample articles are built from."""
