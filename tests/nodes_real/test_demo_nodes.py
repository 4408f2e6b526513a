"""The demo shows nodes as they are: a locker pickup, a van on its round, a pop-up weekend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.nodes_real import NodesAsTheyAre
from microindex.demo.popup_weekend import STALL, last_weekend, told
from microindex.demo.scenario import build_demo
from microindex.domain.movement import MovementKind, Tag
from microindex.domain.promise.lifecycle import Step
from microindex.domain.transfer import Transfer, TransferState
from microindex.service import lockers, promise, rounds, transfers
from microindex.service.ledger_history import all_movements
from microindex.settings import Settings

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
STATES = [
    TransferState.REQUESTED,
    TransferState.PACKED,
    TransferState.IN_TRANSIT,
    TransferState.RECEIVED,
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, NodesAsTheyAre]]:
    ws = bootstrap(Settings(tmp_path_factory.mktemp("demo") / "shop"), clock=lambda: THURSDAY)
    try:
        yield ws, build_demo(ws, seed=7, today=THURSDAY.date()).real
    finally:
        ws.close()


def test_last_weekend_is_over_by_yesterday() -> None:
    assert last_weekend(date(2026, 11, 26)) == (date(2026, 11, 21), date(2026, 11, 22))
    assert last_weekend(date(2026, 11, 23)) == (date(2026, 11, 21), date(2026, 11, 22))  # Mon
    assert last_weekend(date(2026, 11, 22)) == (date(2026, 11, 14), date(2026, 11, 15))  # Sun


def test_the_demo_has_a_locker_pickup_and_a_van_round(
    demo: tuple[Workspace, NodesAsTheyAre],
) -> None:
    ws, made = demo
    ops = _ops(ws)
    assert made.pickup is not None and len(made.pickup.code) == 6
    busy = [order for _, order in lockers.compartments(ops, "locker") if order]
    assert busy == [made.pickup.assignment.order]
    waiting = promise.get_order(ws.hub, made.pickup.assignment.order).order
    assert waiting.step is Step.CONFIRMED  # no checkout lease releases it from its compartment
    assert isinstance(ws.hub, SqliteSyncDatabase)
    today = rounds.round_for(SqliteRoundsDatabase(ws.hub), "van", THURSDAY.date())
    assert today is not None and len(today.stops) == made.van_stops == 4
    assert made.van_told() == (
        "The van on today's round: 4 stops, Hackney Central 09:30 to Stoke Newington Church St 16:30"
    )


def test_the_popup_weekend_shows_its_transfers_in_and_out(
    demo: tuple[Workspace, NodesAsTheyAre],
) -> None:
    ws, made = demo
    weekend, ops = made.weekend, _ops(ws)
    popup = weekend.popup
    assert (popup.opens_on, popup.closes_on) == last_weekend(THURSDAY.date())
    fill, home = _stored(ops, weekend.fill), _stored(ops, weekend.home)
    assert (fill.sender, fill.receiver) == ("shopfront", STALL)
    assert (home.sender, home.receiver) == (STALL, "shopfront")
    for transfer in (fill, home):
        assert [e.state for e in transfer.events] == STATES
        assert transfer.state is TransferState.RECEIVED
        assert transfer.requested == transfer.shipped == transfer.arrived
    opened = datetime.combine(popup.opens_on, datetime.min.time(), UTC).replace(hour=9)
    assert fill.events[-1].at < opened  # on the table before the stall opened
    assert home.events[0].at.date() == popup.closes_on  # `popup close` at closing time
    assert home.events[-1].at.date() < THURSDAY.date()  # the weekend is over
    assert sum(weekend.sold.values()) > 0
    said = told(weekend)
    assert said.startswith(f"Pop-up {STALL}, Sat 21 Nov to Sun 22 Nov: ")
    assert f"{sum(fill.arrived.values())} units in from shopfront (received Sat 08:30)" in said
    assert f"{sum(home.arrived.values())} units back to shopfront (received Sun " in said


def test_no_popup_unit_is_counted_at_both_ends(demo: tuple[Workspace, NodesAsTheyAre]) -> None:
    ws, made = demo
    fill, home, sold = made.weekend.fill, made.weekend.home, made.weekend.sold
    assert fill is not None and home is not None
    shop, stall = _moved(ws, "shopfront"), _moved(ws, STALL)
    assert shop[fill.ident] == Counter({s: -q for s, q in fill.shipped.items()})
    assert stall[fill.ident] == Counter(fill.arrived)
    assert stall[home.ident] == Counter({s: -q for s, q in home.shipped.items()})
    assert shop[home.ident] == Counter(home.arrived)
    assert stall["sold"] == Counter({s: -q for s, q in sold.items()})
    assert Counter(fill.arrived) == Counter(sold) + Counter(home.shipped)  # all of it went home
    with ws.node(STALL)() as uow:
        assert all(line.on_hand == 0 for line in uow.ledger.stock(STALL))
    in_transit = transfers.stock_in_transit(_ops(ws))
    assert not [key for key in in_transit if STALL in key]


def _ops(ws: Workspace) -> SqliteNodeOps:
    assert isinstance(ws.hub, SqliteSyncDatabase)
    return SqliteNodeOps(ws.hub)


def _stored(ops: SqliteNodeOps, transfer: Transfer | None) -> Transfer:
    assert transfer is not None
    found = transfers.get(ops, transfer.ident)
    assert found.state is transfer.state
    return found


def _moved(ws: Workspace, node: str) -> dict[str, Counter[str]]:
    """The node's own units moved, by transfer id (its tag's) or "sold"."""
    moved: dict[str, Counter[str]] = {}
    for m in all_movements(ws.node(node), node):
        if m.kind is MovementKind.SELL:
            moved.setdefault("sold", Counter())[m.sku] += m.quantity
        elif m.tag is Tag.TRANSFER and m.tag_id.startswith("popup-"):
            moved.setdefault(m.tag_id, Counter())[m.sku] += m.quantity
    return moved
