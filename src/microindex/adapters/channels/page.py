"""A node's product page, server-rendered HTML with schema.org Product/Offer JSON-LD, and the
reader that takes the JSON-LD back out of a page (as a crawler would)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from html.parser import HTMLParser
from typing import Any

from microindex.domain.channels.items import Item, description, identifiers, image_links
from microindex.domain.channels.mapping import SCHEMA
from microindex.domain.channels.price import feed_price
from microindex.domain.channels.text import clean
from microindex.domain.channels.variants import SCHEMA_FACTS, variant_facts
from microindex.domain.money import MINOR_UNITS, Money
from microindex.domain.node import Node
from microindex.domain.product import ItemCondition, Product
from microindex.service.channel_views import NodePage, ProductPage

JSONLD = "application/ld+json"
CONDITIONS = {
    ItemCondition.NEW: SCHEMA + "NewCondition",
    ItemCondition.USED: SCHEMA + "UsedCondition",
    ItemCondition.REFURBISHED: SCHEMA + "RefurbishedCondition",
}


def _price_text(money: Money) -> str:
    return feed_price(money).split(" ")[0]


def _place(node: Node) -> dict[str, Any]:
    return {
        "@type": "Place",
        "@id": f"#store-{node.code.value}",
        "name": clean(node.name),
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": node.location.lat,
            "longitude": node.location.lon,
        },
    }


def product_jsonld(page: ProductPage) -> dict[str, Any]:
    product = page.product
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": page.url,
        "price": _price_text(page.price),
        "priceCurrency": page.price.currency,
        "availableAtOrFrom": _place(page.node),
        "itemCondition": CONDITIONS[product.condition],
    }
    if page.availability is not None:
        offer["availability"] = page.availability
    if product.preorder_until is not None:
        offer["availabilityStarts"] = product.preorder_until.isoformat()
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": product.sku.value,
        "name": clean(product.title),
        "description": description(product),
        "offers": offer,
    }
    ids = identifiers(product)
    if "gtin" in ids:
        data["gtin13" if len(ids["gtin"]) == 13 else "gtin"] = ids["gtin"]
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": clean(product.brand)}
    if "mpn" in ids:
        data["mpn"] = clean(ids["mpn"])
    images = image_links(product, page.image)
    if images:
        data["image"] = list(images)  # the published picture first, then the catalog's
    return data | _variant(product)


def _variant(product: Product) -> dict[str, Any]:
    """color, size and material, and the ProductGroup a variant belongs to (its handle), as
    Google's product variant structured data has them."""
    facts = variant_facts(product)
    found: dict[str, Any] = {SCHEMA_FACTS[name]: clean(value) for name, value in facts.items()}
    if product.handle and facts:
        found["isVariantOf"] = {
            "@type": "ProductGroup",
            "productGroupID": clean(product.handle),
            "variesBy": [SCHEMA + SCHEMA_FACTS[name] for name in facts],
        }
    return found


def product_jsonld_at(pages: Sequence[ProductPage]) -> dict[str, Any]:
    """One Product with an offer at each of `pages`' nodes (one page or more, same product)."""
    data = product_jsonld(pages[0])
    if len(pages) > 1:
        data["offers"] = [product_jsonld(page)["offers"] for page in pages]
    return data


# Inside `<script>`, `</script` ends the element and `<!--` can start a comment that runs on
# past it (HTML's "script data escaped" states): no `<`, `>` or `&` is left to the HTML parser.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def jsonld_text(data: dict[str, Any]) -> str:
    """JSON-LD to put inside a `<script>` element: `<`, `>` and `&` as JSON escapes."""
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE)


_STOCK_WORDS = {
    "InStock": "In stock",
    "LimitedAvailability": "Only a few left",
    "OutOfStock": "Out of stock",
    "BackOrder": "Available to order",
    "PreOrder": "Available to pre-order",
    "Discontinued": "No longer sold",
}


