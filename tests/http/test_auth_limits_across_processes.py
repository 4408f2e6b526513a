"""Two hub processes on one database (two bootstraps of one workspace, each with its app): the
shelf hold form's rate limit, the locker's wrong-code lockout and a logout hold across both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.limits import Limit
from microindex.domain.product import Product
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.scan_pages import COOKIE as FORM_COOKIE
from microindex.entrypoints.http.session import COOKIE
from tests.http.conftest import app_of, bearer
from tests.http.test_scan_pages import SHELF, _forms, noon, product

__all__ = ["noon", "product"]  # fixtures of the shelf hold tests, used here too


@pytest.fixture
def second(workspace: Workspace) -> Iterator[TestClient]:
    """Another hub process: its own bootstrap of the same workspace, its own app."""
    other = bootstrap(workspace.settings, clock=lambda: workspace.clock())
    with TestClient(create_app(other)) as client:
        yield client
    other.close()


def test_a_phone_gets_its_holds_once_across_two_hub_processes(
    client: TestClient, second: TestClient, product: Product
) -> None:
    for app in (client, second):  # each process's own setting, as each reads its own
        app_of(app).state.hold_limit = Limit(2, timedelta(minutes=30))
    forms = [_forms(client.get(SHELF).text)["shopfront"] for _ in range(4)]
    second.cookies.set(FORM_COOKIE, client.cookies[FORM_COOKIE])  # one phone, either process
    posted = [
        (client if i % 2 == 0 else second).post("/holds", data=form) for i, form in enumerate(forms)
    ]
    assert [p.status_code for p in posted] == [201, 201, 429, 429], [p.text for p in posted]
    assert "Too many holds" in posted[3].text


def test_a_locker_locks_after_five_wrong_codes_tried_across_two_hub_processes(
    client: TestClient, second: TestClient, secrets: dict[str, str]
) -> None:
    locker = bearer(secrets["staff_locker"])
    collect = "/api/v1/nodes/locker/pickups/collect"
    answers = [
        (client if i % 2 == 0 else second).post(collect, json={"code": "000000"}, headers=locker)
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [403] * 5 + [429]
    assert answers[-1].json()["error"]["code"] == "too_many_wrong_codes"


def test_a_logout_at_one_hub_process_ends_the_session_at_the_other(
    client: TestClient, second: TestClient, secrets: dict[str, str]
) -> None:
    signed = client.post("/login", content=f"token={secrets['admin']}".encode())
    assert signed.status_code == 200
    cookie = client.cookies[COOKIE]
    second.cookies.set(COOKIE, cookie)
    assert "Units sold per node" in second.get("/").text
    client.post("/logout")
    assert second.get("/", follow_redirects=False).headers["location"] == "/login"
    assert second.get("/api/v1/nodes", headers=bearer(cookie)).status_code == 401
