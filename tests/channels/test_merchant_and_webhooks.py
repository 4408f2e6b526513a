"""The Merchant API v1 push against a local HTTP server that records each request and answers
per item; signed webhooks through httpx's MockTransport (no network)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from microindex.adapters.channels.memory import ListFigures, ListProducts, MemoryChannelStore
from microindex.adapters.channels.merchant_api import HttpxTransport, MerchantPush
from microindex.adapters.channels.webhook import WebhookSender
from microindex.domain.channels.errors import ChannelUnavailable
from microindex.domain.channels.figures import Availability, FigureSource
from microindex.domain.channels.mapping import Channel
from microindex.domain.channels.text import offer_id
from microindex.domain.channels.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Outcome,
    RetryPolicy,
    verify,
)
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service import stock
from microindex.service.channel_ports import Refusal
from microindex.service.channels import ChannelSources, Mode, send

from .conftest import NODES, SETTINGS, T0, Shop
from .merchant_server import MerchantServer, Seen, accept, error, merchant_server

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def recording(status: int = 200) -> tuple[list[httpx.Request], httpx.Client]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={})

    return seen, httpx.Client(transport=httpx.MockTransport(handler))


def push_to(server: MerchantServer, **options: Any) -> tuple[MerchantPush, list[float]]:
    delays: list[float] = []
    client = httpx.Client(timeout=5)
    transport = HttpxTransport(client, "token", server.url)
    push = MerchantPush(transport, "123", "ds9", sleep=delays.append, **options)
    return push, delays


def test_products_and_local_inventories_go_to_merchant_api_v1_in_its_shapes(shop: Shop) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 5, T0)
    with merchant_server() as server:
        writer, _ = push_to(server)
        send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.API)
        send(shop.sources, Channel.GOOGLE_LOCAL, writer, shop.now(), Mode.API)
    inserts = {s.body["offerId"]: s for s in server.paths("productInputs:insert")}
    assert {s.path for s in inserts.values()} == {"/products/v1/accounts/123/productInputs:insert"}
    mug = inserts["MUG-BLUE"]
    assert mug.query == {"dataSource": ["accounts/123/dataSources/ds9"]}
    assert mug.headers["Authorization"] == "Bearer token"
    assert set(mug.body) == {"offerId", "contentLanguage", "feedLabel", "productAttributes"}
    assert (mug.body["contentLanguage"], mug.body["feedLabel"]) == ("en", "GB")
    attributes = mug.body["productAttributes"]
    assert attributes["price"] == {"amountMicros": "12500000", "currencyCode": "GBP"}
    assert attributes["gtins"] == ["5012345678900"]
    assert (attributes["availability"], attributes["condition"]) == ("IN_STOCK", "NEW")
    assert attributes["productTypes"] == ["Kitchen"]
    assert attributes["shipping"] == [
        {
            "country": "GB",
            "service": "Standard",
            "price": {"amountMicros": "4950000", "currencyCode": "GBP"},
        }
    ]
    plate = inserts["PLATE-1"].body["productAttributes"]
    assert plate["identifierExists"] is False
    assert plate["salePrice"]["amountMicros"] == "15000000"
    assert plate["salePriceEffectiveDate"] == {
        "startTime": "2026-03-01T00:00:00Z",
        "endTime": "2026-03-31T23:59:59Z",
    }
    vase = inserts["VASE-9"].body["productAttributes"]
    assert (vase["availability"], vase["availabilityDate"]) == ("PREORDER", "2026-04-01T00:00:00Z")
    (local,) = server.paths("localInventories:insert")
    assert (
        local.path == "/inventories/v1/accounts/123/products/en~GB~MUG-BLUE/localInventories:insert"
    )
    assert local.query == {}
    assert local.body == {
        "storeCode": "shop",
        "localInventoryAttributes": {
            "quantity": "5",
            "availability": "IN_STOCK",
            "price": {"amountMicros": "12500000", "currencyCode": "GBP"},
            "pickupMethod": "BUY",
            "pickupSla": "SAME_DAY",
        },
    }
    assert [p.kind for p in shop.sources.store.pushes()] == ["api", "api"]


def test_an_offer_id_outside_the_url_safe_set_is_base64url_encoded_in_the_product_name() -> None:
    products = [
        Product(Sku("BOX/12"), "Box of twelve", Money(Decimal("3"), "GBP")),
        Product(Sku("LONG-" + "A" * 55), "Long one", Money(Decimal("3"), "GBP")),
    ]
    figures = [Availability("shop", p.sku.value, 4, T0, FigureSource.LEDGER) for p in products]
    store = MemoryChannelStore()
    sources = ChannelSources(
        ListProducts(products), list(NODES), ListFigures(figures), store, SETTINGS
    )
    with merchant_server() as server:
        writer, _ = push_to(server)
        for channel in (Channel.GOOGLE, Channel.GOOGLE_LOCAL):
            send(sources, channel, writer, T0, Mode.API)
    offers = [s.body["offerId"] for s in server.paths("productInputs:insert")]
    assert offers == ["BOX/12", offer_id("LONG-" + "A" * 55)] and len(offers[1]) == 50
    segments = [s.path.split("/")[6] for s in server.paths("localInventories:insert")]
    assert segments[0] == base64.urlsafe_b64encode(b"en~GB~BOX/12").decode().rstrip("=")
    assert base64.urlsafe_b64decode(segments[0] + "==") == b"en~GB~BOX/12"
    assert segments[1] == f"en~GB~{offers[1]}"
    assert set(store.latest_digests("google")) == {p.sku.value for p in products}


def test_refused_items_are_kept_with_their_reason_and_sent_again_by_a_delta_push(
    shop: Shop,
) -> None:
    def answer(seen: Seen, attempt: int) -> tuple[int, dict[str, Any]]:
        if seen.offer == "PLATE-1":
            return error(400, "[gtin] Invalid GTIN")
        if seen.offer == "MUG-BLUE" and attempt <= 2:
            return error(503 if attempt == 1 else 429, "try again")
        return 200, {}

    with merchant_server() as server:
        server.answer = answer
        writer, delays = push_to(server)
        record = send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.API)
        assert record.refused == (Refusal("PLATE-1", 400, "[gtin] Invalid GTIN"),)
        assert record.items == 2 and writer.sent == 2 and writer.retried == 2
        assert delays == [1.0, 2.0]  # exponential backoff, injected sleep
        assert writer.reasons() == {"[gtin] Invalid GTIN": 1}
        assert set(shop.sources.store.latest_digests("google")) == {"MUG-BLUE", "VASE-9"}
        server.answer = accept
        server.seen.clear()
        again = send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.DELTA)
    assert [s.offer for s in server.seen] == ["PLATE-1"]
    assert again.items == 1 and again.refused == ()


def test_a_merchant_api_outage_is_retried_then_records_nothing(shop: Shop) -> None:
    with merchant_server() as server:
        server.answer = lambda seen, attempt: error(503, "backend unavailable")
        writer, delays = push_to(server, retries=RetryPolicy(3, 0.01, 2.0, 1.0))
        with pytest.raises(ChannelUnavailable) as raised:
            send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.API)
    assert raised.value.status == 503 and raised.value.channel == "google"
    assert len(server.seen) == 3 and delays == [0.01, 0.02]
    assert shop.sources.store.pushes() == []


def test_a_webhook_is_signed_over_timestamp_and_body_and_a_receiver_can_verify_it() -> None:
    seen, client = recording(202)
    sender = WebhookSender(
        client, "https://hooks.example/in", b"secret", RetryPolicy(), lambda: 0.5
    )
    decision = sender.deliver("availability.changed", "d-1", {"sku": "MUG", "quantity": 2}, 1, NOW)
    assert decision.outcome is Outcome.DELIVERED
    request = seen[0]
    stamp = int(request.headers[TIMESTAMP_HEADER])
    assert stamp == int(NOW.timestamp())
    assert verify(
        b"secret", stamp, request.content, request.headers[SIGNATURE_HEADER], NOW.timestamp() + 5
    )


def test_a_failed_webhook_is_retried_later_then_given_up() -> None:
    _, client = recording(500)
    sender = WebhookSender(
        client, "https://hooks.example/in", b"secret", RetryPolicy(max_attempts=2), lambda: 0.0
    )
    first = sender.deliver("availability.changed", "d-2", {}, 1, NOW)
    assert first.outcome is Outcome.RETRY and first.retry_at is not None and first.retry_at > NOW
    assert sender.deliver("availability.changed", "d-2", {}, 2, NOW).outcome is Outcome.GIVE_UP

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    offline = WebhookSender(
        httpx.Client(transport=httpx.MockTransport(unreachable)),
        "https://hooks.example/in",
        b"s",
        RetryPolicy(),
        lambda: 0.0,
    )
    assert offline.deliver("x", "d-3", {}, 1, NOW).outcome is Outcome.RETRY
