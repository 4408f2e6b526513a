"""One product (or one product at one node) as each feed lists it: field name to text.

Field names are the channels' own (Google's without the `g:` prefix). The same builders make
what is sent and, fed exact figures, what would have been true: listing accuracy compares them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from urllib.parse import quote

from microindex.domain.channels.figures import Published
from microindex.domain.channels.mapping import (
    Channel,
    google_availability,
    local_availability,
    meta_availability,
)
from microindex.domain.channels.price import feed_price, sale_window
from microindex.domain.channels.text import ID_LIMIT, clean, fit, offer_id, plain
from microindex.domain.channels.variants import google_colour, variant_fields
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.node import Node, time_zone
from microindex.domain.product import Product

Item = dict[str, str]
MPN = "mpn"  # product attribute holding the manufacturer part number
SAME_DAY_MINUTES = 8 * 60
META_ID_LIMIT = 100  # Meta's catalog id: up to 100 characters
GOOGLE_EXTRA_IMAGES = 10  # additional_image_link: up to 10 on Google
META_EXTRA_IMAGES = 20  # and up to 20 on Meta

# The fields listing accuracy checks, per channel (the others do not change with stock).
MEASURED: dict[Channel, tuple[str, ...]] = {
    Channel.GOOGLE: ("availability", "price", "sale_price"),
    Channel.GOOGLE_LOCAL: ("availability", "quantity", "price"),
    Channel.META: ("availability", "price", "sale_price"),
    Channel.PAGE: ("availability", "price"),
}


@dataclass(frozen=True, slots=True)
class ShippingOption:
    country: str
    service: str
    price: Money
    region: str = ""

    def __str__(self) -> str:
        return f"{self.country}:{self.region}:{self.service}:{feed_price(self.price)}"


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """The shop's own facts every feed needs: its address, and what shipping costs."""

    base_url: str
    shipping: tuple[ShippingOption, ...] = field(default=())
    time_zone: str = "UTC"  # the shop's: a preorder's day starts at its midnight

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise InvalidValue("base_url", self.base_url, "use an http(s):// address")
        time_zone(self.time_zone)

    def day_of(self, at: datetime) -> date:
        """The shop's day `at` falls in (a preorder is over from its midnight)."""
        return at.astimezone(time_zone(self.time_zone)).date()

    def day_starts(self, day: str) -> str:
        """The shop's midnight of an ISO date as Google's date-times want it, with its
        offset: `2026-06-01T00:00+0100` (support.google.com/merchants/answer/6324470)."""
        midnight = datetime.combine(date.fromisoformat(day), time(), time_zone(self.time_zone))
        return midnight.strftime("%Y-%m-%dT%H:%M%z")

    def product_url(self, product: Product) -> str:
        """The product's page: its handle (or SKU) percent-encoded as one path segment, so
        `tasse-à-café` or `my mug?x=1#y` make a valid link to that product's page."""
        segment = quote(product.handle or product.sku.value, safe="")
        return f"{self.base_url.rstrip('/')}/products/{segment}"

    def node_product_url(self, product: Product, node: str) -> str:
        return f"{self.product_url(product)}?store={quote(node, safe='')}"

    def link_template(self, product: Product) -> str:
        """Google's `link_template`: a node's page of the product, `{store_code}` filled in by
        Google with the node's code (support.google.com/merchants/answer/13871172)."""
        return f"{self.product_url(product)}?store={{store_code}}"


def gtin(product: Product) -> str:
    """The product's GTIN as channels take it (13 digits, or 14 with an indicator); empty
    when it has none, or only an in-store one (`Gtin.restricted`), which channels refuse."""
    if product.gtin is None or product.gtin.restricted:
        return ""
    return product.gtin.gtin13 or product.gtin.digits


def identifiers(product: Product) -> Item:
    """gtin, brand, mpn; identifier_exists=no when the product has no GTIN a channel takes
    and no brand + MPN."""
    mpn = product.attribute_map.get(MPN, "")
    found: Item = {}
    if gtin(product):
        found["gtin"] = gtin(product)
    if product.brand:
        found["brand"] = product.brand
    if mpn:
        found["mpn"] = mpn
    if not gtin(product) and not (product.brand and mpn):
        found["identifier_exists"] = "no"
    return found


def _prices(product: Product, at: datetime) -> Item:
    """price, and sale_price with its window while the sale is on or announced."""
    found: Item = {"price": feed_price(product.price)}
    window = sale_window(product)
    if product.sale_price is not None and (window is None or at < window.end):
        found["sale_price"] = feed_price(product.sale_price)
        if window is not None:
            found["sale_price_effective_date"] = str(window)
    return found


def image_links(product: Product, published: str = "") -> tuple[str, ...]:
    """The product's pictures, best first: the approved picture the shop publishes, then the
    catalog's http(s) images (the import refuses any other), each once."""
    found = ([published] if published else []) + [
        media for media in product.media if media.startswith(("https://", "http://"))
    ]
    return tuple(dict.fromkeys(found))


