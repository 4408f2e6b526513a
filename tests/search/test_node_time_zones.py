"""Opening hours are the node's local time: one ready-by rule for search and promises."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.promise.timing import ready_by
from microindex.domain.search.reach import reach

HERE = Location(51.5363, -0.0618)


def _shop(zone: str) -> Node:
    return Node(
        NodeCode("shopfront"),
        NodeKind.STORE,
        "Shop",
        HERE,
        OpeningHours.every_day(time(10), time(18)),
        Capabilities(pickup=True, preparation_minutes=20),
        zone=zone,
    )


def test_in_july_a_london_node_at_1750_local_is_ready_the_next_morning_local() -> None:
    shop = _shop("Europe/London")
    at = datetime(2026, 7, 16, 16, 50, tzinfo=UTC)  # 17:50 BST, ten minutes before closing
    ready = ready_by(shop, at)
    assert ready == datetime(2026, 7, 17, 9, 10, tzinfo=UTC)  # 10:10 BST
    assert f"{ready:%H:%M %Z}" == "10:10 BST"
    option = reach(shop, HERE, at, pickup_km=5)
    assert option is not None and option.ready_by == ready


def test_in_november_the_same_node_reads_its_hours_as_gmt() -> None:
    shop = _shop("Europe/London")
    at = datetime(2026, 11, 26, 16, 50, tzinfo=UTC)  # 16:50 GMT: an hour left
    assert f"{ready_by(shop, at):%H:%M %Z}" == "17:10 GMT"
    option = reach(shop, HERE, at, pickup_km=5)
    assert option is not None and option.ready_by == ready_by(shop, at)


def test_a_node_in_new_york_opens_at_ten_new_york_time() -> None:
    shop = _shop("America/New_York")
    at = datetime(2026, 7, 16, 13, 0, tzinfo=UTC)  # 09:00 EDT: not open yet
    ready = ready_by(shop, at)
    assert ready == datetime(2026, 7, 16, 14, 20, tzinfo=UTC) and f"{ready:%H:%M %Z}" == "10:20 EDT"
    option = reach(shop, HERE, at, pickup_km=5)
    assert option is not None and option.minutes == 80
    assert ready_by(_shop("UTC"), at) == at + timedelta(minutes=20)  # 13:00 UTC: open


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    for zone in ("Mars/Olympus", "../etc/passwd", ""):
        with pytest.raises(InvalidValue, match="IANA time zone"):
            _shop(zone)
