"""The demo's nodes as they really are: a locker with compartments and a pickup waiting in one,
the van on today's round, a market-stall pop-up last weekend with its transfers in from the
shopfront and, when it closed, the rest back home (`demo.popup_weekend`), and a shelf label at
the shopfront whose QR a shopper scans to see the stock nearby and hold one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time

from microindex.bootstrap import Workspace
from microindex.demo.popup_weekend import PopUpWeekend, add_popup_weekend
from microindex.domain.node import Location
from microindex.domain.product import Size
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.round import Round, ServiceArea, Stop
from microindex.service import lockers, promise, rounds, shelf_holds
from microindex.service.lockers import Assigned
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.nodes import list_nodes

COMPARTMENTS = {"S1": Size(300, 200, 100), "S2": Size(300, 200, 100), "M1": Size(400, 300, 200),
                "M2": Size(400, 300, 200), "L1": Size(600, 400, 400)}  # fmt: skip
# Today's stops of the van: (arrives, leaves, lat, lon, label)
VAN_STOPS = (
    (time(9, 30), time(10, 30), 51.5450, -0.0553, "Hackney Central"),
    (time(11, 15), time(12, 15), 51.5390, -0.0260, "Victoria Park gate"),
    (time(13, 0), time(14, 0), 51.5270, -0.0010, "Roman Road market"),
    (time(15, 0), time(16, 30), 51.5560, -0.0750, "Stoke Newington Church St"),
)
SHELF_NODE = "shopfront"
SHELF_GLN = "5069412000010"  # the shopfront's site, on its shelf labels
SHELF_BIN = "A1"


@dataclass(frozen=True)
class Shelf:
    gln: str
    bin: str
    sku: str


@dataclass(frozen=True)
class NodesAsTheyAre:
    pickup: Assigned | None
    weekend: PopUpWeekend
    van_round: Round
    shelf: Shelf | None = None

    @property
    def van_stops(self) -> int:
        return len(self.van_round.stops)

    def van_told(self) -> str:
        """The van's day in one line, for the demo's summary."""
        first, last = self.van_round.stops[0], self.van_round.stops[-1]
        return (
            f"The {self.van_round.node} on today's round: {self.van_stops} stops, "
            f"{first.label} {first.arrives:%H:%M} to {last.label} {last.leaves:%H:%M}"
        )


def add_nodes_as_they_are(workspace: Workspace, seed: int) -> NodesAsTheyAre:
    """Add to a built demo: run after build_demo (it needs the nodes synced, rights held)."""
    ops, store, now = workspace.node_ops(), workspace.rounds(), workspace.clock()
    for code, inner in COMPARTMENTS.items():
        lockers.add_compartment(ops, "locker", code, inner)
    pickup = _locker_pickup(workspace, ops, random.Random(seed), now)
    day = now.date()
    stops = [
        Stop(datetime.combine(day, a, UTC), datetime.combine(day, b, UTC), Location(la, lo), name)
        for a, b, la, lo, name in VAN_STOPS
    ]
    van_round = rounds.set_round(store, "van", now.date(), stops)
    rounds.set_area(workspace.hub, store, "van", ServiceArea(Location(51.5450, -0.0553), 8))
    weekend = add_popup_weekend(workspace, ops, store, seed, now.date())
    return NodesAsTheyAre(pickup, weekend, van_round, _shelf(workspace, ops))


def _shelf(workspace: Workspace, ops: NodeOpsFactory) -> Shelf | None:
    """Label shelf A1 at the shopfront with a SKU the hub can hold there and another node has
    too, so its page shows more than one place."""
    with workspace.hub() as uow:
        lines = [line for line in uow.ledger.stock() if line.on_hand > 0]
        held = uow.accounts.held_many(sorted({line.sku for line in lines}))
    elsewhere = {line.sku for line in lines if line.node != SHELF_NODE}
    fits = sorted(
        s for s, by_node in held.items() if by_node.get(SHELF_NODE, 0) >= 2 and s in elsewhere
    )
    if not fits:
        return None
    shelf_holds.add_shelf(ops, SHELF_GLN, SHELF_BIN, SHELF_NODE, fits[0])
    return Shelf(SHELF_GLN, SHELF_BIN, fits[0])


def _locker_pickup(
    workspace: Workspace, ops: NodeOpsFactory, rng: random.Random, now: datetime
) -> Assigned | None:
    """Promise one pickup at the locker of a SKU it holds rights for; put it in a compartment."""
    with workspace.node("locker")() as uow:
        skus = sorted(line.sku for line in uow.ledger.stock("locker") if line.on_hand > 0)
    rng.shuffle(skus)
    nodes = list_nodes(workspace.hub)
    for sku in skus:
        with workspace.hub() as uow:
            if uow.accounts.held(sku).get("locker", 0) <= 0:
                continue
        request = OrderRequest((OrderLine(sku, 1),), Method.PICKUP, now, pickup_node="locker")
        try:  # refused when no free compartment takes the parcel (the workspace's states)
            made = promise.place_order(
                workspace.hub,
                f"locker-demo-{sku}",
                request,
                nodes,
                states=workspace.candidate_states(),
            )
        except CannotPromise:
            continue
        parcel = lockers.parcel_for(workspace.hub, {sku: 1})
        return lockers.assign_order(
            workspace.hub, ops, made.record.order.ident, "locker", now, parcel
        )
    return None
