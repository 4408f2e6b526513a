"""When a node can have an order ready, and when the customer gets it.

Opening hours and carrier cut-offs are wall-clock times in the node's own time zone: every
time given is read on the node's clock first, and the answers are in its zone. Work happens
only while a node is open. `ready_by` is the one answer to "when could it be ready", for
promises, holds and search alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import lru_cache

from microindex.domain.node import Location, Node, OpeningHours

HORIZON_DAYS = 14
CARRIER_DAYS = frozenset(range(5))  # carriers collect Monday to Friday


class NeverOpen(Exception):
    """No opening within the horizon: the node cannot promise anything."""


@lru_cache(maxsize=256)
def _by_opening(spans: tuple[tuple[int, time, time], ...]) -> tuple[tuple[int, time, time], ...]:
    """A week's spans in the order they open (a node's hours are sorted once, not per order)."""
    return tuple(sorted(spans, key=lambda s: s[1]))


def _spans_from(hours: OpeningHours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The opening spans from `start` on, in order, as far as the caller reads them."""
    ordered = _by_opening(hours.spans)
    for offset in range(HORIZON_DAYS + 1):
        day = (start + timedelta(days=offset)).date()
        weekday = day.weekday()
        for on, opens, closes in ordered:
            if on == weekday:
                end = datetime.combine(day, closes, start.tzinfo)
                if end > start:
                    yield max(datetime.combine(day, opens, start.tzinfo), start), end


def ready_by(node: Node, at: datetime) -> datetime:
    """`preparation_minutes` of opening time after `at`, in the node's time zone."""
    need = timedelta(minutes=node.capabilities.preparation_minutes)
    for begin, end in _spans_from(node.opening_hours, node.local(at)):
        if end - begin >= need:
            return begin + need
        need -= end - begin
    raise NeverOpen(node.code.value)


def travel(origin: Location, destination: Location, speed_kmh: float) -> timedelta:
    return timedelta(hours=origin.km_to(destination) / max(speed_kmh, 1.0))


def shipped_at(ready: datetime, cutoff: time) -> datetime:
    """The carrier collection the parcel makes: today's if ready by the cut-off, else the next."""
    day = ready.date()
    if ready.timetz().replace(tzinfo=None) > cutoff:
        day += timedelta(days=1)
    while day.weekday() not in CARRIER_DAYS:
        day += timedelta(days=1)
    return datetime.combine(day, cutoff, ready.tzinfo)


def delivered_after_shipping(shipped: datetime, transit_days: int) -> datetime:
    day, left = shipped, transit_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() in CARRIER_DAYS:
            left -= 1
    return datetime.combine(day.date(), time(18), shipped.tzinfo)
