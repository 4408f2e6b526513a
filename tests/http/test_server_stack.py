"""The hub's server runs on the fast parts uvicorn looks for (pinned in the lock file): the C
HTTP parser and uvloop. Without them uvicorn falls back, silently, to pure-Python h11 and
asyncio's loop, which cost the server about a fifth more CPU a request."""

from __future__ import annotations

import sys

import pytest
from uvicorn.config import Config


async def _app(scope: object, receive: object, send: object) -> None:
    raise AssertionError("not served")


def test_uvicorn_picks_the_c_http_parser() -> None:
    config = Config(_app, http="auto", loop="auto")
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not built for Windows")
def test_uvicorn_picks_uvloop() -> None:
    config = Config(_app, http="auto", loop="auto")
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
