"""Served feeds, product pages and webhooks on a SQLite and a PostgreSQL hub, with two hub
processes (two bootstraps of one hub, each with its app): a feed file fetched from one keeps
its ETag at the other (304), a page answers at both, a subscription made at one is listed and
delivered from the other, once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from microindex.adapters.channels.webhook import poster
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.domain.channels.webhook import RetryPolicy
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.http import create_app
from microindex.service import access, webhooks
from microindex.service.sync import sync_node
from microindex.settings import Settings
from tests.channels.subscriber import Subscriber, listening
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer

NODE = {"code": "shop", "kind": "store", "name": "High Street", "lat": 51.53, "lon": -0.06}
CATALOG = "sku,title,price,currency\nMUG-1,Blue mug,12.00,GBP\nJUG-1,Milk jug,18.00,GBP\n"


@pytest.fixture
def hubs(tmp_path: Path, hub_url: str | None) -> Iterator[tuple[Workspace, Workspace]]:
    settings = Settings(tmp_path / "ws", hub_url=hub_url)
    clock = Clock(DEMO_NOW)
    one, two = bootstrap(settings, clock=clock), bootstrap(settings, clock=clock)
    yield one, two
    one.close()
    two.close()


def test_feeds_pages_and_webhooks_are_shared_by_every_hub_process(
    hubs: tuple[Workspace, Workspace],
) -> None:
    one, two = hubs
    tokens = access_stores(one).tokens
    admin = bearer(access.issue(tokens, one.hub, Grant(Role.ADMIN), one.clock(), "o").secret)
    with TestClient(create_app(one)) as first, TestClient(create_app(two)) as second:
        assert first.post("/api/v1/nodes", json=NODE, headers=admin).status_code == 201
        imported = first.post("/api/v1/catalog/import", content=CATALOG.encode(), headers=admin)
        assert imported.status_code == 200, imported.text
        with listening(Subscriber()) as subscriber:
            body = {"url": subscriber.url, "events": ["stock.changed"]}
            made = first.post("/api/v1/webhooks", json=body, headers=admin).json()
            subscriber.secret = made["secret"].encode()
            listed = second.get("/api/v1/webhooks", headers=admin).json()
            assert [s["id"] for s in listed] == [made["id"]]
            received = {"sku": "MUG-1", "quantity": 4}
            assert first.post("/api/v1/nodes/shop/receive", json=received, headers=admin).is_success
            sync_node(one.node("shop"), "shop", one.link("shop"), one.clock())
            with httpx.Client() as client:
                post = poster(client, RetryPolicy(), random.random)
                said = webhooks.run(two.hub, two.storage.webhooks(), post, two.clock())
                assert "1 delivered" in said, said
                again = webhooks.run(one.hub, one.storage.webhooks(), post, one.clock())
                assert again.startswith("0 events queued, 0 delivered")
        (got,) = subscriber.received
        assert got.signed and got.body["data"]["sku"] == "MUG-1"
        assert got.body["data"]["on_hand"] == 4
        served = first.get("/feeds/google-local.tsv", headers=admin)
        assert served.status_code == 200 and "MUG-1" in served.text
        etag = served.headers["etag"]
        kept = second.get("/feeds/google-local.tsv", headers={**admin, "If-None-Match": etag})
        assert kept.status_code == 304
        for app_client in (first, second):
            page = app_client.get("/products/MUG-1?store=shop")
            assert page.status_code == 200 and '"sku": "MUG-1"' in page.text


def test_a_feed_says_what_the_last_sync_heard_on_either_hub(
    hubs: tuple[Workspace, Workspace],
) -> None:
    """A node whose last movement is days old but that synced an hour ago is known now: the
    local inventory feed lists its stock as the hub heard it (a PostgreSQL hub read the
    node's file as of its last movement, so the figure looked days old and was withheld)."""
    one, _ = hubs
    clock = one.clock
    assert isinstance(clock, Clock)
    tokens = access_stores(one).tokens
    admin = bearer(access.issue(tokens, one.hub, Grant(Role.ADMIN), clock(), "o").secret)
    with TestClient(create_app(one)) as client:
        assert client.post("/api/v1/nodes", json=NODE, headers=admin).status_code == 201
        imported = client.post("/api/v1/catalog/import", content=CATALOG.encode(), headers=admin)
        assert imported.status_code == 200, imported.text
        received = {"sku": "MUG-1", "quantity": 4}
        assert client.post("/api/v1/nodes/shop/receive", json=received, headers=admin).is_success
        sync_node(one.node("shop"), "shop", one.link("shop"), clock())
        clock.advance(timedelta(days=3))
        sync_node(one.node("shop"), "shop", one.link("shop"), clock())
        served = client.get("/feeds/google-local.tsv", headers=admin)
    assert served.status_code == 200, served.text
    rows = [line.split("\t") for line in served.text.splitlines()[1:]]
    assert [(row[0], row[1], row[2], row[6]) for row in rows if row[1] == "MUG-1"] == [
        ("shop", "MUG-1", "4", "in stock")
    ]
