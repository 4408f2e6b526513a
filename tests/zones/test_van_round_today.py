"""A van's round today is its day on its own clock: the taco truck in Los Angeles (UTC-8)
works 7 December from 09:00 to 17:00 there, 17:00 UTC to 01:00 UTC on the 8th; at 16:30
(00:30 UTC on the 8th) it is on that round, where it is now, and a customer can meet it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.zones.shop import LOS_ANGELES, shop

VAN = {"code": "truck", "kind": "van", "name": "Taco truck", "lat": 34.05, "lon": -118.24}
STOPS = [
    {"arrives": "2026-12-07T17:00:00Z", "leaves": "2026-12-07T21:00:00Z",
     "lat": 34.05, "lon": -118.25, "label": "Grand Park"},
    {"arrives": "2026-12-07T22:00:00Z", "leaves": "2026-12-08T01:00:00Z",
     "lat": 34.10, "lon": -118.33, "label": "Hollywood"},
]  # fmt: skip
LATE_AFTERNOON = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # 16:30 on 7 Dec there


def test_at_half_past_four_the_truck_is_on_the_days_round(
    tmp_path: Path, hub_url: str | None
) -> None:
    with shop(tmp_path, LOS_ANGELES, datetime(2026, 12, 7, 16, tzinfo=UTC), hub_url) as truck:
        truck.call("POST", "/nodes", json=VAN)
        truck.call("PUT", "/nodes/truck/rounds/2026-12-07", json={"stops": STOPS})
        truck.at(LATE_AFTERNOON)
        where = truck.call("GET", "/nodes/truck/position")
        assert where["on_round"] is True, where
        assert (where["lat"], where["lon"]) == (34.10, -118.33)
        met = truck.call("GET", "/nodes/truck/meet", params={"lat": 34.1, "lon": -118.33})
        assert met["stop"]["label"] == "Hollywood", met
