"""Duplicate detection that needs no database: MinHash signatures, shingles, the copy rule."""
