"""The analysts' web UI and JSON API (FastAPI, server-rendered, read-only)."""
