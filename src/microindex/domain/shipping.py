"""Shipping rules: which carrier and method take a parcel, by destination and weight band.

Each rule is a plain function from a shipment to a carriage, or None when it does not apply;
a table of rules is tried in order and the first answer wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microindex.domain.errors import DomainError, InvalidValue


@dataclass(frozen=True, slots=True)
class Shipment:
    country: str  # ISO 3166-1 alpha-2
    postcode: str
    weight_g: int

    def __post_init__(self) -> None:
        if len(self.country) != 2 or not self.country.isalpha() or not self.country.isupper():
            raise InvalidValue("country", self.country, "an ISO 3166 code such as GB or FR")
        if self.weight_g <= 0:
            raise InvalidValue("weight_g", str(self.weight_g), "a parcel weighs something")

    @property
    def postcode_key(self) -> str:
        return self.postcode.replace(" ", "").upper()


@dataclass(frozen=True, slots=True)
class Carriage:
    carrier: str
    method: str


ShippingRule = Callable[[Shipment], Carriage | None]


@dataclass(eq=False)
class NoShippingRule(DomainError):
    country: str
    postcode: str
    weight_g: int
    code = "no_shipping_rule"

    def __str__(self) -> str:
        return f"no shipping rule for {self.weight_g} g to {self.country} {self.postcode}"


def band(
    carrier: str,
    method: str,
    countries: frozenset[str],
    up_to_g: int,
    from_g: int = 0,
    postcodes: tuple[str, ...] = (),
    not_postcodes: tuple[str, ...] = (),
) -> ShippingRule:
    """A rule for a weight band (from_g < weight <= up_to_g) to some countries and postcodes."""

    def rule(shipment: Shipment) -> Carriage | None:
        key = shipment.postcode_key
        if (
            shipment.country in countries
            and from_g < shipment.weight_g <= up_to_g
            and (not postcodes or key.startswith(postcodes))
            and not (not_postcodes and key.startswith(not_postcodes))
        ):
            return Carriage(carrier, method)
        return None

    return rule


UK = frozenset({"GB"})
EU = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE"}
    | {"IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)
# Scottish Highlands and islands, Northern Ireland, Isle of Man, Channel Islands.
UK_REMOTE = ("BT", "HS", "IM", "IV", "JE", "GY", "KW", "ZE")

DEFAULT_RULES: tuple[ShippingRule, ...] = (
    band("royal-mail", "tracked-48-large-letter", UK, 750),
    band("royal-mail", "tracked-48-parcel", UK, 20_000, from_g=750),
    band("dpd", "next-day", UK, 30_000, from_g=20_000, not_postcodes=UK_REMOTE),
    band("parcelforce", "express-48-large", UK, 30_000, from_g=20_000),
    band("dhl", "parcel-connect", EU, 31_500),
    band("royal-mail", "international-tracked", frozenset({"US", "CA", "AU", "NZ"}), 2_000),
)


def choose_carriage(shipment: Shipment, rules: Sequence[ShippingRule] = DEFAULT_RULES) -> Carriage:
    for rule in rules:
        carriage = rule(shipment)
        if carriage is not None:
            return carriage
    raise NoShippingRule(shipment.country, shipment.postcode, shipment.weight_g)
