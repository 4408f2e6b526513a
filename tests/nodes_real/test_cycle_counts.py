"""Cycle counts by risk: fast sellers, past variances, high value and sales at zero first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.governance_wiring import governance_database
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.cycle_counts import SkuRisk, daily_list
from microindex.domain.errors import InvalidValue
from microindex.domain.reconciliation import Tolerance
from microindex.service import cycle_counts, reconciliation
from microindex.service import stock as stock_service
from tests.nodes_real.conftest import LAMP, MUG

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
            stock_service.sell(node_db, "van", "MUG", 4, start + timedelta(days=day, hours=2))
        parsed = reconciliation.ParsedCounts([reconciliation.CountRow("LAMP", 1)], [], 1, [1])
        reconciliation.submit_counts(node_db, "van", parsed, start + timedelta(days=1))
        reconciliation.reconcile(node_db, "van", Tolerance(), start + timedelta(days=1))
        due = cycle_counts.today(node_db, "van", NOW)
        # the lamp was counted wrong and is dear: before the mug that sells most
        assert [d.sku for d in due] == ["LAMP", "MUG"]
        assert due[0].reasons == ("counted wrong before", "high value")
        assert due[1].score > 0
    finally:
        database.close()
