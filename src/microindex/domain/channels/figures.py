"""Availability figures with their age, and the one rule that turns a figure into what every
channel may say.

A figure is a node's on-hand of a SKU as of some moment. Between that moment and now, demand
may have taken units: with Poisson demand at rate lambda over age T, a buffer B is enough when
P(Poisson(lambda T) > B) <= epsilon. The figure is published as max(0, quantity - B) with the
least such B (SYNC.md, "TTL"); when even the rule's largest buffer is not enough it is shown
as limited (at most one unit), and past a hard age limit it is withheld (unknown). A stale
figure never becomes a promise.

There is one rule (`AVAILABILITY_RULE`, or the shop's own), applied once per node and SKU; the
`State` of what it publishes is what every channel (Google, local inventory, Meta, product
pages, voice, webhooks) words in its own vocabulary, so no two channels read at the same moment
disagree.
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


class State(StrEnum):
    """What a channel may say of one node's stock: every channel's words map from this."""

    IN_STOCK = "in_stock"  # LIMITED_BELOW or more shown
    LIMITED = "limited"  # one or two shown, or too old to count: at most one
    OUT_OF_STOCK = "out_of_stock"  # none shown
    UNKNOWN = "unknown"  # too old to say anything: no promise, no denial


LIMITED_BELOW = 3  # 1 or 2 shown is limited stock (Google's local inventory threshold)


@dataclass(frozen=True, slots=True)
class StaleRule:
    """The availability rule: risk epsilon, the largest safety buffer, and the age past which
    a figure says nothing (in between, a figure too old for any buffer is limited)."""

    epsilon: float = 0.01
    max_buffer: int = 3
    withhold_after_s: float = 2 * DAY_S
    floor_rate_per_day: float = 0.1  # demand assumed where the node's history shows none

    def __post_init__(self) -> None:
        if not 0 < self.epsilon < 1:
            raise InvalidValue("epsilon", str(self.epsilon), "a probability between 0 and 1")
        if self.max_buffer < 0 or self.withhold_after_s <= 0:
            raise InvalidValue("max_buffer", str(self.max_buffer), "buffers and ages are >= 0")


AVAILABILITY_RULE = StaleRule()  # the shop's rule unless its settings say otherwise


@dataclass(frozen=True, slots=True)
class Published:
    """What every channel may be told about one figure. `buffer` is the units the rule's
    safety buffer held back (never more than the figure had): showing that many fewer than
    the truth is the rule at work, not an error."""

    node: str
    sku: str
    quantity: int
    confidence: Confidence
    buffer: int = 0
    age_s: float = 0.0

    @property
    def promised(self) -> bool:
        return self.quantity > 0 and self.confidence in (Confidence.EXACT, Confidence.BUFFERED)

    @property
    def state(self) -> State:
        if self.confidence is Confidence.WITHHELD:
            return State.UNKNOWN
        if self.quantity <= 0:
            return State.OUT_OF_STOCK
        if self.confidence is Confidence.LIMITED or self.quantity < LIMITED_BELOW:
            return State.LIMITED
        return State.IN_STOCK

    @property
    def available(self) -> bool:
        """Some may be bought here (in stock or limited)."""
        return self.state in (State.IN_STOCK, State.LIMITED)


def least_buffer(mu: float, epsilon: float, limit: int) -> int | None:
    """The least B <= limit with P(Poisson(mu) > B) <= epsilon; None when none is enough."""
    for buffer in range(limit + 1):
        if poisson_at_least(buffer + 1, mu) <= epsilon:
            return buffer
    return None


def exact(node: str, sku: str, quantity: int) -> Published:
    """The truth, as a channel would be told it with a perfectly fresh figure."""
    return Published(node, sku, quantity, Confidence.EXACT)


def publish(figure: Availability, now: datetime, rule: StaleRule = AVAILABILITY_RULE) -> Published:
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
        return Published(node, sku, min(quantity, 1), Confidence.LIMITED, 0, age)
    kind = Confidence.EXACT if buffer == 0 else Confidence.BUFFERED
    held = min(buffer, quantity)
    return Published(node, sku, quantity - held, kind, held, age)


def trusted_for_s(rule: StaleRule, rate_per_day: float, buffer: int = 0) -> float:
    """How long a figure may be shown with `buffer` before it needs a larger one (TTL = mu*/λ)."""
    rate = max(rate_per_day, rule.floor_rate_per_day) / DAY_S
    return min(trust_horizon(buffer, rule.epsilon) / rate, rule.withhold_after_s)
