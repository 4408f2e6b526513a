"""The demo shows nodes as they are: a locker pickup, a van on its round, a pop-up weekend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.bootstrap import bootstrap
from microindex.demo.nodes_real import STALL, coming_weekend
from microindex.demo.scenario import build_demo
from microindex.domain.transfer import TransferState
from microindex.service import lockers, rounds, transfers
from microindex.settings import Settings

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_the_coming_weekend_starts_on_saturday() -> None:
    assert coming_weekend(date(2026, 11, 26)) == (date(2026, 11, 28), date(2026, 11, 29))
    assert coming_weekend(date(2026, 11, 28)) == (date(2026, 11, 28), date(2026, 11, 29))


def test_the_demo_has_a_locker_pickup_a_van_round_and_a_popup_weekend(tmp_path: Path) -> None:
    ws = bootstrap(Settings(tmp_path / "shop"), clock=lambda: THURSDAY)
    try:
        made = build_demo(ws, seed=7, today=THURSDAY.date()).real
        assert isinstance(ws.hub, SqliteSyncDatabase)
        ops = SqliteNodeOps(ws.hub)
        assert made.pickup is not None and len(made.pickup.code) == 6
        busy = [order for _, order in lockers.compartments(ops, "locker") if order]
        assert busy == [made.pickup.assignment.order]
        today = rounds.round_for(SqliteRoundsDatabase(ws.hub), "van", THURSDAY.date())
        assert today is not None and len(today.stops) == made.van_stops == 4
        assert (made.popup.opens_on, made.popup.closes_on) == coming_weekend(THURSDAY.date())
        fill = made.plan.transfer
        assert fill is not None and (fill.sender, fill.receiver) == ("shopfront", STALL)
        assert transfers.get(ops, fill.ident).state is TransferState.PACKED
    finally:
        ws.close()
