"""Google's Merchant API v1: product inputs and local inventories, prices in micros.

- Products: `POST /products/v1/accounts/{account}/productInputs:insert?dataSource=...` with a
  ProductInput (`offerId`, `contentLanguage`, `feedLabel`, `productAttributes`).
- Local inventory: `POST /inventories/v1/accounts/{account}/products/{product}/
  localInventories:insert` with a LocalInventory (`storeCode`, `localInventoryAttributes`),
  where `{product}` is `contentLanguage~feedLabel~offerId`, base64url-encoded (unpadded) when
  the offer id holds a character outside `A-Za-z0-9._-` (such as `/`, `%` or `~`).
Enumerations are the API's names (`IN_STOCK`, `SAME_DAY`); dates are RFC 3339 timestamps and
sale windows `Interval`s. References: googleapis/google/shopping/merchant/products/v1 and
inventories/v1 (the v1beta API these replace was shut down on 2026-02-28).

A refusal of one item (4xx) raises `ItemRefused`, so the item is not recorded as sent; no
answer, 429 or 5xx is retried with exponential backoff (never sooner than a Retry-After the
API asked for, up to the policy's longest delay) up to the policy's attempts, then
raises `ChannelUnavailable` (nothing of that push is recorded). The HTTP goes through an
injectable transport (`MerchantTransport`); `HttpxTransport` wraps an `httpx.Client`.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from microindex.domain.channels.errors import ChannelUnavailable, ItemRefused
from microindex.domain.channels.items import Item
from microindex.domain.channels.price import price_json
from microindex.domain.channels.webhook import Outcome, RetryPolicy, backoff_s, outcome
from microindex.domain.money import Money

API_ROOT = "https://merchantapi.googleapis.com"
PRODUCTS = "/products/v1/accounts/{account}/productInputs:insert"
LOCAL = "/inventories/v1/accounts/{account}/products/{product}/localInventories:insert"
PLAIN_OFFER = re.compile(r"[A-Za-z0-9._-]+")
# A push retries a transient failure a few times, quickly: the next push sends the rest.
PUSH_RETRIES = RetryPolicy(max_attempts=4, first_delay_s=1.0, factor=2.0, longest_delay_s=30.0)

_CAMEL = {
    "image_link": "imageLink",
    "link_template": "linkTemplate",
    "availability_date": "availabilityDate",
    "sale_price": "salePrice",
    "sale_price_effective_date": "salePriceEffectiveDate",
    "identifier_exists": "identifierExists",
    "product_type": "productTypes",
    "gtin": "gtins",
    "pickup_method": "pickupMethod",
    "pickup_sla": "pickupSla",
    "item_group_id": "itemGroupId",
    "additional_image_link": "additionalImageLinks",
    "is_bundle": "isBundle",
}
_PRICES = frozenset({"price", "sale_price"})
_ENUMS = frozenset({"availability", "condition", "pickup_method", "pickup_sla"})
_LISTS = frozenset({"gtin", "product_type"})
_COMMA_LISTS = frozenset({"additional_image_link"})


@dataclass(frozen=True, slots=True)
class Reply:
    """What the API answered: its status, its text, and the seconds its Retry-After asked
    to wait (None when it asked nothing)."""

    status: int
    text: str
    retry_after_s: float | None = None


class MerchantTransport(Protocol):
    def post(self, path: str, params: dict[str, str], body: dict[str, Any]) -> Reply:
        """The API's reply; raises httpx.TransportError when there is no answer."""
        ...


def retry_after_s(value: str | None, sent: str | None) -> float | None:
    """Retry-After as seconds: delay-seconds, or an HTTP-date counted from the reply's own
    Date header (no clock is read); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        until, at = parsedate_to_datetime(value), parsedate_to_datetime(sent or "")
    except (TypeError, ValueError):
        return None
    return max(0.0, (until.astimezone(UTC) - at.astimezone(UTC)).total_seconds())


@dataclass
class HttpxTransport:
    client: httpx.Client
    token: str = ""
    root: str = API_ROOT

    def post(self, path: str, params: dict[str, str], body: dict[str, Any]) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(self.root + path, params=params, json=body, headers=headers)
        wait = retry_after_s(response.headers.get("Retry-After"), response.headers.get("Date"))
        return Reply(response.status_code, response.text, wait)


def money_json(text: str) -> dict[str, str]:
    """`12.50 GBP` as the API's Price: amountMicros (a string of an int64) and currencyCode."""
    amount, currency = text.split(" ")
    return price_json(Money(Decimal(amount), currency))


