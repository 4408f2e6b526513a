"""VAT: a rate per product (else the catalog's standard rate), and whether the catalog's
prices are typed with VAT in (inclusive) or without (exclusive). Every figure is exact, rounded
half up to the currency's minor unit once, on the side that is derived."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from microindex.domain.errors import InvalidValue
from microindex.domain.money import MINOR_UNITS, Money, parse_decimal

HUNDRED = Decimal(100)


class PriceMode(StrEnum):
    INCLUSIVE = "inclusive"  # the catalog's prices include VAT (what a shopper pays)
    EXCLUSIVE = "exclusive"  # the catalog's prices are before VAT


@dataclass(frozen=True, slots=True)
class VatRate:
    percent: Decimal

    def __post_init__(self) -> None:
        exponent = self.percent.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -2:
            raise InvalidValue("rate", str(self.percent), "at most 2 decimal places")
        if not Decimal(0) <= self.percent <= HUNDRED:
            raise InvalidValue("rate", str(self.percent), "a percentage from 0 to 100")

    @classmethod
    def parse(cls, text: str) -> VatRate:
        cleaned = str(text).strip().removesuffix("%").strip()
        return cls(parse_decimal("rate", cleaned))

    def __str__(self) -> str:
        return f"{self.percent.normalize():f}"


@dataclass(frozen=True, slots=True)
class TaxSettings:
    mode: PriceMode = PriceMode.INCLUSIVE
    standard: VatRate = VatRate(Decimal(0))  # for a product without a rate of its own


@dataclass(frozen=True, slots=True)
class Priced:
    net: Money
    vat: Money
    gross: Money
    rate: VatRate


def priced(price: Money, rate: VatRate, mode: PriceMode) -> Priced:
    """A catalog price split into net, VAT and gross, as `mode` says it was typed."""
    quantum = Decimal(1).scaleb(-MINOR_UNITS[price.currency])
    currency = price.currency
    if mode is PriceMode.INCLUSIVE:
        gross = price.amount
        net = (gross * HUNDRED / (HUNDRED + rate.percent)).quantize(quantum, ROUND_HALF_UP)
    else:
        net = price.amount
        gross = net + (net * rate.percent / HUNDRED).quantize(quantum, ROUND_HALF_UP)
    return Priced(Money(net, currency), Money(gross - net, currency), Money(gross, currency), rate)
