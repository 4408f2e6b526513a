"""Adapters: the ports made real (SQLite, PostgreSQL, files, formats) and in-memory fakes."""
