"""The dashboard's "Nodes today" card: lockers, van rounds, transfers on the way, pop-ups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.domain.node import Location
from microindex.domain.round import Round, Stop
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.dashboard_nodes import round_today
from microindex.service import access, rounds
from microindex.settings import Settings
from tests.http.conftest import bearer


def _card(client: TestClient, secret: str) -> str:
    signed = client.post("/login", content=f"token={secret}".encode(), follow_redirects=False)
    assert signed.status_code == 303
    html = client.get("/").text
    return html[html.index('id="nodes-today"') : html.index('id="sales-chart"')]


def _part(card: str, ident: str) -> str:
    start = card.index(">", card.index(f'id="{ident}"')) + 1
    return card[start : card.find('<div id="today-', start)]


def _text(html: str) -> str:
    """The words as read: inline tags dropped, the others as spaces."""
    inline = re.sub(r"</?(strong|span|code)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def test_the_card_lists_the_locker_parcel_the_van_where_it_is_and_a_transfer_on_the_way(
    workspace: Workspace, client: TestClient, secrets: dict[str, str]
) -> None:
    now = workspace.clock()
    here = Stop(
        now - timedelta(minutes=10), now + timedelta(minutes=20), Location(51.5, 0), "Mare St"
    )
    later = Stop(now + timedelta(hours=1), now + timedelta(hours=2), Location(51.6, 0), "Well St")
    rounds.set_round(workspace.rounds(), "van", now.date(), [here, later])
    admin = bearer(secrets["admin"])
    stock = client.get("/api/v1/stock", params={"node": "shopfront"}, headers=admin).json()
    line = {"sku": stock[0]["sku"], "quantity": 1}
    asked = {"id": "t-dash", "sender": "shopfront", "receiver": "van", "lines": [line]}
    assert client.post("/api/v1/transfers", json=asked, headers=admin).status_code == 201
    shipped = client.post("/api/v1/transfers/t-dash/ship", headers=admin)
    assert shipped.json()["state"] == "in_transit", shipped.text

    card = _card(client, secrets["admin"])

    lockers = _text(_part(card, "today-lockers"))
    assert re.search(r"locker: 1 busy, \d+ free", lockers)
    parcel = re.search(r"locker-demo-\S+ S1 ((today|tomorrow|\w{3} \d\d \w{3}) \d\d:\d\d)", lockers)
    assert parcel, lockers  # the demo's pickup, with its collect-by time
    van = _text(_part(card, "today-rounds"))
    assert f"van: 2 stops · At Mare St until {here.leaves:%H:%M}" in van
    assert f"next Well St at {later.arrives:%H:%M}" in van
    on_the_way = _text(_part(card, "today-transfers"))
    assert "t-dash shopfront → van in transit just now" in on_the_way


def test_the_demo_card_reads_well_with_nothing_on_the_way(
    client: TestClient, secrets: dict[str, str]
) -> None:
    card = _text(_card(client, secrets["admin"]))
    assert "No transfers on the way." in card  # the pop-up weekend's transfers were received
    assert "No pop-ups open or coming up." in card  # the weekend is over


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    workspace = bootstrap(Settings(tmp_path / "shop"))
    admin = Grant(Role.ADMIN)
    secret = access.issue(token_store(workspace), workspace.hub, admin, workspace.clock()).secret
    with TestClient(create_app(workspace)) as client:
        yield client, secret
    workspace.close()


def test_a_shop_with_no_nodes_yet_says_so(empty: tuple[TestClient, str]) -> None:
    client, secret = empty
    card = _text(_card(client, secret))
    for words in ("No lockers set up.", "No rounds today.", "No transfers on the way."):
        assert words in card


@pytest.mark.parametrize(
    ("hour", "words", "coming"),
    [
        (8, "Not out yet", "Mare St"),
        (9.5, "At Mare St until 10:00", "Well St"),
        (10.5, "On the road", "Well St"),
        (13, "Round done at 12:00", None),
    ],
)
def test_the_round_is_worded_by_where_the_van_is(
    hour: float, words: str, coming: str | None
) -> None:
    day = datetime(2026, 11, 26, tzinfo=UTC)
    mare = Stop(day + timedelta(hours=9), day + timedelta(hours=10), Location(51.5, 0), "Mare St")
    well = Stop(day + timedelta(hours=11), day + timedelta(hours=12), Location(51.6, 0), "Well St")
    seen = round_today(Round.of("van", [mare, well]), day + timedelta(hours=hour))
    assert seen.now == words
    assert (seen.coming.label if seen.coming else None) == coming
