"""Pop-ups: a node that opens on one day and closes on another, stocked from home for it.

Before it opens it gets an assortment (what to stand on the table, and how many) and the
transfers to fill it; when it closes everything left goes home. Pure: days are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from microindex.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class PopUp:
    """`node` trades from `opens_on` to `closes_on` (both included), stocked from `home`."""

    node: str
    home: str
    opens_on: date
    closes_on: date

    def __post_init__(self) -> None:
        if self.closes_on < self.opens_on:
            raise InvalidValue(
                "closes_on", self.closes_on.isoformat(), "a pop-up closes after it opens"
            )
        if self.home == self.node:
            raise InvalidValue("home", self.home, "a pop-up is stocked from another node")

    @property
    def days(self) -> int:
        return (self.closes_on - self.opens_on).days + 1

    def is_open(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


def assortment(units_per_day: Mapping[str, float], days: int, size: int) -> dict[str, int]:
    """The `size` fastest SKUs, each with enough for the event's `days` (at least one)."""
    if size <= 0 or days <= 0:
        raise InvalidValue("size", str(size), "an assortment has SKUs and days")
    ranked = sorted(units_per_day.items(), key=lambda item: (-item[1], item[0]))
    return {sku: max(1, round(rate * days)) for sku, rate in ranked[:size] if rate > 0}


def fill(
    wanted: Mapping[str, int], there: Mapping[str, int], home: Mapping[str, int]
) -> dict[str, int]:
    """What to send from home: the gap to what is wanted, no more than home can release
    (`home`: its units not set aside or promised for orders)."""
    lines = {sku: min(q - there.get(sku, 0), home.get(sku, 0)) for sku, q in wanted.items()}
    return {sku: q for sku, q in sorted(lines.items()) if q > 0}


def take_home(left: Mapping[str, int]) -> dict[str, int]:
    """Everything still at the pop-up goes home."""
    return {sku: q for sku, q in sorted(left.items()) if q > 0}
