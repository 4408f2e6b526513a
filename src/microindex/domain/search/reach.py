"""Which nodes can serve a customer's location, and by when the goods would be in hand.

Times are wall-clock times at the node: `now` is read by the caller and passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from microindex.domain.node import Location, Node, OpeningHours

DEFAULT_PICKUP_KM = 5.0


class Method(StrEnum):
    PICKUP = "pickup"
    LOCAL_DELIVERY = "local-delivery"


@dataclass(frozen=True, slots=True)
class Reach:
    """How a node gets goods to the customer: the method, the distance and the ready-by time."""

    node: str
    method: Method
    distance_km: float
    ready_by: datetime
    minutes: int  # from now to ready_by, rounded up


def next_open(hours: OpeningHours, at: datetime) -> datetime | None:
    """The first moment at or after `at` when the node is open (None: never open)."""
    for day in range(8):
        date = (at + timedelta(days=day)).date()
        starts = sorted(
            opens
            for weekday, opens, closes in hours.spans
            if weekday == date.weekday() and (day > 0 or at.time() < closes)
        )
        for opens in starts:
            moment = datetime.combine(date, opens, tzinfo=at.tzinfo)
            return max(moment, at)
    return None


def reach(node: Node, customer: Location, now: datetime, pickup_km: float) -> Reach | None:
    """The fastest way `node` can serve `customer`: pickup within `pickup_km`, or local delivery
    within the node's radius. Preparation starts when the node is next open."""
    caps = node.capabilities
    distance = node.location.km_to(customer)
    start = next_open(node.opening_hours, now)
    if start is None:
        return None
    prepared = start + timedelta(minutes=caps.preparation_minutes)
    options: list[tuple[datetime, Method]] = []
    if caps.pickup and distance <= pickup_km:
        options.append((prepared, Method.PICKUP))
    if caps.local_delivery_speed_kmh > 0 and distance <= caps.local_delivery_radius_km:
        drive = timedelta(hours=distance / caps.local_delivery_speed_kmh)
        options.append((prepared + drive, Method.LOCAL_DELIVERY))
    if not options:
        return None
    ready, method = min(options)
    minutes = math.ceil((ready - now).total_seconds() / 60)
    return Reach(node.code.value, method, round(distance, 2), ready, minutes)


def reachable(
    nodes: Iterable[Node],
    customer: Location,
    now: datetime,
    pickup_km: float = DEFAULT_PICKUP_KM,
    within_minutes: int | None = None,
) -> dict[str, Reach]:
    """Every node that can serve `customer` (in time, when a limit is given), by node code."""
    found = {}
    for node in nodes:
        option = reach(node, customer, now, pickup_km)
        if option is not None and (within_minutes is None or option.minutes <= within_minutes):
            found[option.node] = option
    return found
