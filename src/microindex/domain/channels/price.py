"""Prices as channels want them: `12.50 GBP` in feeds, micros in the Merchant API, sale windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from microindex.domain.errors import InvalidValue
from microindex.domain.money import MINOR_UNITS, Money
from microindex.domain.product import Product

SALE_START = "sale_start"  # product attributes holding the sale window, ISO dates or times
SALE_END = "sale_end"


def feed_price(money: Money) -> str:
    """`12.50 GBP`: the currency's minor units always written, a point, the ISO code."""
    places = MINOR_UNITS[money.currency]
    amount = money.amount.quantize(Decimal(1).scaleb(-places))
    return f"{amount:f} {money.currency}"


def amount_micros(money: Money) -> int:
    """The Merchant API's integer millionths of the currency unit."""
    return int(money.amount * 1_000_000)


def price_json(money: Money) -> dict[str, str]:
    return {"amountMicros": str(amount_micros(money)), "currencyCode": money.currency}


@dataclass(frozen=True, slots=True)
class SaleWindow:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("sale_window", str(self), "sale times carry a time zone")
        if self.end <= self.start:
            raise InvalidValue("sale_window", str(self), "a sale ends after it starts")

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def __str__(self) -> str:
        """ISO 8601 interval, as `sale_price_effective_date` takes it."""
        return f"{_iso(self.start)}/{_iso(self.end)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text: str, end: bool) -> datetime:
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("sale_window", text, "use an ISO date such as 2025-03-01") from None
    return datetime.combine(day, time.max if end else time.min, UTC).replace(microsecond=0)


def sale_window(product: Product) -> SaleWindow | None:
    """The sale's window from the product's `sale_start` / `sale_end` attributes (dates are
    whole days in UTC); None when the product has no sale price or no window."""
    found = product.attribute_map
    if product.sale_price is None or SALE_START not in found or SALE_END not in found:
        return None
    return SaleWindow(_moment(found[SALE_START], False), _moment(found[SALE_END], True))


def price_at(product: Product, at: datetime) -> Money:
    """What a buyer pays at `at`: the sale price inside its window (or with no window)."""
    if product.sale_price is None:
        return product.price
    window = sale_window(product)
    return product.sale_price if window is None or window.covers(at) else product.price
