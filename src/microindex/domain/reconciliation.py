"""Reconciliation: counted against expected at the same ledger position, within a tolerance.

Staff submit counts (a full count or a cycle count of a few SKUs), each taken at a ledger
position: the node's head when counting began. Sales after that position stay, so the variance
is `counted - on-hand at the position` (see `Ledger.count`). A nightly run adjusts what is
within the tolerance and flags the rest, valued at cost, for approval: never adjusted silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Limits on a variance that may be adjusted without approval; every limit set must hold.

    `units`: |variance| at most this many units; `percent`: |variance| at most this share of
    the expected quantity (0.05 = 5%); `value`: |variance| x unit cost at most this amount.
    A zero variance is always within; with no limit set, only a zero variance is.
    """

    units: int | None = 2
    percent: Decimal | None = None
    value: Decimal | None = None

    def __post_init__(self) -> None:
        limits = (("units", self.units), ("percent", self.percent), ("value", self.value))
        for name, limit in limits:
            if isinstance(limit, Decimal) and limit.is_nan():
                raise InvalidValue(f"tolerance.{name}", str(limit), "not a number")
            if limit is not None and limit < 0:
                raise InvalidValue(f"tolerance.{name}", str(limit), "cannot be negative")

    def allows(self, variance: int, expected: int, unit_cost: Decimal) -> bool:
        if variance == 0:
            return True
        if self.units is None and self.percent is None and self.value is None:
            return False
        size = abs(variance)
        if self.units is not None and size > self.units:
            return False
        if self.percent is not None and (expected <= 0 or size > self.percent * expected):
            return False
        return self.value is None or size * unit_cost <= self.value


class Outcome(StrEnum):
    MATCHED = "matched"  # no variance
    ADJUSTED = "adjusted"  # within tolerance: a count-adjust movement recorded
    FLAGGED = "flagged"  # over tolerance: waits for approval, nothing recorded
    APPROVED = "approved"  # a flagged variance approved: the adjustment recorded then
    SUPERSEDED = "superseded"  # a later count of the SKU replaced it: nothing recorded


@dataclass(frozen=True, slots=True)
class CountLine:
    """One SKU's count as submitted: what was counted, at which ledger position."""

    sku: str
    counted: int
    position: int

    def __post_init__(self) -> None:
        if self.counted < 0:
            raise InvalidValue("counted", str(self.counted), "a count cannot be negative")
        if self.position < 0:
            raise InvalidValue("position", str(self.position), "a ledger position is 0 or more")


@dataclass(frozen=True, slots=True)
class Variance:
    """A count set against the ledger, valued, and what was done about it."""

    id: int
    node: str
    sku: str
    counted: int
    position: int
    expected: int
    unit_cost: Decimal
    cost_basis: str  # "cost" or "price" (price stands in while products carry no cost)
    outcome: Outcome
    at: datetime
    movement: int | None = None  # seq of the count-adjust, once recorded
    deficit: int = 0  # units later movements had already taken (see CountResult)
    decided_by: str = ""

    @property
    def variance(self) -> int:
        return self.counted - self.expected

    @property
    def value(self) -> Decimal:
        return self.variance * self.unit_cost


def judge(variance: int, expected: int, unit_cost: Decimal, tolerance: Tolerance) -> Outcome:
    """What the nightly run does with a variance: nothing, adjust, or flag for approval."""
    if variance == 0:
        return Outcome.MATCHED
    if tolerance.allows(variance, expected, unit_cost):
        return Outcome.ADJUSTED
    return Outcome.FLAGGED


@dataclass(eq=False)
class NotAwaitingApproval(DomainError):
    node: str
    variance_id: int
    outcome: str
    code = "not_awaiting_approval"

    def __str__(self) -> str:
        return f"variance {self.variance_id} at {self.node} is {self.outcome}, not flagged"


def variance_rate(variances: list[Variance]) -> float | None:
    """Share of counted lines that did not match; None when nothing was counted."""
    if not variances:
        return None
    return sum(1 for v in variances if v.variance != 0) / len(variances)
