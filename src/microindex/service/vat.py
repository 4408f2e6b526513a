"""VAT use cases: the catalog's mode and standard rate, a rate per product, and prices shown
with and without VAT (what the CLI, the API and the accountant's export read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.domain.vat import Priced, PriceMode, TaxSettings, VatRate, priced
from microindex.service import known
from microindex.service.ports import UnitOfWorkFactory


class VatStore(Protocol):
    def settings(self) -> TaxSettings: ...

    def put_settings(self, settings: TaxSettings) -> None: ...

    def rates(self) -> dict[str, VatRate]: ...

    def put_rate(self, sku: str, rate: VatRate | None) -> None:
        """A product's own rate (None: back to the standard rate)."""


def set_mode(store: VatStore, mode: str, standard: str | None = None) -> TaxSettings:
    """Whether the catalog's prices include VAT, and its standard rate (kept unless given)."""
    try:
        chosen = PriceMode(mode)
    except ValueError:
        from microindex.domain.errors import InvalidValue

        raise InvalidValue("mode", mode, "inclusive or exclusive") from None
    rate = store.settings().standard if standard is None else VatRate.parse(standard)
    made = TaxSettings(chosen, rate)
    store.put_settings(made)
    return made


def set_rate(store: VatStore, hub: UnitOfWorkFactory, sku: str, rate: str | None) -> VatRate:
    """A product's own rate ("5" for 5 %); None: it follows the standard rate again."""
    known.require_skus(hub, [sku])
    made = None if rate is None else VatRate.parse(rate)
    store.put_rate(sku, made)
    return made or store.settings().standard


@dataclass(frozen=True, slots=True)
class PriceLine:
    sku: str
    title: str
    priced: Priced


class Pricing:
    """The catalog's prices split by VAT, read once per use."""

    def __init__(self, store: VatStore) -> None:
        self.settings = store.settings()
        self._rates = store.rates()

    def rate(self, sku: str) -> VatRate:
        return self._rates.get(sku, self.settings.standard)

    def of(self, product: Product) -> Priced:
        price = product.sale_price or product.price
        return priced(price, self.rate(product.sku.value), self.settings.mode)

    def line(self, product: Product, units: int) -> Priced:
        """`units` of `product` priced together: the typed side multiplied, the derived
        side rounded once on the line (its VAT to the nearer minor unit, as HMRC asks)."""
        price = product.sale_price or product.price
        whole = Money(price.amount * abs(units), price.currency)
        return priced(whole, self.rate(product.sku.value), self.settings.mode)


def prices(store: VatStore, catalog: Mapping[str, Product]) -> list[PriceLine]:
    pricing = Pricing(store)
    return [PriceLine(sku, p.title, pricing.of(p)) for sku, p in sorted(catalog.items())]


def price_record(line: PriceLine) -> dict[str, Any]:
    p = line.priced
    return {
        "sku": line.sku,
        "title": line.title,
        "rate": str(p.rate),
        "net": str(p.net.amount),
        "vat": str(p.vat.amount),
        "gross": str(p.gross.amount),
        "currency": p.gross.currency,
    }
