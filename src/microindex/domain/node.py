"""Nodes: the places stock lives (shopfront, locker, van, bench, warehouse, pop-up)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue


class NodeKind(StrEnum):
    STORE = "store"
    LOCKER = "locker"
    VAN = "van"
    BENCH = "bench"
    WAREHOUSE = "warehouse"
    POPUP = "popup"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise InvalidValue("lat", str(self.lat), "latitude is between -90 and 90")
        if not -180.0 <= self.lon <= 180.0:
            raise InvalidValue("lon", str(self.lon), "longitude is between -180 and 180")

    def km_to(self, other: Location) -> float:
        """Great-circle distance (haversine, mean Earth radius)."""
        lat1, lat2 = math.radians(self.lat), math.radians(other.lat)
        dlat = lat2 - lat1
        dlon = math.radians(other.lon - self.lon)
        a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * 6371.0088 * math.asin(math.sqrt(a))


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Per weekday (0 = Monday) a list of (opens, closes) spans; a missing day is closed."""

    spans: tuple[tuple[int, time, time], ...] = ()

    def __post_init__(self) -> None:
        for day, opens, closes in self.spans:
            if not 0 <= day <= 6:
                raise InvalidValue("opening_hours", str(day), "weekday is 0 (Monday) to 6")
            if closes <= opens:
                raise InvalidValue(
                    "opening_hours", f"{opens}-{closes}", "closing time must follow opening time"
                )

    @classmethod
    def every_day(cls, opens: time, closes: time, days: range = range(7)) -> OpeningHours:
        return cls(tuple((day, opens, closes) for day in days))

    @classmethod
    def always(cls) -> OpeningHours:
        return cls.every_day(time(0, 0), time(23, 59, 59))

    def is_open(self, weekday: int, at: time) -> bool:
        return any(d == weekday and o <= at < c for d, o, c in self.spans)

    def to_text(self) -> str:
        """Compact text form, e.g. `0 09:00-18:00;1 09:00-18:00`."""
        return ";".join(f"{d} {o:%H:%M}-{c:%H:%M}" for d, o, c in self.spans)

    @classmethod
    def from_text(cls, text: str) -> OpeningHours:
        spans: list[tuple[int, time, time]] = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            try:
                day, hours = part.split(" ", 1)
                opens, closes = hours.split("-")
                spans.append((int(day), time.fromisoformat(opens), time.fromisoformat(closes)))
            except ValueError:
                raise InvalidValue("opening_hours", part, "expected 'DAY HH:MM-HH:MM'") from None
        return cls(tuple(spans))


@dataclass(frozen=True, slots=True)
class Capabilities:
    pickup: bool = False
    local_delivery_radius_km: float = 0.0
    local_delivery_speed_kmh: float = 0.0
    ships: bool = False
    carrier_cutoff: time | None = None
    return_point: bool = False
    preparation_minutes: int = 30

    def __post_init__(self) -> None:
        if self.local_delivery_radius_km < 0 or self.local_delivery_speed_kmh < 0:
            raise InvalidValue("local_delivery", str(self.local_delivery_radius_km), "negative")
        if self.preparation_minutes < 0:
            raise InvalidValue("preparation_minutes", str(self.preparation_minutes), "negative")


def time_zone(key: str) -> ZoneInfo:
    """The IANA time zone named `key` (e.g. `Europe/London`); an unknown name is refused."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            "zone", key, "not an IANA time zone name (e.g. Europe/London, America/New_York)"
        ) from None


HOUR_S = 3600.0
LONGEST_OFFLINE_GAP_S = 7 * 24 * HOUR_S
OFFLINE_GAP_BY_KIND_S: dict[NodeKind, float] = {
    NodeKind.VAN: 4 * HOUR_S,  # out on its round, often out of reach
    NodeKind.POPUP: 4 * HOUR_S,  # a market stall on a phone's data
    NodeKind.LOCKER: 1 * HOUR_S,
    NodeKind.BENCH: 1 * HOUR_S,
    NodeKind.STORE: 0.25 * HOUR_S,  # a shopfront's line drops briefly
    NodeKind.WAREHOUSE: 0.25 * HOUR_S,
}


DEFAULT_PRIORITY = 100  # where the seller has not ranked a node
LOWEST_PRIORITY = 999


@dataclass(frozen=True, slots=True)
class Node:
    code: NodeCode
    kind: NodeKind
    name: str
    location: Location
    opening_hours: OpeningHours = field(default_factory=OpeningHours.always)
    capabilities: Capabilities = field(default_factory=Capabilities)
    zone: str = "UTC"  # IANA time zone: its opening hours and cut-offs are wall-clock times there
    offline_gap_s: float | None = None  # the seller's word; None: the default for its kind
    priority: int = DEFAULT_PRIORITY  # the seller's ranking: lower first, where plans tie

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidValue("name", self.name, "a node name has 1-200 characters")
        time_zone(self.zone)
        gap = self.offline_gap_s
        if gap is not None and not 0 <= gap <= LONGEST_OFFLINE_GAP_S:
            raise InvalidValue("offline_gap", str(gap), "an offline gap is 0 to 7 days")
        if not 1 <= self.priority <= LOWEST_PRIORITY:
            raise InvalidValue(
                "priority", str(self.priority), f"a priority is 1 (first) to {LOWEST_PRIORITY}"
            )

    def local(self, at: datetime) -> datetime:
        """`at` on the node's own clock (its time zone)."""
        return at.astimezone(time_zone(self.zone))

    @property
    def expected_offline_gap_s(self) -> float:
        """How long the node is expected to be out of reach at a time: its local stock rights
        cover its walk-in demand over this long."""
        if self.offline_gap_s is not None:
            return self.offline_gap_s
        return OFFLINE_GAP_BY_KIND_S[self.kind]
