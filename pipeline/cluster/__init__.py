"""Grouping reports into events: the pure rules (what matches, how fields merge)."""
