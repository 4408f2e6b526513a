"""Which nodes can serve a customer's location, and by when the goods would be in hand.

`now` is read by the caller and passed in; the node's opening hours are read in its own time
zone, through the one ready-by rule promises use (`promise.timing.ready_by`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from microindex.domain.node import Location, Node
from microindex.domain.promise.timing import NeverOpen, ready_by

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


def reach(node: Node, customer: Location, now: datetime, pickup_km: float) -> Reach | None:
    """The fastest way `node` can serve `customer`: pickup within `pickup_km`, or local delivery
    within the node's radius. Preparation takes opening time only (`ready_by`)."""
    caps = node.capabilities
    distance = node.location.km_to(customer)
    try:
        prepared = ready_by(node, now)
    except NeverOpen:
        return None
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
