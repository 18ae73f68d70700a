"""Scores against labelled data (pure functions; the runs that produce predictions live in newsmon)."""
