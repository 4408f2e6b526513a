"""Browsing the hub's catalog: filter, page, and find a product by a scanned code.

Filters and pages are read by the store through its indexes (category, brand, GTIN, SKU
order); a text filter is a case-blind substring of title or SKU, read in SKU order until the
page is full. The search service (FTS, typo tolerance, facets) is the place for anything cleverer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microindex.domain.codes import Sku
from microindex.domain.errors import DomainError, InvalidValue, UnknownSku
from microindex.domain.product import Product
from microindex.service.known import unknown_sku
from microindex.service.ports import ProductFilter, UnitOfWorkFactory
from microindex.service.resolver import Role, resolve_scan

__all__ = ["ProductFilter", "ProductPage", "find_products", "product_by_code"]


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One keyset page: `next_cursor` (the last SKU shown) asks for the page after it, and is
    None on the last page. `total` counts every match, or is None when `where` has text (a
    count would read the whole catalog; follow the cursor instead)."""

    items: list[Product]
    total: int | None
    limit: int
    next_cursor: str | None


def find_products(
    hub: UnitOfWorkFactory, where: ProductFilter, cursor: str = "", limit: int = 50
) -> ProductPage:
    """Products matching `where`, in SKU order, `limit` of them after the SKU `cursor`.

    Pages are keyed by SKU, not counted by position, so a product added or removed while
    someone pages never makes a page repeat or skip another product."""
    with hub() as uow:
        found = uow.catalog.page(where, cursor, limit + 1)
        total = None if where.text else uow.catalog.count(where)
    items = found[:limit]
    more = len(found) > limit
    return ProductPage(items, total, limit, items[-1].sku.value if more else None)


def product_by_code(hub: UnitOfWorkFactory, code: str, today: date) -> Product:
    """The product a scanned or typed code names: its SKU (in any case: "mug-1" finds
    "MUG-1"), else a GTIN or GS1 Digital Link."""
    with hub() as uow:
        product = uow.catalog.get(code) or uow.catalog.get(code.upper())
    if product is not None:
        return product
    try:
        resolution = resolve_scan(hub, code, Role.STAFF, today)
    except DomainError:
        if code.isdigit() or not _sku_shaped(code):
            raise  # a GTIN with a bad check digit, or a scan that is wrong: said as that
        return _sku_in_any_case(hub, code)
    if resolution.product is None:
        raise UnknownSku(code)
    return resolution.product


def _sku_shaped(code: str) -> bool:
    try:
        Sku(code)
    except InvalidValue:
        return False
    return True


def _sku_in_any_case(hub: UnitOfWorkFactory, code: str) -> Product:
    """A mixed-case SKU typed in another case: looked for only once nothing else matched."""
    wanted = code.casefold()
    with hub() as uow:
        for product in uow.catalog.all():
            if product.sku.value.casefold() == wanted:
                return product
        raise unknown_sku(uow, code)
