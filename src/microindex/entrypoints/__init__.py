"""Entrypoints: the CLI, the HTTP API, the dashboard and workers. Thin: parse, call, render."""
