"""Availability figures with their age, and how a stale figure is downgraded before it is shown.

A figure is a node's on-hand of a SKU as of some moment. Between that moment and now, demand
may have taken units: with Poisson demand at rate lambda over age T, a buffer B is enough when
P(Poisson(lambda T) > B) <= epsilon. The figure is published as max(0, quantity - B) with the
least such B (SYNC.md, "TTL"); when even the channel's largest buffer is not enough it is shown
as limited (at most one unit) or withheld, per the channel's rule, and past a hard age limit it
is always withheld. A stale figure never becomes a promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import InvalidValue
from microindex.domain.sync.allocation import poisson_at_least, trust_horizon

DAY_S = 86_400.0


class FigureSource(StrEnum):
    LEDGER = "ledger"  # read from the node's own ledger: as of its last movement
    SYNC = "sync"  # the hub's mirror of the node's ledger: as of the last successful sync
    ESCROW = "escrow"  # rights the hub holds: firm whatever their age


@dataclass(frozen=True, slots=True)
class Availability:
    """A node's on-hand of a SKU as of `as_of`, and the SKU's demand rate there (units/day)."""

    node: str
    sku: str
    quantity: int
    as_of: datetime
    source: FigureSource
    rate_per_day: float = 0.0

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise InvalidValue("quantity", str(self.quantity), "a figure is never negative")
        if self.as_of.tzinfo is None:
            raise InvalidValue("as_of", self.as_of.isoformat(), "figure times carry a time zone")
        if not math.isfinite(self.rate_per_day) or self.rate_per_day < 0:
            raise InvalidValue("rate_per_day", str(self.rate_per_day), "a rate is >= 0")

    def age_s(self, now: datetime) -> float:
        return max(0.0, (now - self.as_of).total_seconds())


class Confidence(StrEnum):
    EXACT = "exact"  # fresh enough to show as it is
    BUFFERED = "buffered"  # shown less a safety buffer
    LIMITED = "limited"  # too old for any buffer: at most one unit, "limited"
    WITHHELD = "withheld"  # not shown at all: no promise


class Downgrade(StrEnum):
    LIMIT = "limit"
    WITHHOLD = "withhold"


@dataclass(frozen=True, slots=True)
class StaleRule:
    """One channel's tolerance: risk epsilon, the largest buffer it accepts, what a figure past
    that becomes, and the age past which nothing is shown."""

    epsilon: float = 0.01
    max_buffer: int = 3
    on_limited: Downgrade = Downgrade.LIMIT
    withhold_after_s: float = 2 * DAY_S
    floor_rate_per_day: float = 0.1  # demand assumed where none has been seen

    def __post_init__(self) -> None:
        if not 0 < self.epsilon < 1:
            raise InvalidValue("epsilon", str(self.epsilon), "a probability between 0 and 1")
        if self.max_buffer < 0 or self.withhold_after_s <= 0:
            raise InvalidValue("max_buffer", str(self.max_buffer), "buffers and ages are >= 0")


@dataclass(frozen=True, slots=True)
class Published:
    """What a channel may be told about one figure."""

    node: str
    sku: str
    quantity: int
    confidence: Confidence
    buffer: int = 0
    age_s: float = 0.0

    @property
    def promised(self) -> bool:
        return self.quantity > 0 and self.confidence in (Confidence.EXACT, Confidence.BUFFERED)


def least_buffer(mu: float, epsilon: float, limit: int) -> int | None:
    """The least B <= limit with P(Poisson(mu) > B) <= epsilon; None when none is enough."""
    for buffer in range(limit + 1):
        if poisson_at_least(buffer + 1, mu) <= epsilon:
            return buffer
    return None


def exact(node: str, sku: str, quantity: int) -> Published:
    """The truth, as a channel would be told it with a perfectly fresh figure."""
    return Published(node, sku, quantity, Confidence.EXACT)


def publish(figure: Availability, now: datetime, rule: StaleRule) -> Published:
    """Downgrade `figure` for its age under `rule` (escrow figures are firm)."""
    age = figure.age_s(now)
    node, sku, quantity = figure.node, figure.sku, figure.quantity
    if figure.source is FigureSource.ESCROW:
        return Published(node, sku, quantity, Confidence.EXACT, 0, age)
    if age > rule.withhold_after_s:
        return Published(node, sku, 0, Confidence.WITHHELD, 0, age)
    rate = max(figure.rate_per_day, rule.floor_rate_per_day)
    buffer = least_buffer(rate * age / DAY_S, rule.epsilon, rule.max_buffer)
    if buffer is None:
        if rule.on_limited is Downgrade.WITHHOLD:
            return Published(node, sku, 0, Confidence.WITHHELD, 0, age)
        return Published(node, sku, min(quantity, 1), Confidence.LIMITED, rule.max_buffer, age)
    kind = Confidence.EXACT if buffer == 0 else Confidence.BUFFERED
    return Published(node, sku, max(0, quantity - buffer), kind, buffer, age)


def trusted_for_s(rule: StaleRule, rate_per_day: float, buffer: int = 0) -> float:
    """How long a figure may be shown with `buffer` before it needs a larger one (TTL = mu*/λ)."""
    rate = max(rate_per_day, rule.floor_rate_per_day) / DAY_S
    return min(trust_horizon(buffer, rule.epsilon) / rate, rule.withhold_after_s)