def render_product_page(page: ProductPage) -> str:
    """The whole HTML document for `page` (the HTTP API serves it as text/html)."""
    product, node = page.product, page.node
    data = jsonld_text(product_jsonld(page))
    stock = _stock_word(page)
    title, name = escape(clean(product.title)), escape(clean(node.name))
    images = image_links(product, page.image)
    image = f'<img src="{escape(images[0])}" alt="{title}">' if images else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} at {name}</title>"
        f'<link rel="canonical" href="{escape(page.url)}">'
        f'<script type="{JSONLD}">{data}</script>'
        "</head><body><main>"
        f"<h1>{title}</h1>{image}"
        f'<p class="price">{escape(display_price(page.price))}</p>'
        f'<p class="stock">{escape(stock)} at {name}</p>'
        f"<p>{escape(description(product))}</p>"
        "</main></body></html>\n"
    )


def render_product_offers(pages: Sequence[ProductPage], url: str) -> str:
    """The product's own page (`url`, without a store): one offer per node in `pages` (one
    product), each node's stock in words, as `render_product_page` says it for one node."""
    first = pages[0]
    product = first.product
    data = jsonld_text(product_jsonld_at(pages))
    title = escape(clean(product.title))
    image = f'<img src="{escape(first.image)}" alt="{title}">' if first.image else ""
    rows = "".join(
        f'<li class="stock">{escape(_stock_word(p))} at {escape(clean(p.node.name))}'
        f' (<a href="{escape(p.url)}">this shop</a>)</li>'
        for p in pages
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f'<link rel="canonical" href="{escape(url)}">'
        f'<script type="{JSONLD}">{data}</script>'
        "</head><body><main>"
        f"<h1>{title}</h1>{image}"
        f'<p class="price">{escape(display_price(first.price))}</p>'
        f"<ul>{rows}</ul>"
        f"<p>{escape(description(product))}</p>"
        "</main></body></html>\n"
    )


def _stock_word(page: ProductPage) -> str:
    word = (page.availability or "").rsplit("/", 1)[-1]
    return _STOCK_WORDS.get(word, "Ask in store")


def store_jsonld(page: NodePage) -> dict[str, Any]:
    """schema.org Store: the node's name, place and opening hours, and an offer of each
    product it holds, at that node."""
    node = page.node
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Store",
        "@id": page.url,
        "name": clean(node.name),
        "url": page.url,
        "geo": _place(node)["geo"],
    }
    offers = [product_jsonld(p) for p in page.products]
    if offers:
        data["makesOffer"] = [
            {
                **o["offers"],
                "itemOffered": {k: v for k, v in o.items() if k not in ("offers", "@context")},
            }
            for o in offers
        ]
    return data


def render_node_page(page: NodePage) -> str:
    """A node's page: what it holds now, each linked to its product page at that node."""
    name = escape(clean(page.node.name))
    rows = "".join(
        f'<li><a href="{escape(p.url)}">{escape(clean(p.product.title))}</a>'
        f" {escape(display_price(p.price))} · {escape(_stock_word(p))}</li>"
        for p in page.products
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{name}</title>"
        f'<link rel="canonical" href="{escape(page.url)}">'
        f'<script type="{JSONLD}">{jsonld_text(store_jsonld(page))}</script>'
        "</head><body><main>"
        f"<h1>{name}</h1>"
        f"<ul>{rows or '<li>Nothing in stock here right now.</li>'}</ul>"
        "</main></body></html>\n"
    )


def display_price(money: Money) -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(money.currency)
    amount = f"{money.amount:.{MINOR_UNITS[money.currency]}f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {money.currency}"


class _JsonLdScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and dict(attrs).get("type") == JSONLD
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.blocks[-1] += data


def read_jsonld(html: str) -> list[dict[str, Any]]:
    """Every JSON-LD object in a page's `<script type="application/ld+json">` blocks."""
    parser = _JsonLdScripts()
    parser.feed(html)
    found: list[dict[str, Any]] = []
    for block in parser.blocks:
        data = json.loads(block)
        found += data if isinstance(data, list) else [data]
    return found


def page_shows(html: str) -> Item:
    """What a page shows a crawler: its first Product offer's availability and price."""
    for data in read_jsonld(html):
        if data.get("@type") != "Product":
            continue
        offer = data.get("offers") or {}
        offer = offer[0] if isinstance(offer, list) else offer
        price = f"{offer.get('price', '')} {offer.get('priceCurrency', '')}".strip()
        return {"availability": str(offer.get("availability", "")), "price": price}
    return {}
