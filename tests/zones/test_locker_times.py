"""What a locker tells a shopper at its keypad is on the locker's clock, not UTC's: in Auckland
(UTC+13) a locker locked after too many wrong codes at 23:40 on 7 December takes codes again
from 23:55 there, not "10:55 UTC". Through the hub's API (either hub)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.zones.shop import AUCKLAND, shop

LOCKER = {
    "code": "locker", "kind": "locker", "name": "Beach locker", "lat": -36.85, "lon": 174.78,
    "capabilities": {"pickup": True},
}  # fmt: skip
LATE = datetime(2026, 12, 7, 10, 40, tzinfo=UTC)  # 23:40 on 7 Dec there


def test_a_locked_locker_says_until_when_on_its_own_clock(
    tmp_path: Path, hub_url: str | None
) -> None:
    with shop(tmp_path, AUCKLAND, LATE, hub_url) as surf:
        surf.call("POST", "/nodes", json=LOCKER)
        collect = "/api/v1/nodes/locker/pickups/collect"
        answers = [
            surf.client.post(collect, json={"code": "000000"}, headers=surf.headers)
            for _ in range(6)
        ]
    assert [a.status_code for a in answers] == [403] * 5 + [429]
    said = answers[-1].json()["error"]["message"]
    assert said == "too many wrong codes at locker: it takes no code until 2026-12-07 23:55 NZDT"
