"""A shop far from UTC for the day-and-week tests: a workspace whose `time_zone` is the
shop's, on a stopped clock, with an admin's token and one product, driven through the API.

AUCKLAND is a surf shop at UTC+13 in December (NZDT), LOS_ANGELES a taco truck at UTC-8
(PST), LONDON a shop across the March and October clock changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.settings import SETTINGS_FILE, Settings
from tests.clock import Clock
from tests.http.conftest import bearer

AUCKLAND = "Pacific/Auckland"
LOS_ANGELES = "America/Los_Angeles"
LONDON = "Europe/London"
CATALOG = "sku,title,price,currency\nWAX-1,Surf wax,12.00,NZD\nTACO-1,Taco kit,9.00,NZD\n"


class Shop:
    """The shop's workspace, its clock and an API client signed in as its admin."""

    def __init__(self, workspace: Workspace, clock: Clock, client: TestClient, admin: str):
        self.workspace, self.clock, self.client = workspace, clock, client
        self.headers = bearer(admin)
        self.secret = admin

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.client.request(method, f"/api/v1{path}", headers=self.headers, **kwargs)
        assert answer.is_success, answer.text
        return answer.json()

    def at(self, moment: datetime) -> Shop:
        self.clock.set(moment)
        return self


@contextmanager
def shop(
    root: Path, zone: str, now: datetime, hub_url: str | None = None, node: str = "shop"
) -> Iterator[Shop]:
    """A shop in `zone` with one node (`node`, a store in the shop's zone) and the catalog,
    its clock at `now`."""
    clock = Clock(now)
    settings = Settings(root / "ws", hub_url=hub_url, time_zone=zone)
    workspace = bootstrap(settings, clock=clock)
    (root / "ws" / SETTINGS_FILE).write_text(settings.to_toml())  # as the CLI reads them
    try:
        issued = access.issue(token_store(workspace), workspace.hub, Grant(Role.ADMIN), now, "o")
        with TestClient(create_app(workspace)) as client:
            found = Shop(workspace, clock, client, issued.secret)
            body = {"code": node, "kind": "store", "name": "Shop", "lat": -36.85, "lon": 174.76}
            found.call("POST", "/nodes", json=body)
            found.call("POST", "/catalog/import", content=CATALOG.encode())
            yield found
    finally:
        workspace.close()
