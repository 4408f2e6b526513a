"""The dashboard tells times on the shop's clock, with its zone: never "UTC" for a London shop,
never an ISO stamp with microseconds."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import bootstrap
from microindex.entrypoints.http import create_app
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import issue_secrets


def _dashboard(pristine: Path, root: Path, zone: str) -> str:
    shutil.copytree(pristine, root)
    workspace = bootstrap(Settings(root, time_zone=zone), clock=Clock(DEMO_NOW))
    secret = issue_secrets(workspace)["admin"]
    try:
        with TestClient(create_app(workspace)) as client:
            signed = client.post("/login", content=f"token={secret}".encode())
            assert signed.status_code == 200
            return client.get("/").text
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def pages(
    pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("zones")
    yield {
        zone: _dashboard(pristine_demo, root / zone.replace("/", "-"), zone)
        for zone in ("Europe/London", "America/New_York")
    }


def _movement_times(html: str) -> list[str]:
    table = html[html.index('id="movements"') :]
    return re.findall(r"<tr><td>(\d\d \w{3} \d\d:\d\d)</td>", table)


def test_a_london_shop_reads_london_time_and_says_so(pages: dict[str, str]) -> None:
    html = pages["Europe/London"]
    assert "UTC" not in html
    assert "(times Europe/London, GMT)" in html  # the demo's day is in November
    assert _movement_times(html)[0] == "26 Nov 12:00"  # the demo's noon, GMT
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+\+00:00", html)


def test_a_new_york_shop_reads_its_own_clock(pages: dict[str, str]) -> None:
    html = pages["America/New_York"]
    assert "(times America/New_York, EST)" in html
    assert _movement_times(html)[0] == "26 Nov 07:00"
    assert _movement_times(html) != _movement_times(pages["Europe/London"])
