"""Pop-ups: add one with its dates, plan its assortment and the transfers that fill it from
home before it opens, and when it closes the transfer that takes the rest home.

The assortment comes from triage of the pop-up's own sales history; a pop-up with none (its
first event) takes the network's best sellers. Transfers are requested (service.transfers):
home packs and ships them as any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from microindex.domain.errors import DomainError
from microindex.domain.node import Node, OpeningHours
from microindex.domain.popup import PopUp, assortment, fill, take_home
from microindex.domain.transfer import Transfer, TransferState
from microindex.service import nodes as node_service
from microindex.service import rights, transfers, triage
from microindex.service.known import registered
from microindex.service.ledger_history import all_movements
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.remote_nodes import ledger_of
from microindex.service.rounds_ports import PopUpsFactory, RoundsFactory
from microindex.service.sync_ports import SyncUnitOfWorkFactory

HISTORY = timedelta(weeks=8)
ASSORTMENT = 30


@dataclass(eq=False)
class UnknownPopUp(DomainError):
    node: str
    code = "unknown_popup"

    def __str__(self) -> str:
        return f"{self.node} is not a pop-up (no opening and closing dates)"


@dataclass(eq=False)
class PopUpOver(DomainError):
    """A plan for a pop-up whose last day has passed: there is nothing to fill."""

    node: str
    closed_on: date
    code = "popup_over"

    def __str__(self) -> str:
        return f"{self.node} closed on {self.closed_on}: plan its next dates first (popup add)"


@dataclass(eq=False)
class PopUpClosed(DomainError):
    """Stock moved at a pop-up after its last day: the stall is packed up and gone home."""

    node: str
    closed_on: date
    act: str  # what it was asked to do: "sell", "receive goods", ...
    code = "popup_closed"

    def __str__(self) -> str:
        return (
            f"{self.node} is a pop-up that closed on {self.closed_on}: it cannot {self.act}"
            " after it closed (give it new dates first: popup add)"
        )


def refuse_closed(rounds: PopUpsFactory, node: str, at: datetime, zone: tzinfo, act: str) -> None:
    """PopUpClosed when `node` is a pop-up whose last day ended before `at`: at midnight on
    the clock of `zone`, the shop's; any other node, or one still open, passes.
    `rounds`: the hub's, or a pop-up agent's own database (the dates its syncs brought)."""
    with rounds() as uow:
        popup = uow.popups.get(node)
    if popup is not None and popup.closes_on < at.astimezone(zone).date():
        raise PopUpClosed(node, popup.closes_on, act)


SELL = "sell"
RECEIVE = "receive goods"
TAKE_IN = "take in a transfer"


@dataclass(frozen=True, slots=True)
class PopUpPlan:
    popup: PopUp
    wanted: dict[str, int]  # the assortment: SKU -> units for the whole event
    basis: str  # "targets" (accepted), "triage" (its own history) or "best sellers"
    transfer: Transfer | None  # the fill from home (None: nothing to send)
    short: dict[str, int] = field(default_factory=dict)  # wanted, not there, home can't send

    @property
    def stuck(self) -> bool:
        """Nothing moves and the pop-up lacks what it should have (or a plan at all)."""
        return self.transfer is None and (bool(self.short) or not self.wanted)

    @property
    def why_nothing(self) -> str:
        """Why no transfer: what the plan lacks that home cannot send, or all is there."""
        if self.transfer is not None:
            return ""
        if not self.wanted:
            return "nothing to plan from: no sales here or elsewhere, no accepted stock targets"
        if self.short:
            return f"{self.popup.home} can send none of the {len(self.short)} SKU(s) still wanted"
        return "the pop-up already holds all the plan wants"


def add(
    hub: UnitOfWorkFactory,
    rounds: RoundsFactory,
    popup: PopUp,
    node: Node | None = None,
    hours: OpeningHours | None = None,
    pickup: bool | None = None,
) -> PopUp:
    """Record the pop-up's dates (registering its node first when given), and its opening
    hours and whether customers collect there, when given."""
    node_service.get_node(hub, popup.home)
    if node is not None:
        node_service.add_node(hub, node)
    node_service.set_opening(hub, popup.node, hours, pickup)
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


def _registered(nodes: Mapping[str, object], rounds: RoundsFactory, node: str) -> PopUp:
    """The pop-up at `node`, one of `nodes` (every registered node's ledger): a code no node
    has is refused as every edge refuses it, not as "not a pop-up"."""
    registered(nodes, node)
    return get(rounds, node)


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
    zone: tzinfo,
    size: int = ASSORTMENT,
    targets: Mapping[str, int] | None = None,
) -> PopUpPlan:
    """The assortment for the event and the transfer from home that fills it (requested once:
    planning again returns the same transfer). The stock targets the pop-up accepted (triage)
    are the assortment when it has them; else its own sales, else the network's best sellers.
    Home sends only what it can release: units set aside or promised for online orders stay
    where they are. Sales and stock are read where the hub reads each node's ledger: the
    hub's mirror of one whose agent runs elsewhere. A pop-up whose last day passed (at
    midnight in `zone`, the shop's) is refused."""
    popup = _registered(nodes, rounds, node)
    if popup.closes_on < at.astimezone(zone).date():
        raise PopUpOver(node, popup.closes_on)
    seen = {code: ledger_of(hub, db, code) for code, db in nodes.items()}  # mirrors elsewhere
    if targets:
        ranked = sorted(targets.items(), key=lambda item: (-item[1], item[0]))[:size]
        wanted, basis = {sku: n for sku, n in ranked if n > 0}, "targets"
    else:
        rates, basis = _rates(hub, seen, node, at, size)
        wanted = assortment(rates, popup.days, size)
    spare = rights.releasable(nodes[popup.home], hub, popup.home, sorted(wanted))
    there = _on_hand(seen[node], node)
    lines = fill(wanted, there, spare)
    short = {s: q - there.get(s, 0) for s, q in wanted.items() if q > there.get(s, 0)}
    short = {s: q for s, q in short.items() if s not in lines}
    ident = f"popup-in:{node}:{popup.opens_on}"
    made = _request(ops, ident, popup.home, node, lines, at)
    return PopUpPlan(popup, wanted, basis, made, short)


def close(
    nodes: Mapping[str, UnitOfWorkFactory],
    rounds: RoundsFactory,
    ops: NodeOpsFactory,
    node: str,
    at: datetime,
) -> Transfer | None:
    """The transfer that takes everything left at the pop-up home (None: nothing left)."""
    popup = _registered(nodes, rounds, node)
    lines = take_home(_on_hand(nodes[node], node))
    ident = f"popup-out:{node}:{popup.closes_on}"
    return _request(ops, ident, node, popup.home, lines, at)


@dataclass(frozen=True, slots=True)
class PopUpShown:
    popup: PopUp
    node: Node  # its hours and whether customers collect there
    transfers: list[Transfer]  # the fills and the take-homes requested for it


def show(
    hub: UnitOfWorkFactory, rounds: RoundsFactory, ops: NodeOpsFactory, node: str
) -> PopUpShown:
    registered = node_service.get_node(hub, node)  # an unknown node is one, not "not a pop-up"
    popup = get(rounds, node)
    named = (f"popup-in:{node}:", f"popup-out:{node}:")
    moved = [t for t in transfers.listed(ops) if t.ident.startswith(named)]
    return PopUpShown(popup, registered, sorted(moved, key=lambda t: t.ident))


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
