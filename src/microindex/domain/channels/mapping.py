"""Each channel's words for availability, and each channel's staleness rule, as tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from microindex.domain.channels.figures import DAY_S, Confidence, Downgrade, Published, StaleRule
from microindex.domain.product import Product

BACKORDER_TAG = "backorder"  # sold out, orders taken: ships when restocked
DISCONTINUED_TAG = "discontinued"  # no longer sold: out of stock on every channel
LIMITED_BELOW = 3  # Google local inventory: 1 or 2 on hand is limited_availability
SCHEMA = "https://schema.org/"


class Channel(StrEnum):
    GOOGLE = "google"  # Merchant Center product feed / Merchant API (online)
    GOOGLE_LOCAL = "google-local"  # local inventory, per store_code
    META = "meta"
    PAGE = "page"  # our own product pages (schema.org JSON-LD)
    NEWSLETTER = "newsletter"
    VOICE = "voice"
    WEBHOOK = "webhook"


# How stale a figure each channel tolerates. A cached feed is read hours after it is sent, so
# online feeds buffer more; a shelf in a shop (local) or a spoken "yes" (voice) buffer less and
# turn limited or silent sooner. Pages are rendered live from the freshest figure.
STALE_RULES: dict[Channel, StaleRule] = {
    Channel.GOOGLE: StaleRule(0.01, 5, Downgrade.LIMIT, 7 * DAY_S),
    Channel.GOOGLE_LOCAL: StaleRule(0.01, 3, Downgrade.LIMIT, 2 * DAY_S),
    Channel.META: StaleRule(0.01, 5, Downgrade.WITHHOLD, 7 * DAY_S),
    Channel.PAGE: StaleRule(0.01, 3, Downgrade.LIMIT, 2 * DAY_S),
    Channel.NEWSLETTER: StaleRule(0.05, 5, Downgrade.LIMIT, 7 * DAY_S),
    Channel.VOICE: StaleRule(0.01, 1, Downgrade.WITHHOLD, 1 * DAY_S),
    Channel.WEBHOOK: StaleRule(0.01, 3, Downgrade.LIMIT, 2 * DAY_S),
}


def preordering(product: Product, today: date) -> bool:
    return product.preorder_until is not None and product.preorder_until > today


def discontinued(product: Product) -> bool:
    return DISCONTINUED_TAG in product.tags


def for_sale(product: Product, figure: Published) -> Published:
    """What a node may offer of `product`: nothing of a discontinued product, whatever it
    holds (the units left are for the till, not for channels)."""
    if discontinued(product) and figure.quantity:
        return replace(figure, quantity=0)
    return figure


def google_availability(product: Product, quantity: int, today: date) -> tuple[str, str]:
    """(availability, availability_date) of the product feed: preorder and backorder carry the
    ISO date the goods are expected. Google requires that date for both, so a backorder with
    no date to come is out_of_stock; so is a discontinued product."""
    if discontinued(product):
        return "out_of_stock", ""
    if preordering(product, today):
        return "preorder", str(product.preorder_until)
    if quantity > 0:
        return "in_stock", ""
    restock = product.restock_date
    if BACKORDER_TAG in product.tags and restock is not None and restock > today:
        return "backorder", restock.isoformat()
    return "out_of_stock", ""


def local_availability(figure: Published) -> str:
    """Local inventory: in_stock at 3 or more, limited_availability at 1 or 2 (or a figure too
    old to count), out_of_stock at 0 or withheld."""
    if figure.quantity <= 0 or figure.confidence is Confidence.WITHHELD:
        return "out_of_stock"
    if figure.confidence is Confidence.LIMITED or figure.quantity < LIMITED_BELOW:
        return "limited_availability"
    return "in_stock"


def meta_availability(product: Product, quantity: int, today: date) -> str:
    if discontinued(product):
        return "discontinued"
    if preordering(product, today):
        return "preorder"
    if quantity > 0:
        return "in stock"
    return "available for order" if BACKORDER_TAG in product.tags else "out of stock"


def schema_availability(product: Product, figure: Published, today: date) -> str | None:
    """A schema.org ItemAvailability URL for one node's offer; None: say nothing (withheld)."""
    if discontinued(product):
        return SCHEMA + "Discontinued"
    if preordering(product, today):
        return SCHEMA + "PreOrder"
    if figure.confidence is Confidence.WITHHELD:
        return None
    if figure.quantity <= 0:
        return SCHEMA + ("BackOrder" if BACKORDER_TAG in product.tags else "OutOfStock")
    if figure.confidence is Confidence.LIMITED or figure.quantity < LIMITED_BELOW:
        return SCHEMA + "LimitedAvailability"
    return SCHEMA + "InStock"


@dataclass(frozen=True, slots=True)
class Spoken:
    """What a voice answer may say of one node's figure."""

    in_stock: bool | None  # None: cannot say
    quantity: int


def voice_availability(figure: Published) -> Spoken:
    if figure.confidence is Confidence.WITHHELD:
        return Spoken(None, 0)
    if figure.confidence is Confidence.LIMITED:
        return Spoken(None, 0) if figure.quantity <= 0 else Spoken(True, 0)
    return Spoken(figure.quantity > 0, figure.quantity)
