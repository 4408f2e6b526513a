"""Each channel's words for availability, each derived from the one `State` the availability
rule gives a node's figure (`figures.publish`), so channels read together never disagree."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from microindex.domain.channels.figures import Published, State
from microindex.domain.product import Product

BACKORDER_TAG = "backorder"  # sold out, orders taken: ships when restocked
DISCONTINUED_TAG = "discontinued"  # no longer sold: out of stock on every channel
SCHEMA = "https://schema.org/"


class Channel(StrEnum):
    GOOGLE = "google"  # Merchant Center product feed / Merchant API (online)
    GOOGLE_LOCAL = "google-local"  # local inventory, per store_code
    META = "meta"
    PAGE = "page"  # our own product pages (schema.org JSON-LD)
    NEWSLETTER = "newsletter"
    VOICE = "voice"
    WEBHOOK = "webhook"


def preordering(product: Product, today: date) -> bool:
    return product.preorder_until is not None and product.preorder_until > today


def discontinued(product: Product) -> bool:
    return DISCONTINUED_TAG in product.tags


def for_sale(product: Product, figure: Published) -> Published:
    """What a node may offer of `product`: nothing of a discontinued product, whatever it
    holds (the units left are for the till, not for channels)."""
    if discontinued(product) and figure.quantity:
        return replace(figure, quantity=0, buffer=0)
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


LOCAL_WORDS: dict[State, str] = {
    State.IN_STOCK: "in_stock",
    State.LIMITED: "limited_availability",
    State.OUT_OF_STOCK: "out_of_stock",
    State.UNKNOWN: "out_of_stock",  # a row left out keeps its old value: say no promise
}


def local_availability(figure: Published) -> str:
    """Local inventory: in_stock at 3 or more, limited_availability at 1 or 2 (or a figure too
    old to count), out_of_stock at 0 or unknown."""
    return LOCAL_WORDS[figure.state]


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
    state = figure.state
    if state is State.UNKNOWN:
        return None
    if state is State.OUT_OF_STOCK:
        return SCHEMA + ("BackOrder" if BACKORDER_TAG in product.tags else "OutOfStock")
    return SCHEMA + ("LimitedAvailability" if state is State.LIMITED else "InStock")


@dataclass(frozen=True, slots=True)
class Spoken:
    """What a voice answer may say of one node's figure."""

    in_stock: bool | None  # None: cannot say
    quantity: int


def voice_availability(figure: Published) -> Spoken:
    """Yes where the figure is in stock or limited (a count only where it is not a guess), no
    where it shows none, and "cannot say" where it is unknown."""
    state = figure.state
    if state is State.UNKNOWN:
        return Spoken(None, 0)
    if state is State.OUT_OF_STOCK:
        return Spoken(False, 0)
    return Spoken(True, figure.quantity if figure.promised else 0)
