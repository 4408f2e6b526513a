"""A real browser (Debian's Chromium, driven by Playwright) against the hub served by uvicorn.

Without Chromium or Playwright these tests skip, with the reason; in CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from microindex.entrypoints.http import create_app
from tests.clock import DEMO_NOW
from tests.demo import open_copy
from tests.http.conftest import issue_secrets, login_link_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = "MICROINDEX_SCREENSHOTS"  # a folder to copy the screenshots into (docs/img)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context whose clock reads the demo's stopped clock, as the hub's does: pages
    that say "today" agree with the server whatever the date."""
    context = browser.new_context(**options)
    context.clock.set_fixed_time(DEMO_NOW)
    return context


@dataclass
class Hub:
    url: str
    secrets: dict[str, str]
    login_url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port, in a thread: its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def hub(pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A copy of the demo shop served by uvicorn on a free loopback port, in a thread."""
    workspace = open_copy(pristine_demo, tmp_path_factory.mktemp("served") / "shop")
    secrets = issue_secrets(workspace)
    app = create_app(workspace)
    code = login_link_code(workspace)
    with served(app) as url:
        yield Hub(url, secrets, f"{url}/login/once/{code}")
    workspace.close()


@pytest.fixture
def save_screenshot(tmp_path: Path) -> Any:
    """Save a page's screenshot under the test's tmp dir, and into $MICROINDEX_SCREENSHOTS."""

    def save(page: Any, name: str, **options: Any) -> Path:
        path = tmp_path / name
        page.screenshot(path=str(path), **options)
        target = os.environ.get(SCREENSHOTS)
        if target:
            shutil.copyfile(path, Path(target) / name)
        return path

    return save
