"""KPIs a shop owner reads, computed from facts passed in (ledger movements, packages, events).

Local fill rate, as defined here until orders exist: share of a node's estimated demand that it
served from its own shelf. Served demand is what the node sold. Lost demand is not recorded
anywhere (a shopper who finds a SKU gone leaves no trace, and there are no orders yet), so it is
estimated: on each trading day (a day the node sold anything) a SKU of the node's range was out
of stock all day, its demand is taken as its mean daily sales on the days it was in stock. When
orders land, fill rate becomes "order lines promised to the node and fulfilled there / lines".
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from microindex.domain.movement import Movement, MovementKind


@dataclass(frozen=True, slots=True)
class FillRate:
    node: str
    served: int  # units sold at the node in the window
    lost_estimate: float  # units of estimated demand on out-of-stock days
    trading_days: int

    @property
    def rate(self) -> float | None:
        demand = self.served + self.lost_estimate
        return None if demand == 0 else self.served / demand


def fill_rate(
    node: str, movements: Iterable[Movement], start: date, end: date, zone: tzinfo
) -> FillRate:
    """Fill rate of `node` over days [start, end), from its whole ledger (in seq order); a
    day is the shop's, from midnight to midnight on the clock of `zone`."""
    stock: dict[str, int] = defaultdict(int)
    morning: dict[date, dict[str, int]] = {}
    sold: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m in movements:
        day = m.at.astimezone(zone).date()
        for d in _days(morning, start, min(day + timedelta(days=1), end)):
            morning[d] = dict(stock)  # before the day's first movement
        stock[m.sku] += m.on_hand_delta
        if m.kind is MovementKind.SELL and start <= day < end:
            sold[day][m.sku] -= m.quantity
    for d in _days(morning, start, end):
        morning[d] = dict(stock)
    trading = sorted(sold)
    in_range = {sku for d in trading for sku, q in morning[d].items() if q > 0}
    in_range |= {sku for d in trading for sku in sold[d]}
    served, lost = 0, 0.0
    for sku in in_range:
        on_days = [d for d in trading if morning[d].get(sku, 0) > 0 or sold[d].get(sku, 0)]
        units = sum(sold[d].get(sku, 0) for d in on_days)
        served += units
        if on_days:
            lost += units / len(on_days) * (len(trading) - len(on_days))
    return FillRate(node, served, lost, len(trading))


def _days(done: dict[date, dict[str, int]], start: date, upto: date) -> list[date]:
    """Days in [start, upto) not yet given a morning stock."""
    days, day = [], start
    while day < upto:
        if day not in done:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class SellThrough:
    node: str
    sku: str  # "" for the node as a whole
    sold: int
    on_hand: int

    @property
    def rate(self) -> float | None:
        total = self.sold + self.on_hand
        return None if total == 0 else self.sold / total


def sell_through(
    node: str, sold: dict[str, int], on_hand: dict[str, int]
) -> tuple[SellThrough, list[SellThrough]]:
    """Units sold / (sold + on hand now), for the node and per SKU (SKU order)."""
    skus = sorted(set(sold) | set(on_hand))
    lines = [SellThrough(node, s, sold.get(s, 0), on_hand.get(s, 0)) for s in skus]
    total = SellThrough(node, "", sum(sold.values()), sum(on_hand.values()))
    return total, lines


def units_sold(movements: Iterable[Movement], start: datetime, end: datetime) -> dict[str, int]:
    """Units sold per SKU in [start, end)."""
    sold: dict[str, int] = defaultdict(int)
    for m in movements:
        if m.kind is MovementKind.SELL and start <= m.at < end:
            sold[m.sku] -= m.quantity
    return dict(sold)


def weekly_units(movements: Iterable[Movement], weeks: Sequence[date], zone: tzinfo) -> list[int]:
    """Units sold in each week starting on the given days (7 of the shop's days each, on the
    clock of `zone`)."""
    totals = [0] * len(weeks)
    for m in movements:
        if m.kind is not MovementKind.SELL:
            continue
        day = m.at.astimezone(zone).date()
        for i, first in enumerate(weeks):
            if first <= day < first + timedelta(days=7):
                totals[i] -= m.quantity
    return totals


@dataclass(frozen=True, slots=True)
class PackageReturnRate:
    package_type: str
    orders: int  # orders sent in this package type
    returned: int  # of those, orders with a return opened against them

    @property
    def rate(self) -> float:
        return self.returned / self.orders if self.orders else 0.0


def package_return_rates(
    used: Iterable[tuple[str, str]], returned_refs: set[str]
) -> list[PackageReturnRate]:
    """Return rate by package type from (order ref, package type) pairs and returned refs."""
    orders: dict[str, int] = defaultdict(int)
    back: dict[str, int] = defaultdict(int)
    for ref, package_type in used:
        orders[package_type] += 1
        back[package_type] += ref in returned_refs
    return [PackageReturnRate(t, orders[t], back[t]) for t in sorted(orders)]


@dataclass(frozen=True, slots=True)
class Handover:
    """An order's promise and its handover (from the order lifecycle, issue 5)."""

    order_id: str
    node: str
    promised_at: datetime
    handed_over_at: datetime


@dataclass(frozen=True, slots=True)
class FulfilmentTime:
    node: str
    orders: int
    median_hours: float
    p90_hours: float


def time_to_fulfilment(handovers: Iterable[Handover]) -> list[FulfilmentTime]:
    """Hours from promise to handover per node (median, 90th percentile); nodes with orders."""
    hours: dict[str, list[float]] = defaultdict(list)
    for h in handovers:
        hours[h.node].append((h.handed_over_at - h.promised_at).total_seconds() / 3600)
    result = []
    for node, values in sorted(hours.items()):
        values.sort()
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        result.append(FulfilmentTime(node, len(values), statistics.median(values), p90))
    return result


@dataclass(frozen=True, slots=True)
class ListingAccuracy:
    """What a channel showed set against the truth at that moment (issue 8 measures it)."""

    channel: str
    checked: int
    accurate: int

    @property
    def rate(self) -> float | None:
        return None if self.checked == 0 else self.accurate / self.checked
