"""Cycle counts by risk: each day a short list of the SKUs most worth counting at a node.

A SKU is risky when it sells fast (more chances to go wrong), has been counted wrong before,
is worth a lot, or was sold when the ledger said none were there (an overdraft or a count's
deficit). A SKU counted recently waits its turn. The day's list is drawn from what was known as
the day began; a SKU counted during the day leaves it, and nothing takes its place, so the list
gets shorter as it is worked through. Pure: today and the facts are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microindex.domain.errors import InvalidValue

DAILY = 10
RECOUNT_DAYS = 7  # a SKU counted within this many days waits, whatever its risk


@dataclass(frozen=True, slots=True)
class SkuRisk:
    """What is known of one SKU at one node."""

    sku: str
    units_per_day: float = 0.0
    variance_rate: float = 0.0  # share of its past counts that did not match
    unit_value: Decimal = Decimal(0)
    at_zero: int = 0  # sales at zero stock: overdrafts and count deficits
    on_hand: int = 0
    last_counted: date | None = None  # the last count before today
    counted_today: bool = False


@dataclass(frozen=True, slots=True)
class Due:
    sku: str
    score: float
    reasons: tuple[str, ...]


def score(risk: SkuRisk, top_value: Decimal) -> tuple[float, tuple[str, ...]]:
    """The SKU's risk (higher: count sooner) and why, in words the staff page can show: what
    weighs most, and at least the heaviest part when none weighs much."""
    value_share = float(risk.unit_value / top_value) if top_value > 0 else 0.0
    parts = (
        (min(risk.units_per_day, 10.0) / 10.0, "sells fast"),
        (risk.variance_rate, "counted wrong before"),
        (value_share, "high value"),
        (min(risk.at_zero, 5) / 5.0 * 2.0, "sold at zero stock"),
    )
    total = sum(weight for weight, _ in parts)
    reasons = tuple(why for weight, why in parts if weight >= 0.3)
    heaviest = max(parts, key=lambda part: part[0])
    return total, reasons or ((heaviest[1],) if heaviest[0] > 0 else ())


def daily_list(risks: Iterable[SkuRisk], today: date, size: int = DAILY) -> list[Due]:
    """Today's counts: the `size` riskiest SKUs not counted in the RECOUNT_DAYS before today,
    less those counted today."""
    if size <= 0:
        raise InvalidValue("size", str(size), "a count list has at least one SKU")
    listed = list(risks)
    top_value = max((r.unit_value for r in listed), default=Decimal(0))
    due: list[Due] = []
    for risk in listed:
        if risk.last_counted is not None and (today - risk.last_counted).days < RECOUNT_DAYS:
            continue
        points, reasons = score(risk, top_value)
        if points > 0:
            due.append(Due(risk.sku, round(points, 4), reasons))
    counted = {risk.sku for risk in listed if risk.counted_today}
    picked = sorted(due, key=lambda d: (-d.score, d.sku))[:size]
    return [d for d in picked if d.sku not in counted]