def timestamp(text: str) -> str:
    """An ISO date (midnight UTC) or a feed's date-time (`2026-06-01T00:00+0100`) as an
    RFC 3339 timestamp (`2026-06-01T00:00:00+01:00`; `Z` for UTC)."""
    if "T" not in text:
        return f"{text}T00:00:00Z"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return text
    shown = moment.isoformat(timespec="seconds")
    return shown.removesuffix("+00:00") + "Z" if shown.endswith("+00:00") else shown


def _value(name: str, value: str) -> Any:
    if name in _PRICES:
        return money_json(value)
    if name in _LISTS:
        return [value]
    if name in _COMMA_LISTS:
        return value.split(",")
    if name in _ENUMS:
        return value.upper().replace(" ", "_")
    if name == "identifier_exists":
        return value != "no"
    if name == "is_bundle":
        return value == "yes"
    if name == "quantity":
        return str(int(value))
    if name == "availability_date":
        return timestamp(value)
    if name == "sale_price_effective_date":
        start, end = value.split("/")
        return {"startTime": timestamp(start), "endTime": timestamp(end)}
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
    """An item's fields as the API's camelCase attributes, typed as v1 wants them."""
    return {
        _CAMEL.get(name, name): _value(name, value)
        for name, value in item.items()
        if value and name not in skip
    }


def product_input(item: Item, language: str, feed_label: str) -> dict[str, Any]:
    """A product feed item as a v1 ProductInput."""
    return {
        "offerId": item["id"],
        "contentLanguage": language,
        "feedLabel": feed_label,
        "productAttributes": attributes(item),
    }


def local_inventory(item: Item) -> dict[str, Any]:
    """A local inventory row as a v1 LocalInventory."""
    return {"storeCode": item["store_code"], "localInventoryAttributes": attributes(item)}


def product_segment(language: str, feed_label: str, offer: str) -> str:
    """The `{product}` path segment: `en~GB~MUG-1`, or base64url (unpadded) of it when the
    offer id has a character the plain form cannot carry."""
    name = f"{language}~{feed_label}~{offer}"
    if PLAIN_OFFER.fullmatch(offer):
        return name
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


def refusal_reason(text: str) -> str:
    """The message of a Google API error body (`{"error": {"message": ...}}`), else its text."""
    try:
        error = json.loads(text).get("error", {})
        return str(error.get("message") or error.get("status") or text)[:200]
    except (ValueError, AttributeError):
        return text[:200] or "no reason given"


@dataclass
class MerchantPush:
    """A feed writer that inserts each item through the API (product inputs, or local
    inventories when the item has a store_code)."""

    transport: MerchantTransport
    account: str
    data_source: str
    feed_label: str = "GB"
    language: str = "en"
    retries: RetryPolicy = PUSH_RETRIES
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = lambda: 1.0
    progress: Callable[[MerchantPush], None] = lambda push: None
    refused: list[ItemRefused] = field(default_factory=list)
    sent: int = 0
    retried: int = 0

    def write(self, item: Item) -> None:
        if "store_code" in item:
            product = product_segment(self.language, self.feed_label, item["id"])
            path = LOCAL.format(account=self.account, product=product)
            body, params = local_inventory(item), {}
        else:
            path = PRODUCTS.format(account=self.account)
            body = product_input(item, self.language, self.feed_label)
            params = {"dataSource": f"accounts/{self.account}/dataSources/{self.data_source}"}
        try:
            self._post(item["id"], path, params, body)
        finally:
            self.progress(self)

    def _post(self, offer: str, path: str, params: dict[str, str], body: dict[str, Any]) -> None:
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                reply = self.transport.post(path, params, body)
                status, text, wait = reply.status, reply.text, reply.retry_after_s
            except httpx.TransportError as error:
                status, text = None, str(error)
            result = outcome(status)
            if result is Outcome.DELIVERED:
                self.sent += 1
                return
            if result is Outcome.GIVE_UP and status is not None:
                refusal = ItemRefused("google", offer, status, refusal_reason(text))
                self.refused.append(refusal)
                raise refusal
            if attempt >= self.retries.max_attempts:
                raise ChannelUnavailable("google", offer, status, refusal_reason(text))
            self.retried += 1
            self.sleep(backoff_s(self.retries, attempt, self.jitter(), wait))

    def reasons(self) -> Counter[str]:
        """How many items were refused, per reason."""
        return Counter(refusal.reason for refusal in self.refused)
