"""A van's or market stall's day: a round of stops with times and places, and its service area.

Where the van is at a moment (at a stop, or on the road between two, placed in proportion to
the time), the state the promise engine needs for it, and the stop where a customer would
best meet it. Pure: the time is always passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.node import Location, Node

if TYPE_CHECKING:  # the promise rules load with a promise, not with every sync store
    from microindex.domain.promise.candidates import Candidate


@dataclass(frozen=True, slots=True)
class Stop:
    """The van stands at `location` from `arrives` until `leaves`."""

    arrives: datetime
    leaves: datetime
    location: Location
    label: str = ""

    def __post_init__(self) -> None:
        if self.leaves < self.arrives:
            raise InvalidValue("leaves", self.leaves.isoformat(), "a stop ends after it starts")


@dataclass(frozen=True, slots=True)
class ServiceArea:
    """Where the van serves: within `radius_km` of `centre`."""

    centre: Location
    radius_km: float

    def __post_init__(self) -> None:
        if self.radius_km <= 0:
            raise InvalidValue("radius_km", str(self.radius_km), "a service area has a radius")

    def covers(self, where: Location) -> bool:
        return self.centre.km_to(where) <= self.radius_km


@dataclass(eq=False)
class OutsideServiceArea(DomainError):
    node: str
    km: float
    radius_km: float
    code = "outside_service_area"

    def __str__(self) -> str:
        return f"{self.km:.1f} km from {self.node}'s area centre, beyond {self.radius_km:g} km"


@dataclass(eq=False)
class NoStopLeft(DomainError):
    node: str
    after: str
    code = "no_stop_left"

    def __str__(self) -> str:
        return f"{self.node} has no stop left on its round after {self.after}"


@dataclass(frozen=True, slots=True)
class Round:
    """A node's stops for one day, in time order, never overlapping."""

    node: str
    stops: tuple[Stop, ...]

    def __post_init__(self) -> None:
        if not self.stops:
            raise InvalidValue("stops", "", "a round has at least one stop")
        for before, after in zip(self.stops, self.stops[1:], strict=False):
            if after.arrives < before.leaves:
                raise InvalidValue(
                    "stops",
                    after.label or after.arrives.isoformat(),
                    "stops are in time order and do not overlap",
                )

    @classmethod
    def of(cls, node: str, stops: Sequence[Stop]) -> Round:
        return cls(node, tuple(sorted(stops, key=lambda s: s.arrives)))

    def stop_at(self, at: datetime) -> Stop | None:
        """The stop the van stands at, at `at` (None: on the road, or off its round)."""
        return next((s for s in self.stops if s.arrives <= at <= s.leaves), None)

    def position(self, at: datetime) -> Location:
        """Where the van is: at a stop; between two, on the straight line in proportion to the
        time; before the round at its first stop, after it at its last."""
        first, last = self.stops[0], self.stops[-1]
        if at <= first.arrives:
            return first.location
        if at >= last.leaves:
            return last.location
        for before, after in zip(self.stops, self.stops[1:], strict=False):
            if before.arrives <= at <= before.leaves:
                return before.location
            if before.leaves < at < after.arrives:
                share = (at - before.leaves) / (after.arrives - before.leaves)
                return _between(before.location, after.location, share)
        return last.location

    def ahead(self, at: datetime) -> list[Stop]:
        """The stops the van has not yet left."""
        return [s for s in self.stops if s.leaves >= at]


def _between(a: Location, b: Location, share: float) -> Location:
    return Location(a.lat + (b.lat - a.lat) * share, a.lon + (b.lon - a.lon) * share)


def van_state(node: Node, round_: Round | None, at: datetime) -> Candidate:
    """The van as place_order's `states` wants it: positioned where its round has it now
    (the online rights are filled in by place_order)."""
    from microindex.domain.promise.candidates import Candidate

    if round_ is None:
        return Candidate(node, {})
    return Candidate(node, {}, position=round_.position(at))


@dataclass(frozen=True, slots=True)
class Handover:
    """Where and when the customer meets the van: a stop still ahead, `km` from them."""

    stop: Stop
    km: float


def handover(
    round_: Round, customer: Location, after: datetime, area: ServiceArea | None = None
) -> Handover:
    """The stop still ahead nearest the customer (the earliest of equally near ones)."""
    if area is not None and not area.covers(customer):
        km = area.centre.km_to(customer)
        raise OutsideServiceArea(round_.node, km, area.radius_km)
    ahead = round_.ahead(after)
    if not ahead:
        raise NoStopLeft(round_.node, after.isoformat())
    best = min(ahead, key=lambda s: (round(s.location.km_to(customer), 3), s.arrives))
    return Handover(best, best.location.km_to(customer))
