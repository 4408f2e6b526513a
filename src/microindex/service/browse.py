"""Browsing the hub's catalog: filter, page, and find a product by a scanned code.

A plain scan of the catalog with substring matching: enough for a small seller's few thousand
SKUs. The search service (FTS, typo tolerance, facets) is the place for anything cleverer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microindex.domain.errors import DomainError, UnknownSku
from microindex.domain.product import Product
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.resolver import Role, resolve_scan


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Every given condition must hold; `text` is a case-blind substring of title or SKU."""

    text: str = ""
    category: str = ""
    brand: str = ""
    gtin: str = ""

    def matches(self, product: Product) -> bool:
        text = self.text.casefold()
        return (
            (not text or text in product.title.casefold() or text in product.sku.value.casefold())
            and (not self.category or product.category.casefold() == self.category.casefold())
            and (not self.brand or product.brand.casefold() == self.brand.casefold())
            and (not self.gtin or (product.gtin is not None and product.gtin.digits == self.gtin))
        )


@dataclass(frozen=True, slots=True)
class ProductPage:
    items: list[Product]
    total: int
    offset: int
    limit: int


def find_products(
    hub: UnitOfWorkFactory, where: ProductFilter, offset: int = 0, limit: int = 50
) -> ProductPage:
    """Products matching `where`, in SKU order, `limit` of them from `offset`, and the total."""
    with hub() as uow:
        found = [p for p in uow.catalog.all() if where.matches(p)]
    return ProductPage(found[offset : offset + limit], len(found), offset, limit)


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
        if code.isdigit():
            raise  # a GTIN with a bad check digit, or one no product carries
        return _sku_in_any_case(hub, code)
    if resolution.product is None:
        raise UnknownSku(code)
    return resolution.product


def _sku_in_any_case(hub: UnitOfWorkFactory, code: str) -> Product:
    """A mixed-case SKU typed in another case: looked for only once nothing else matched."""
    wanted = code.casefold()
    with hub() as uow:
        for product in uow.catalog.all():
            if product.sku.value.casefold() == wanted:
                return product
    raise UnknownSku(code)
