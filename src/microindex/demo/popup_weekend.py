"""The demo's pop-up: a market stall that traded last weekend. Its fill from the shopfront was
planned and shipped on Friday and received before it opened; it sold to walk-ins on Saturday
and Sunday; at closing `popup close` requested the take-home, which was packed, shipped and
received back at the shopfront that evening. All of it before the demo's today."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from microindex.bootstrap import Workspace
from microindex.domain.codes import NodeCode
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.popup import PopUp
from microindex.domain.sync.node import Override
from microindex.domain.transfer import Transfer
from microindex.service import catalog as catalog_service
from microindex.service import popups, rights, sync, transfers
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.nodes import list_nodes
from microindex.service.popups import PopUpPlan
from microindex.service.rounds_ports import RoundsFactory

STALL = "market-stall"
HOME = "shopfront"
HOURS = ((5, time(9), time(17)), (6, time(10), time(16)))  # Saturday, Sunday
SALES = (3, 6)  # walk-in sales a day, fewest and most


@dataclass(frozen=True)
class PopUpWeekend:
    popup: PopUp
    plan: PopUpPlan
    fill: Transfer | None  # in from home: shipped on Friday, received before opening
    sold: dict[str, int]  # walk-in units over the weekend, by SKU
    home: Transfer | None  # out at closing: requested, packed, shipped and received at home


def last_weekend(today: date) -> tuple[date, date]:
    """The Saturday and Sunday before `today`: over by yesterday at the latest."""
    sunday = today - timedelta(days=(today.weekday() + 1) % 7 or 7)
    return sunday - timedelta(days=1), sunday


def told(weekend: PopUpWeekend) -> str:
    """The weekend in one line for the demo's summary: its transfers in and out, its sales."""
    popup = weekend.popup
    days = f"{popup.opens_on:%a %d %b} to {popup.closes_on:%a %d %b}"
    return (
        f"Pop-up {popup.node}, {days}: {_moved(weekend.fill, f'in from {popup.home}')}, "
        f"{sum(weekend.sold.values())} sold, {_moved(weekend.home, f'back to {popup.home}')}"
    )


def _moved(transfer: Transfer | None, way: str) -> str:
    if transfer is None:
        return f"nothing {way}"
    units = sum((transfer.arrived or transfer.shipped or transfer.requested).values())
    when = f" {transfer.events[-1].at:%a %H:%M}" if transfer.events else ""
    return f"{units} units {way} ({transfer.state.value.replace('_', ' ')}{when})"


def add_popup_weekend(
    workspace: Workspace, ops: NodeOpsFactory, store: RoundsFactory, seed: int, today: date
) -> PopUpWeekend:
    """Run last weekend's pop-up through the services (after build_demo's nodes synced)."""
    popup = _add_stall(workspace, store, *last_weekend(today))
    nodes = {n.code.value: workspace.node(n.code.value) for n in list_nodes(workspace.hub)}
    friday = _on(popup.opens_on - timedelta(days=1), time(15))
    plan = popups.plan(workspace.hub, nodes, store, ops, STALL, friday, workspace.settings.zone)
    fill = _send(workspace, ops, plan.transfer, friday, _on(popup.opens_on, time(8, 30)))
    sold = _trade(workspace, popup, random.Random(seed * 31 + 7))
    closing = _on(popup.closes_on, HOURS[-1][2])
    out = popups.close(nodes, store, ops, STALL, closing)
    home = _send(workspace, ops, out, closing, closing + timedelta(minutes=50))
    for code in (HOME, STALL):  # the hub sees the weekend as the nodes recorded it
        sync.sync_node(workspace.node(code), code, workspace.link(code), workspace.clock())
    return PopUpWeekend(popup, plan, fill, sold, home)


def _add_stall(workspace: Workspace, store: RoundsFactory, opens: date, closes: date) -> PopUp:
    node = Node(
        NodeCode(STALL),
        NodeKind.POPUP,
        "Broadway Market weekend stall",
        Location(51.5366, -0.0610),
        OpeningHours(HOURS),
        Capabilities(pickup=True, preparation_minutes=15),
        zone=next(n.zone for n in list_nodes(workspace.hub) if n.code.value == HOME),
    )
    popup = popups.add(workspace.hub, store, PopUp(STALL, HOME, opens, closes), node)
    workspace.secrets.ensure(STALL)
    catalog_service.pull_catalog(workspace.hub, workspace.node(STALL))
    return popup


def _send(
    workspace: Workspace,
    ops: NodeOpsFactory,
    transfer: Transfer | None,
    start: datetime,
    arrives: datetime,
) -> Transfer | None:
    """The sender packs and ships a requested transfer; all of it arrives at `arrives`."""
    if transfer is None:
        return None
    ident, sender = transfer.ident, transfer.sender
    transfers.pack(ops, ident, start + timedelta(minutes=15), "demo")
    shipped = transfers.ship(
        ops,
        workspace.node(sender),
        ident,
        start + timedelta(minutes=30),
        "demo",
        ask=workspace.ask_hub(sender),
    )
    receiver = workspace.node(transfer.receiver)
    return transfers.receive(ops, receiver, ident, shipped.shipped, arrives, "demo")


# The stall has no network: a sale beyond its own rights is the staff's knowing overdraft.
OFFLINE = Override("demo", "the market stall sells offline; the hub re-promises at the next sync")


def _trade(workspace: Workspace, popup: PopUp, rng: random.Random) -> dict[str, int]:
    """A few walk-in sales each day, of what is on the table, within the stall's hours."""
    node_db = workspace.node(STALL)
    with node_db() as uow:
        left = Counter({line.sku: line.on_hand for line in uow.ledger.stock(STALL)})
    sold: Counter[str] = Counter()
    for day, (_, opens, closes) in zip((popup.opens_on, popup.closes_on), HOURS, strict=True):
        minutes = (closes.hour - opens.hour) * 60
        times = sorted(rng.randrange(minutes) for _ in range(rng.randint(*SALES)))
        for minute in times:
            skus = sorted(sku for sku, units in left.items() if units > 0)
            if not skus:
                break
            sku = rng.choice(skus)
            at = _on(day, opens) + timedelta(minutes=minute)
            rights.sell_walk_in(
                node_db, STALL, sku, 1, at, f"till:{STALL}", actor="demo", override=OFFLINE
            )
            left[sku] -= 1
            sold[sku] += 1
    return dict(sorted(sold.items()))


def _on(day: date, at: time) -> datetime:
    return datetime.combine(day, at, UTC)