def _images(product: Product, published: str, extra: int) -> Item:
    """image_link, and additional_image_link as a comma-separated list (a comma inside an
    address is percent-encoded, as it means the same there)."""
    links = image_links(product, published)
    if not links:
        return {}
    found: Item = {"image_link": links[0]}
    others = [link.replace(",", "%2C") for link in links[1 : extra + 1]]
    if others:
        found["additional_image_link"] = ",".join(others)
    return found


def description(product: Product) -> str:
    """The product's description as plain text (imported descriptions may be HTML), or its
    title when it has none."""
    return plain(product.description) or clean(product.title)


def google_product(
    product: Product,
    quantity: int,
    at: datetime,
    settings: FeedSettings,
    image: str = "",
    bundle: bool = False,
) -> Item:
    """The product feed's item; `quantity` is the sum of what the nodes may publish. A
    `bundle` (a kit of the shop's own making) says so: Google's `is_bundle`."""
    availability, available_on = google_availability(product, quantity, settings.day_of(at))
    item: Item = {
        "id": offer_id(product.sku.value),
        "title": product.title,
        "description": description(product),
        "link": settings.product_url(product),
        "link_template": settings.link_template(product),
    }
    item.update(_images(product, image, GOOGLE_EXTRA_IMAGES))
    item["availability"] = availability
    if available_on:
        item["availability_date"] = settings.day_starts(available_on)
    item.update(_prices(product, at))
    item.update(identifiers(product))
    item["condition"] = product.condition.value
    if product.category:
        item["product_type"] = product.category
    item.update(variant_fields(product, ID_LIMIT))
    if "color" in item:
        item["color"] = google_colour(item["color"])
    if settings.shipping:
        item["shipping"] = ",".join(str(option) for option in settings.shipping)
    if bundle:
        item["is_bundle"] = "yes"
    return fit(Channel.GOOGLE, item)


def pickup(node: Node) -> Item:
    """pickup_method and pickup_sla from the node's capabilities."""
    caps = node.capabilities
    if not caps.pickup:
        return {"pickup_method": "not supported"}
    sla = "same_day" if caps.preparation_minutes <= SAME_DAY_MINUTES else "next_day"
    return {"pickup_method": "buy", "pickup_sla": sla}


def google_local(product: Product, node: Node, figure: Published, at: datetime) -> Item:
    """The local inventory feed's row for `product` at `node` (its code is the store_code)."""
    item: Item = {
        "store_code": node.code.value,
        "id": offer_id(product.sku.value),
        "quantity": str(figure.quantity),
        "availability": local_availability(figure),
    }
    item.update(_prices(product, at))
    item.update(pickup(node))
    return fit(Channel.GOOGLE_LOCAL, item)


def meta_product(
    product: Product, quantity: int, at: datetime, settings: FeedSettings, image: str = ""
) -> Item:
    item: Item = {
        "id": offer_id(product.sku.value, META_ID_LIMIT),
        "title": product.title,
        "description": description(product),
        "availability": meta_availability(product, quantity, settings.day_of(at)),
        "condition": product.condition.value,
        "link": settings.product_url(product),
        "image_link": "",
        "brand": product.brand,
        "quantity_to_sell_on_facebook": str(quantity),
    }
    item.update(_images(product, image, META_EXTRA_IMAGES))
    item.update(variant_fields(product, META_ID_LIMIT))
    item.update(_prices(product, at))
    if gtin(product):
        item["gtin"] = gtin(product)
    return fit(Channel.META, item)


def measured(channel: Channel, item: Item) -> Item:
    return {name: item.get(name, "") for name in MEASURED.get(channel, ())}


def item_key(sku: str, store: str = "") -> str:
    """A feed item's identity in the record of what was sent: its SKU (not the id the
    channel was given, which may be mapped), prefixed with the store code in local inventory."""
    return f"{store}/{sku}" if store else sku


META_COLUMNS: Sequence[str] = (
    "id", "title", "description", "availability", "condition", "price", "sale_price",
    "sale_price_effective_date", "link", "image_link", "additional_image_link", "brand", "gtin",
    "quantity_to_sell_on_facebook", "item_group_id", "color", "size", "material",
)  # fmt: skip
GOOGLE_COLUMNS: Sequence[str] = (
    "id", "title", "description", "link", "link_template", "image_link",
    "additional_image_link", "availability", "availability_date", "price", "sale_price",
    "sale_price_effective_date",
    "gtin", "brand", "mpn", "identifier_exists", "condition", "product_type", "item_group_id",
    "color", "size", "material", "shipping", "is_bundle",
)  # fmt: skip
LOCAL_COLUMNS: Sequence[str] = (
    "store_code", "id", "quantity", "price", "sale_price", "sale_price_effective_date",
    "availability", "pickup_method", "pickup_sla",
)  # fmt: skip


def item_digest(item: Item) -> str:
    """A digest of an item's fields: a changed-only feed sends items whose digest moved."""
    text = "\x1e".join(f"{name}\x1f{item[name]}" for name in sorted(item))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
