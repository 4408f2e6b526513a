"""The hub over HTTP: `create_app(workspace)` gives the FastAPI application."""

from microindex.entrypoints.http.app import create_app

__all__ = ["create_app"]
