"""Pop-ups: add one with its dates, plan its assortment and the transfers that fill it from
home before it opens, and when it closes the transfer that takes the rest home.

The assortment comes from triage of the pop-up's own sales history; a pop-up with none (its
first event) takes the network's best sellers. Transfers are requested (service.transfers):
home packs and ships them as any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from microindex.domain.errors import DomainError
from microindex.domain.node import Node
from microindex.domain.popup import PopUp, assortment, fill, take_home
from microindex.domain.transfer import Transfer, TransferState
from microindex.service import nodes as node_service
from microindex.service import rights, transfers, triage
from microindex.service.ledger_history import all_movements
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.remote_nodes import ledger_of
from microindex.service.rounds_ports import RoundsFactory
from microindex.service.sync_ports import SyncUnitOfWorkFactory

HISTORY = timedelta(weeks=8)
ASSORTMENT = 30


@dataclass(eq=False)
class UnknownPopUp(DomainError):
    node: str
    code = "unknown_popup"

    def __str__(self) -> str:
        return f"{self.node} is not a pop-up (no opening and closing dates)"


@dataclass(frozen=True, slots=True)
class PopUpPlan:
    popup: PopUp
    wanted: dict[str, int]  # the assortment: SKU -> units for the whole event
    basis: str  # "triage" (its own history) or "best sellers" (the network's)
    transfer: Transfer | None  # the fill from home (None: nothing to send)


def add(
    hub: UnitOfWorkFactory, rounds: RoundsFactory, popup: PopUp, node: Node | None = None
) -> PopUp:
    """Record the pop-up's dates (registering its node first when given)."""
    if node is not None:
        node_service.add_node(hub, node)
    else:
        node_service.get_node(hub, popup.node)
    node_service.get_node(hub, popup.home)
    with rounds() as uow:
        uow.popups.save(popup)
        uow.commit()
    return popup


def get(rounds: RoundsFactory, node: str) -> PopUp:
    with rounds() as uow:
        found = uow.popups.get(node)
    if found is None:
        raise UnknownPopUp(node)
    return found


def listed(rounds: RoundsFactory) -> list[PopUp]:
    with rounds() as uow:
        return uow.popups.listed()


def plan(
    hub: SyncUnitOfWorkFactory,
    nodes: Mapping[str, SyncUnitOfWorkFactory],
    rounds: RoundsFactory,
    ops: NodeOpsFactory,
    node: str,
    at: datetime,
    size: int = ASSORTMENT,
) -> PopUpPlan:
    """The assortment for the event and the transfer from home that fills it (requested once:
    planning again returns the same transfer). Home sends only what it can release: units set
    aside or promised for online orders stay where they are. Sales and stock are read where
    the hub reads each node's ledger: the hub's mirror of one whose agent runs elsewhere."""
    popup = get(rounds, node)
    seen = {code: ledger_of(hub, db, code) for code, db in nodes.items()}  # mirrors elsewhere
    rates, basis = _rates(hub, seen, node, at, size)
    wanted = assortment(rates, popup.days, size)
    spare = rights.releasable(nodes[popup.home], hub, popup.home, sorted(wanted))
    lines = fill(wanted, _on_hand(seen[node], node), spare)
    ident = f"popup-in:{node}:{popup.opens_on}"
    return PopUpPlan(popup, wanted, basis, _request(ops, ident, popup.home, node, lines, at))


def close(
    nodes: Mapping[str, UnitOfWorkFactory],
    rounds: RoundsFactory,
    ops: NodeOpsFactory,
    node: str,
    at: datetime,
) -> Transfer | None:
    """The transfer that takes everything left at the pop-up home (None: nothing left)."""
    popup = get(rounds, node)
    lines = take_home(_on_hand(nodes[node], node))
    ident = f"popup-out:{node}:{popup.closes_on}"
    return _request(ops, ident, node, popup.home, lines, at)


def upcoming(rounds: RoundsFactory, today: date) -> list[PopUp]:
    """Pop-ups not yet closed, soonest first."""
    return [p for p in listed(rounds) if p.closes_on >= today]


def _rates(
    hub: UnitOfWorkFactory,
    nodes: Mapping[str, UnitOfWorkFactory],
    node: str,
    at: datetime,
    size: int,
) -> tuple[dict[str, float], str]:
    """Units per day by SKU: from triage when the pop-up has sold before, else the network's."""
    ledgers = {code: all_movements(factory, code) for code, factory in nodes.items()}
    history = triage.sales_from(ledgers, at - HISTORY, at)
    days = HISTORY / timedelta(days=1)
    if history.units.get(node):
        found = triage.triage(hub, {}, node, at - HISTORY, at, size, history)
        return {p.sku: p.velocity / 7 for p in found}, "triage"
    network: Counter[str] = Counter()
    for skus in history.units.values():
        network.update(skus)
    return {sku: units / days for sku, units in network.most_common(size)}, "best sellers"


def _on_hand(node_db: UnitOfWorkFactory, node: str) -> dict[str, int]:
    with node_db() as uow:
        return {line.sku: line.on_hand for line in uow.ledger.stock(node)}


def _request(
    ops: NodeOpsFactory,
    ident: str,
    sender: str,
    receiver: str,
    lines: Mapping[str, int],
    at: datetime,
) -> Transfer | None:
    """The transfer under `ident`, requested if there is none; once a transfer of that name
    was called off, planning again requests the next one (`ident:2`, `ident:3`, ...)."""
    if not lines:
        return None
    name, attempt = ident, 1
    while True:
        try:
            found = transfers.get(ops, name)
        except transfers.UnknownTransfer:
            return transfers.request(ops, name, sender, receiver, lines, at)
        if found.state is not TransferState.CANCELLED:
            return found
        attempt += 1
        name = f"{ident}:{attempt}"
