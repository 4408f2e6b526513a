"""A van's round today is its day on its own clock: the taco truck in Los Angeles (UTC-8)
works 7 December from 09:00 to 17:00 there, 17:00 UTC to 01:00 UTC on the 8th; at 16:30
(00:30 UTC on the 8th) it is on that round, where it is now, and a customer can meet it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from microindex.entrypoints.cli.context import CliState
from tests.zones.shop import AUCKLAND, LOS_ANGELES, shop

runner = CliRunner()

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


def test_a_round_set_from_the_command_line_is_on_the_vans_clock(tmp_path: Path) -> None:
    """At 08:00 on 8 December in Auckland (19:00 UTC on the 7th) the surf van's round for
    today is set with a stop at 09:00: that is 9 o'clock there on the 8th (20:00 UTC)."""
    with shop(tmp_path, AUCKLAND, datetime(2026, 12, 7, 19, tzinfo=UTC)) as surf:
        surf.call("POST", "/nodes", json={**VAN, "code": "van", "lat": -36.85, "lon": 174.76})
        ws, state = str(surf.workspace.settings.workspace), CliState(clock=surf.clock)
        stop = "09:00-10:00@-36.85,174.76:Mission Bay"
        made = runner.invoke(
            app, ["-w", ws, "van", "round", "set", "van", "--stop", stop], obj=state
        )
        assert made.exit_code == 0, made.output
        assert "on 2026-12-08" in made.output
        surf.at(datetime(2026, 12, 7, 20, 30, tzinfo=UTC))  # 09:30 there
        shown = runner.invoke(app, ["-w", ws, "van", "round", "show", "van", "--json"], obj=state)
        assert shown.exit_code == 0, shown.output
        stops = json.loads(shown.output)["stops"]
        arrives = [datetime.fromisoformat(s["arrives"]) for s in stops]
        assert arrives == [datetime(2026, 12, 7, 20, 0, tzinfo=UTC)], stops
        assert stops[0]["arrives"].endswith("+13:00")  # said on the van's clock
        table = runner.invoke(app, ["-w", ws, "van", "round", "show", "van"], obj=state)
        assert "09:00" in table.output and "10:00" in table.output, table.output
