"""The Merchant API push and signed webhooks, through httpx's MockTransport (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from microindex.adapters.channels.merchant_api import HttpxTransport, MerchantPush
from microindex.adapters.channels.webhook import WebhookSender
from microindex.domain.channels.errors import ChannelUnavailable
from microindex.domain.channels.mapping import Channel
from microindex.domain.channels.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Outcome,
    RetryPolicy,
    verify,
)
from microindex.service import stock
from microindex.service.channels import Mode, send

from .conftest import T0, Shop

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def recording(status: int = 200) -> tuple[list[httpx.Request], httpx.Client]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={})

    return seen, httpx.Client(transport=httpx.MockTransport(handler))


def test_products_and_local_inventories_go_to_the_merchant_api_with_prices_in_micros(
    shop: Shop,
) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 5, T0)
    seen, client = recording()
    writer = MerchantPush(HttpxTransport(client, "token"), "123", "ds9")
    send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.API)
    send(shop.sources, Channel.GOOGLE_LOCAL, writer, shop.now(), Mode.API)
    inserts = [json.loads(r.content) for r in seen if r.url.path.endswith("productInputs:insert")]
    local = [json.loads(r.content) for r in seen if r.url.path.endswith("localInventories:insert")]
    mug = next(b for b in inserts if b["offerId"] == "MUG-BLUE")
    assert mug["attributes"]["price"] == {"amountMicros": "12500000", "currencyCode": "GBP"}
    assert mug["attributes"]["gtin"] == ["5012345678900"]
    assert mug["attributes"]["shipping"][0]["price"]["amountMicros"] == "4950000"
    plate = next(b for b in inserts if b["offerId"] == "PLATE-1")
    assert plate["attributes"]["identifierExists"] is False
    assert plate["attributes"]["salePrice"]["amountMicros"] == "15000000"
    assert local == [
        {
            "storeCode": "shop",
            "quantity": "5",
            "availability": "in_stock",
            "price": {"amountMicros": "12500000", "currencyCode": "GBP"},
            "pickupMethod": "buy",
            "pickupSla": "same_day",
        }
    ]
    assert seen[0].headers["Authorization"] == "Bearer token"
    assert seen[0].url.params["dataSource"] == "accounts/123/dataSources/ds9"
    assert [p.kind for p in shop.sources.store.pushes()] == ["api", "api"]


def test_a_merchant_api_outage_records_nothing_so_the_push_is_sent_again(shop: Shop) -> None:
    _, client = recording(503)
    writer = MerchantPush(HttpxTransport(client), "123", "ds9")
    with pytest.raises(ChannelUnavailable) as raised:
        send(shop.sources, Channel.GOOGLE, writer, shop.now(), Mode.API)
    assert raised.value.status == 503 and raised.value.channel == "google"
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
