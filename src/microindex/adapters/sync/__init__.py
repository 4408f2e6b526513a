"""Sync adapters: the wire codec, the in-process transport and in-memory sync storage."""
