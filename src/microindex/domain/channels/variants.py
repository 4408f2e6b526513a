"""Variants: one product sold in several colours, sizes or materials, each its own SKU.

The catalog keeps variant facts as attributes (`colour` or `color`, `size`, `material`, named
in any case, as a plain CSV's `attr:` columns or Shopify's options give them) and groups the
variants of one product by its handle. Channels get the group as `item_group_id` (Google and
Meta) or schema.org's `isVariantOf` ProductGroup, and each variant's own facts beside it. A
product with a handle but no variant facts is no group: it is listed on its own.
"""

from __future__ import annotations

from microindex.domain.channels.text import clean, offer_id, shorten
from microindex.domain.product import Product

# Each channel field, and the attribute names it is read from.
FACTS: dict[str, tuple[str, ...]] = {
    "color": ("colour", "color"),
    "size": ("size",),
    "material": ("material",),
}
SCHEMA_FACTS = {"color": "color", "size": "size", "material": "material"}
GOOGLE_COLOURS = 3  # Google's color: up to 3 colours separated by `/`, each up to 40 characters
GOOGLE_COLOUR_LIMIT = 40


def variant_facts(product: Product) -> dict[str, str]:
    """color, size and material of `product`, those it has."""
    named = {name.strip().lower(): value.strip() for name, value in product.attributes}
    found: dict[str, str] = {}
    for field, names in FACTS.items():
        value = next((named[n] for n in names if named.get(n)), "")
        if value:
            found[field] = value
    return found


def item_group(product: Product, limit: int) -> str:
    """The group's id on a channel whose ids take `limit` characters ("" for no group)."""
    if not product.handle or not variant_facts(product):
        return ""
    return offer_id(product.handle, limit)


def variant_fields(product: Product, id_limit: int) -> dict[str, str]:
    """item_group_id, color, size and material, as Google's and Meta's feeds name them."""
    group = item_group(product, id_limit)
    return ({"item_group_id": group} if group else {}) | variant_facts(product)


def google_colour(text: str) -> str:
    """A colour as Google's `color` takes it: at most three `/`-separated colours (the first
    three), each cut to 40 characters."""
    parts = [" ".join(clean(part).split()) for part in text.split("/")]
    kept = [shorten(part, GOOGLE_COLOUR_LIMIT) for part in parts if part][:GOOGLE_COLOURS]
    return "/".join(kept)
