"""What a search index holds of a product, as plain values: a store reads them straight from
its rows for a build (`CatalogStore.searched`), without making a `Product` of each (ADR 0043),
and they are the same values `searched(product)` gives."""

from __future__ import annotations

from microindex.domain.product import Product

# SKU, GTIN-14, title, brand, category, description, effective price (the sale price when there
# is one, as `str(Decimal)`), currency, attributes, tags: strings, tuples and None.
Searched = tuple[
    str, str | None, str, str, str, str, str, str, tuple[tuple[str, str], ...], tuple[str, ...]
]


def searched(product: Product) -> Searched:
    p = product
    return (
        p.sku.value,
        p.gtin.digits if p.gtin else None,
        p.title,
        p.brand,
        p.category,
        p.description,
        str(p.effective_price()),
        p.price.currency,
        p.attributes,
        p.tags,
    )
