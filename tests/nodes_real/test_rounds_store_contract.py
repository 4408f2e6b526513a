"""The rounds and pop-ups store behaves the same on a SQLite hub and a PostgreSQL hub."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from microindex.domain.node import Location
from microindex.domain.popup import PopUp
from microindex.domain.round import Round, ServiceArea, Stop
from tests.nodes_real.conftest import RoundsHub

NINE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = NINE.date()
HOUR = timedelta(hours=1)
WEEKEND = PopUp("market-stall", "shopfront", date(2026, 11, 28), date(2026, 11, 29))


def _round(*labels: str) -> Round:
    stops = [
        Stop(NINE + 2 * i * HOUR, NINE + (2 * i + 1) * HOUR, Location(51.5 + i / 100, -0.1), s)
        for i, s in enumerate(labels)
    ]
    return Round.of("van", stops)


def test_a_round_comes_back_stop_for_stop_in_order(rounds_hub: RoundsHub) -> None:
    with rounds_hub.rounds() as uow:
        uow.rounds.set_round(DAY, _round("Market Sq", "Library", "Park gate"))
        uow.commit()
    with rounds_hub.rounds() as uow:
        found = uow.rounds.round("van", DAY)
    assert found == _round("Market Sq", "Library", "Park gate")
    assert found is not None and found.stops[0].arrives.utcoffset() == timedelta(0)


def test_setting_a_round_replaces_that_day_only(rounds_hub: RoundsHub) -> None:
    tomorrow = DAY + timedelta(days=1)
    with rounds_hub.rounds() as uow:
        uow.rounds.set_round(DAY, _round("Market Sq", "Library"))
        uow.rounds.set_round(tomorrow, _round("Park gate"))
        uow.rounds.set_round(DAY, _round("Station"))
        uow.commit()
    with rounds_hub.rounds() as uow:
        assert uow.rounds.round("van", DAY) == _round("Station")
        assert uow.rounds.round("van", tomorrow) == _round("Park gate")
        assert uow.rounds.round("van", DAY - timedelta(days=1)) is None
        assert uow.rounds.round("bike", DAY) is None


def test_a_service_area_is_set_then_moved(rounds_hub: RoundsHub) -> None:
    with rounds_hub.rounds() as uow:
        assert uow.rounds.area("van") is None
        uow.rounds.set_area("van", ServiceArea(Location(51.5, -0.1), 8))
        uow.rounds.set_area("van", ServiceArea(Location(51.6, -0.2), 12.5))
        uow.commit()
    with rounds_hub.rounds() as uow:
        assert uow.rounds.area("van") == ServiceArea(Location(51.6, -0.2), 12.5)


def test_popups_are_saved_updated_and_listed_by_opening_day(rounds_hub: RoundsHub) -> None:
    earlier = PopUp("school-fair", "shopfront", date(2026, 11, 21), date(2026, 11, 21))
    moved = PopUp("market-stall", "warehouse", date(2026, 12, 5), date(2026, 12, 6))
    with rounds_hub.rounds() as uow:
        uow.popups.save(WEEKEND)
        uow.popups.save(earlier)
        uow.commit()
    with rounds_hub.rounds() as uow:
        assert uow.popups.get("market-stall") == WEEKEND
        assert uow.popups.get("van") is None
        assert uow.popups.listed() == [earlier, WEEKEND]
        uow.popups.save(moved)
        uow.commit()
    with rounds_hub.rounds() as uow:
        assert uow.popups.listed() == [earlier, moved]


def test_work_left_without_commit_is_rolled_back(rounds_hub: RoundsHub) -> None:
    with rounds_hub.rounds() as uow:
        uow.rounds.set_round(DAY, _round("Market Sq"))
        uow.rounds.set_area("van", ServiceArea(Location(51.5, -0.1), 8))
        uow.popups.save(WEEKEND)
    with rounds_hub.rounds() as uow:
        assert uow.rounds.round("van", DAY) is None
        assert uow.rounds.area("van") is None
        assert uow.popups.listed() == []


def test_after_a_commit_the_unit_of_work_goes_on_in_a_new_transaction(
    rounds_hub: RoundsHub,
) -> None:
    with rounds_hub.rounds() as uow:
        uow.popups.save(WEEKEND)
        uow.commit()
        uow.rounds.set_round(DAY, _round("Market Sq"))
    with rounds_hub.rounds() as uow:
        assert uow.popups.listed() == [WEEKEND]
        assert uow.rounds.round("van", DAY) is None
