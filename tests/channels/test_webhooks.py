"""Webhooks on the demo shop, through the paths users take: events caused by a sale synced to
the hub and by order steps over the API, fanned out and POSTed by the webhook timer's run to
a real subscriber on loopback, signed; a 429's Retry-After is honoured, a final refusal goes on
the dead-letter list the dashboard shows; subscribing is the admin's, by CLI and API alike."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.adapters.channels.webhook import poster
from microindex.bootstrap import Workspace
from microindex.domain.channels.webhook import DeliveryState, EventKind, RetryPolicy
from microindex.domain.errors import InvalidValue
from microindex.entrypoints.cli.app import app
from microindex.entrypoints.cli.context import CliState
from microindex.entrypoints.http import create_app
from microindex.service import webhooks
from microindex.service.sync import sync_node
from tests.channels.subscriber import Subscriber, listening
from tests.clock import Clock
from tests.demo import open_copy
from tests.http.conftest import bearer, issue_secrets
from tests.sales import sell

POLICY = RetryPolicy(max_attempts=3, first_delay_s=10)
EAST = {"lat": 51.545, "lon": 0.04}  # only the van delivers here


@pytest.fixture
def shop(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(pristine_demo, tmp_path / "shop")
    yield ws
    ws.close()


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    with listening(Subscriber()) as listening_now:
        yield listening_now


def run(ws: Workspace) -> str:
    with httpx.Client() as client:
        post = poster(client, POLICY, random.random)
        return webhooks.run(ws.hub, ws.storage.webhooks(), post, ws.clock())


def subscribe(ws: Workspace, subscriber: Subscriber, *events: EventKind) -> None:
    made = webhooks.subscribe(ws.storage.webhooks(), subscriber.url, events, ws.clock())
    subscriber.secret = made.secret.encode()


def test_selling_the_last_units_is_heard_as_stock_changed_and_sold_out_once_synced(
    shop: Workspace, subscriber: Subscriber
) -> None:
    subscribe(shop, subscriber, EventKind.STOCK_CHANGED, EventKind.SOLD_OUT)
    node_db = shop.node("shopfront")
    with node_db() as uow:
        sku, held = next((x.sku, x.on_hand) for x in uow.ledger.stock("shopfront") if x.on_hand)
    sell(node_db, "shopfront", sku, held, shop.clock())
    run(shop)
    assert subscriber.received == []  # the hub has not heard yet: nothing is said
    sync_node(node_db, "shopfront", shop.link("shopfront"), shop.clock())
    assert "2 events queued, 2 delivered" in run(shop)
    got = {r.kind: r for r in subscriber.received}
    assert set(got) == {"stock.changed", "stock.sold_out"} and all(r.signed for r in got.values())
    data = got["stock.sold_out"].body["data"]
    assert (data["node"], data["sku"], data["on_hand"], data["was"]) == ("shopfront", sku, 0, held)
    assert got["stock.changed"].body["id"] == got["stock.changed"].event
    assert run(shop).startswith("0 events queued, 0 delivered")  # each event once


def test_order_steps_over_the_api_are_heard_in_order_with_their_step(
    shop: Workspace, subscriber: Subscriber
) -> None:
    subscribe(shop, subscriber, EventKind.ORDER_STEPPED)
    secrets = issue_secrets(shop)
    with TestClient(create_app(shop)) as client:
        van = bearer(secrets["staff_van"])
        stock = client.get("/api/v1/stock", params={"node": "van"}, headers=van).json()
        sku = max(stock, key=lambda line: line["on_hand"])["sku"]
        order = {"lines": [{"sku": sku, "quantity": 1}], "method": "local_delivery"}
        placed = client.post(
            "/api/v1/orders",
            json={**order, "customer": EAST},
            headers={**bearer(secrets["channel"]), "Idempotency-Key": "hook-1"},
        )
        assert placed.status_code == 201, placed.text
        for step in ("confirmed", "picked"):
            moved = client.post(
                "/api/v1/orders/hook-1/steps", json={"node": "van", "step": step}, headers=van
            )
            assert moved.status_code == 200
    run(shop)
    steps = [(r.body["data"]["order"], r.body["data"]["step"]) for r in subscriber.received]
    assert steps == [("hook-1", "confirmed"), ("hook-1", "picked")]
    assert all(r.signed and r.kind == "order.stepped" for r in subscriber.received)


def test_a_429_is_retried_after_its_retry_after_and_a_410_goes_on_the_dead_letter_list(
    shop: Workspace, subscriber: Subscriber
) -> None:
    subscribe(shop, subscriber, EventKind.STOCK_CHANGED)
    subscriber.answers = [(429, {"Retry-After": "120"}), (410, {})]
    node_db = shop.node("van")
    with node_db() as uow:
        sku = next(x.sku for x in uow.ledger.stock("van") if x.on_hand > 0)
    sell(node_db, "van", sku, 1, shop.clock())
    sync_node(node_db, "van", shop.link("van"), shop.clock())
    run(shop)
    store = shop.storage.webhooks()
    (waiting,) = store.deliveries(DeliveryState.PENDING)
    assert waiting.next_at >= shop.clock() + timedelta(seconds=120)  # not the 10 s back-off
    clock = shop.clock
    assert isinstance(clock, Clock)
    clock.advance(timedelta(seconds=119))
    run(shop)
    assert len(subscriber.received) == 1  # not yet
    clock.advance(timedelta(seconds=2))
    run(shop)
    (dead,) = store.deliveries(DeliveryState.DEAD)
    assert (dead.attempts, dead.last_status) == (2, 410)
    assert [r.event for r in subscriber.received] == [dead.event, dead.event]  # same id
    secrets = issue_secrets(shop)
    with TestClient(create_app(shop)) as client:
        login = f"token={secrets['admin']}".encode()
        client.post("/login", content=login, follow_redirects=False)
        board = client.get("/")
        assert 'id="dead-letters"' in board.text and dead.event in board.text
        listed = client.get("/api/v1/webhooks/dead", headers=bearer(secrets["admin"])).json()
        assert [(d["event"], d["last_status"]) for d in listed] == [(dead.event, 410)]


def test_admins_subscribe_and_unsubscribe_by_api_and_cli_and_others_may_not(
    shop: Workspace,
) -> None:
    secrets = issue_secrets(shop)
    with TestClient(create_app(shop)) as client:
        admin = bearer(secrets["admin"])
        body = {"url": "https://hooks.example/in", "events": ["order.at_risk", "order.rerouted"]}
        made = client.post("/api/v1/webhooks", json=body, headers=admin)
        assert made.status_code == 201 and len(made.json()["secret"]) >= 32
        for caller in ("channel", "staff_van"):
            refused = client.post("/api/v1/webhooks", json=body, headers=bearer(secrets[caller]))
            assert refused.status_code == 403
        assert (
            client.post("/api/v1/webhooks", json={"url": "ftp://x/y"}, headers=admin).status_code
            == 422
        )
        for caller in ("channel", "staff_van"):
            mine = bearer(secrets[caller])
            assert (
                client.delete(f"/api/v1/webhooks/{made.json()['id']}", headers=mine).status_code
                == 403
            )
        listed = client.get("/api/v1/webhooks", headers=admin).json()
        assert [s["id"] for s in listed] == [made.json()["id"]] and "secret" not in listed[0]
        gone = client.delete(f"/api/v1/webhooks/{made.json()['id']}", headers=admin)
        assert gone.status_code == 200 and gone.json()["removed_at"]
        missing = client.delete("/api/v1/webhooks/wh_nobody", headers=admin)
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "no webhook subscription 'wh_nobody'"
    runner = CliRunner()
    folder = ["-w", str(shop.settings.workspace)]
    state = CliState(clock=Clock(shop.clock()))
    said = runner.invoke(
        app, [*folder, "webhooks", "subscribe", "https://hooks.example/cli", "--json"], obj=state
    )
    assert said.exit_code == 0, said.output
    listed_cli = runner.invoke(app, [*folder, "webhooks", "list", "--json"], obj=state)
    assert "https://hooks.example/cli" in listed_cli.output
    unknown = runner.invoke(app, [*folder, "webhooks", "unsubscribe", "wh_nobody"], obj=state)
    assert unknown.exit_code != 0 and "no webhook subscription 'wh_nobody'" in unknown.output


@pytest.mark.parametrize(
    "url",
    ["ftp://x/y", "http://", "http://[::1/x", "http://h:99999/", "http://a b/", "http://h/\x7f"],
)
def test_an_address_no_post_could_reach_is_refused_at_subscribe(shop: Workspace, url: str) -> None:
    with pytest.raises(InvalidValue, match="url"):
        webhooks.subscribe(shop.storage.webhooks(), url, list(EventKind), shop.clock())
