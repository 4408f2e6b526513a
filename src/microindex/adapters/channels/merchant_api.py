"""Google's Merchant API: product inputs and local inventories, prices in micros.

The HTTP goes through an injectable transport (`MerchantTransport`): `HttpxTransport` wraps an
`httpx.Client` (tests hand it an `httpx.MockTransport`), so no test reaches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import httpx

from microindex.domain.channels.errors import ChannelUnavailable
from microindex.domain.channels.items import Item, item_key
from microindex.domain.channels.price import price_json
from microindex.domain.channels.webhook import Outcome, outcome
from microindex.domain.money import Money

API_ROOT = "https://merchantapi.googleapis.com"
LOCAL_PATH = "/inventories/v1beta"
_CAMEL = {
    "image_link": "imageLink",
    "availability_date": "availabilityDate",
    "sale_price": "salePrice",
    "sale_price_effective_date": "salePriceEffectiveDate",
    "identifier_exists": "identifierExists",
    "product_type": "productTypes",
    "pickup_method": "pickupMethod",
    "pickup_sla": "pickupSla",
    "store_code": "storeCode",
}
_PRICES = frozenset({"price", "sale_price"})


class MerchantTransport(Protocol):
    def post(self, path: str, params: dict[str, str], body: dict[str, Any]) -> tuple[int, str]:
        """(status, response text); raises httpx.TransportError when there is no answer."""
        ...


@dataclass
class HttpxTransport:
    client: httpx.Client
    token: str = ""

    def post(self, path: str, params: dict[str, str], body: dict[str, Any]) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(API_ROOT + path, params=params, json=body, headers=headers)
        return response.status_code, response.text


def money_json(text: str) -> dict[str, str]:
    """`12.50 GBP` as the API's Price: amountMicros (a string of an int64) and currencyCode."""
    amount, currency = text.split(" ")
    return price_json(Money(Decimal(amount), currency))


def _value(name: str, value: str) -> Any:
    if name in _PRICES:
        return money_json(value)
    if name == "gtin":
        return [value]
    if name == "product_type":
        return [value]
    if name == "identifier_exists":
        return value != "no"
    if name == "quantity":
        return str(int(value))
    if name == "shipping":
        return [_shipping(option) for option in value.split(",")]
    return value


def _shipping(option: str) -> dict[str, Any]:
    country, region, service, price = option.split(":", 3)
    found: dict[str, Any] = {"country": country, "service": service, "price": money_json(price)}
    return found | ({"region": region} if region else {})


def attributes(
    item: Item, skip: frozenset[str] = frozenset({"id", "store_code"})
) -> dict[str, Any]:
    return {
        _CAMEL.get(name, name): _value(name, value)
        for name, value in item.items()
        if value and name not in skip
    }


@dataclass
class MerchantPush:
    """A feed writer that inserts each item through the API (product inputs, or local
    inventories when the item has a store_code). 4xx refusals are kept in `refused`;
    no answer or a retryable status raises ChannelUnavailable, so nothing is recorded."""

    transport: MerchantTransport
    account: str
    data_source: str
    feed_label: str = "GB"
    language: str = "en"
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    sent: int = 0

    def write(self, item: Item) -> None:
        if "store_code" in item:
            name = f"online~{self.language}~{self.feed_label}~{item['id']}"
            path = f"{LOCAL_PATH}/accounts/{self.account}/products/{name}/localInventories:insert"
            body: dict[str, Any] = {"storeCode": item["store_code"], **attributes(item)}
            params: dict[str, str] = {}
        else:
            path = f"/products/v1beta/accounts/{self.account}/productInputs:insert"
            body = {
                "offerId": item["id"],
                "contentLanguage": self.language,
                "feedLabel": self.feed_label,
                "channel": "ONLINE",
                "attributes": attributes(item),
            }
            params = {"dataSource": f"accounts/{self.account}/dataSources/{self.data_source}"}
        self._post(item_key(item["id"], item.get("store_code", "")), path, params, body)

    def _post(self, key: str, path: str, params: dict[str, str], body: dict[str, Any]) -> None:
        try:
            status, text = self.transport.post(path, params, body)
        except httpx.TransportError as error:
            raise ChannelUnavailable("google", key, None, str(error)) from error
        result = outcome(status)
        if result is Outcome.RETRY:
            raise ChannelUnavailable("google", key, status, text[:200])
        if result is Outcome.GIVE_UP:
            self.refused.append((key, status, text[:200]))
        self.sent += 1
