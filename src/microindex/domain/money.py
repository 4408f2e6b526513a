"""Money on Decimal, with an ISO 4217 currency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from microindex.domain.errors import InvalidValue

# Minor units per ISO 4217 for the currencies a small seller is likely to price in.
MINOR_UNITS: dict[str, int] = {
    "GBP": 2,
    "EUR": 2,
    "USD": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "RON": 2,
    "BGN": 2,
    "ISK": 0,
    "JPY": 0,
    "KRW": 0,
    "CNY": 2,
    "HKD": 2,
    "SGD": 2,
    "INR": 2,
    "ZAR": 2,
    "BRL": 2,
    "MXN": 2,
    "TRY": 2,
    "AED": 2,
    "ILS": 2,
    "THB": 2,
    "MYR": 2,
    "IDR": 2,
    "PHP": 2,
    "TWD": 2,
    "KWD": 3,
    "BHD": 3,
}


_QUANTA = {places: Decimal(1).scaleb(-places) for places in set(MINOR_UNITS.values())}
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$", re.ASCII)


def parse_decimal(field: str, text: str) -> Decimal:
    """A plain decimal as people type prices: digits, an optional point; no exponents,
    underscores, thousands separators or non-ASCII digits."""
    cleaned = str(text).strip()
    if not _PLAIN_NUMBER.match(cleaned):
        raise InvalidValue(field, str(text), "not a number (write it like 12.50)")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidValue(field, str(text), "not a number") from None
    if not value.is_finite():
        raise InvalidValue(field, str(text), "not a finite number")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise InvalidValue("currency", self.currency, "not a supported ISO 4217 code")
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidValue("price", str(self.amount), "not a finite decimal")
        if self.amount < 0:
            raise InvalidValue("price", str(self.amount), "cannot be negative")
        exponent = self.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MINOR_UNITS[self.currency]:
            raise InvalidValue(
                "price",
                str(self.amount),
                f"{self.currency} has {MINOR_UNITS[self.currency]} decimal places",
            )

    @classmethod
    def parse(cls, text: str, currency: str, field: str = "price") -> Money:
        value = parse_decimal(field, text)
        if value < 0:
            raise InvalidValue(field, text, "cannot be negative")
        places = MINOR_UNITS.get(currency)
        if places is None:
            raise InvalidValue("currency", currency, "not a supported ISO 4217 code")
        exact = value.quantize(_QUANTA[places])
        if value != exact:
            raise InvalidValue(field, text, f"{currency} has {places} decimal places")
        money = object.__new__(cls)  # every check of __post_init__ is made above: not twice
        object.__setattr__(money, "amount", exact)
        object.__setattr__(money, "currency", currency)
        return money

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
