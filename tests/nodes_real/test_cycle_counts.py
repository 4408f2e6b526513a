"""Cycle counts by risk: fast sellers, past variances, high value and sales at zero first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.governance_memory import MemoryGovernanceDatabase
from microindex.adapters.governance_wiring import governance_database
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.cycle_counts import SkuRisk, daily_list
from microindex.domain.errors import InvalidValue
from microindex.domain.reconciliation import Tolerance
from microindex.service import cycle_counts, reconciliation
from microindex.service import stock as stock_service
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory
from tests.nodes_real.conftest import LAMP, MUG
from tests.sales import sell

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_the_riskiest_skus_come_first_and_the_list_is_short() -> None:
    risks = [SkuRisk(f"S{i:02}", units_per_day=0.1) for i in range(30)]
    risks += [
        SkuRisk("FAST", units_per_day=9.0),
        SkuRisk("WRONG", variance_rate=1.0),
        SkuRisk("DEAR", unit_value=Decimal("900")),
        SkuRisk("ZERO", at_zero=5),
    ]
    due = daily_list(risks, TODAY, size=10)
    assert len(due) == 10
    assert due[0].sku == "ZERO" and due[0].reasons == ("sold at zero stock",)
    assert {d.sku for d in due[1:4]} == {"FAST", "WRONG", "DEAR"}


def test_a_sku_counted_this_week_waits_its_turn() -> None:
    recent = SkuRisk("ZERO", at_zero=5, last_counted=TODAY - timedelta(days=2))
    old = SkuRisk("OLD", units_per_day=1.0, last_counted=TODAY - timedelta(days=30))
    assert [d.sku for d in daily_list([recent, old], TODAY)] == ["OLD"]


def test_a_sku_counted_today_leaves_the_list_and_nothing_takes_its_place() -> None:
    risks = [
        SkuRisk("FAST", units_per_day=9.0, counted_today=True),
        SkuRisk("WRONG", variance_rate=1.0),
        SkuRisk("SLOW", units_per_day=0.5),
    ]
    assert [d.sku for d in daily_list(risks, TODAY, size=2)] == ["WRONG"]


def test_a_list_has_at_least_one_sku() -> None:
    with pytest.raises(InvalidValue):
        daily_list([], TODAY, size=0)


def test_a_nodes_list_is_read_from_its_ledger_and_its_counts(tmp_path: Path) -> None:
    database = SqliteSyncDatabase(tmp_path / "van.sqlite")
    database.migrate()
    node_db = governance_database(database)
    try:
        with node_db() as uow:
            uow.catalog.upsert([MUG, LAMP])
            uow.commit()
        start = NOW - timedelta(weeks=2)
        stock_service.receive(node_db, "van", "MUG", 60, start)
        stock_service.receive(node_db, "van", "LAMP", 2, start)
        for day in range(12):
            sell(node_db, "van", "MUG", 4, start + timedelta(days=day, hours=2))
        parsed = reconciliation.ParsedCounts([reconciliation.CountRow("LAMP", 1)], [], 1, [1])
        reconciliation.submit_counts(node_db, "van", parsed, start + timedelta(days=1))
        reconciliation.reconcile(node_db, "van", Tolerance(), start + timedelta(days=1))
        due = cycle_counts.today(node_db, "van", NOW, UTC)
        # the lamp was counted wrong and is dear: before the mug that sells most
        assert [d.sku for d in due] == ["LAMP", "MUG"]
        assert due[0].reasons == ("counted wrong before", "high value")
        assert due[1].score > 0
    finally:
        database.close()


@pytest.fixture(params=["memory", "sqlite"])
def van_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GovernanceUnitOfWorkFactory]:
    """The van's own database, with the mug and the lamp in its catalog copy."""
    database = None
    node_db: GovernanceUnitOfWorkFactory
    if request.param == "memory":
        node_db = MemoryGovernanceDatabase()
    else:
        database = SqliteSyncDatabase(tmp_path / "van.sqlite")
        database.migrate()
        node_db = governance_database(database)
    with node_db() as uow:
        uow.catalog.upsert([MUG, LAMP])
        uow.commit()
    yield node_db
    if database is not None:
        database.close()


def _busy_van(node_db: GovernanceUnitOfWorkFactory) -> None:
    """Two weeks of the van: mugs selling every day, two dear lamps on board."""
    start = NOW - timedelta(weeks=2)
    stock_service.receive(node_db, "van", "MUG", 60, start)
    stock_service.receive(node_db, "van", "LAMP", 2, start)
    for day in range(12):
        sell(node_db, "van", "MUG", 4, start + timedelta(days=day, hours=2))


def test_a_count_that_matches_takes_the_sku_off_todays_list(
    van_db: GovernanceUnitOfWorkFactory,
) -> None:
    _busy_van(van_db)
    assert [d.sku for d in cycle_counts.today(van_db, "van", NOW, UTC)] == ["LAMP", "MUG"]
    head = stock_service.ledger_head(van_db, "van")
    result = stock_service.count(van_db, "van", "LAMP", 2, NOW + timedelta(hours=1), head)
    assert result.adjustment is None  # nothing to adjust: only the count itself is recorded
    later = NOW + timedelta(hours=2)
    assert [d.sku for d in cycle_counts.today(van_db, "van", later, UTC)] == ["MUG"]
    tomorrow = NOW + timedelta(days=1)
    assert [d.sku for d in cycle_counts.today(van_db, "van", tomorrow, UTC)] == ["MUG"]  # waits


def test_the_days_list_holds_still_while_the_day_goes_on(
    van_db: GovernanceUnitOfWorkFactory,
) -> None:
    _busy_van(van_db)
    morning = cycle_counts.today(van_db, "van", NOW, UTC, size=1)
    assert [d.sku for d in morning] == ["LAMP"]
    stock_service.receive(van_db, "van", "MUG", 300, NOW)
    for hour in range(1, 6):  # the mug sells as never before: by tomorrow it leads the list
        sell(van_db, "van", "MUG", 60, NOW + timedelta(hours=hour))
    assert cycle_counts.today(van_db, "van", NOW + timedelta(hours=6), UTC, size=1) == morning
    tomorrow = cycle_counts.today(van_db, "van", NOW + timedelta(days=1), UTC, size=1)
    assert [d.sku for d in tomorrow] == ["MUG"]


def test_the_count_sheet_names_each_sku_and_where_it_is_kept(
    van_db: GovernanceUnitOfWorkFactory,
) -> None:
    _busy_van(van_db)
    sheet = cycle_counts.count_sheet(van_db, "van", NOW, UTC, bins={"MUG": ["B2", "A1"]})
    assert [(line.sku, line.title, line.bins) for line in sheet] == [
        ("LAMP", "Floor lamp", ()),
        ("MUG", "Stoneware mug", ("B2", "A1")),
    ]
    assert sheet[1].reasons == ("sells fast",)
