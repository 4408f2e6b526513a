"""The demo's web orders: ~40 over the last few days, around Hackney and King's Cross, most
handed over or delivered at realistic step times, a few cancelled and one lapsed, so time to
fulfilment and the order fill rate have data. Placed through the promising service on the
rights the synced nodes pooled at the hub; call after the nodes sync."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from microindex.bootstrap import Workspace
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import LAST, ORDER, Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.service import promise
from microindex.service.nodes import list_nodes

ORDERS = 40
DAYS = 4
AREAS = (Location(51.5400, -0.0590), Location(51.5330, -0.1230))  # Hackney, King's Cross
# Minutes after the previous step, per step (a node picks within the hour, and so on).
MINUTES = {
    Step.CONFIRMED: (2, 10),
    Step.PICKED: (20, 90),
    Step.PACKED: (5, 30),
    Step.HANDED_OVER: (30, 240),
    Step.DELIVERED: (15, 60),
}


def add_order_history(workspace: Workspace, seed: int) -> int:
    """Place and follow the demo's orders; returns how many were promised."""
    rng = random.Random(seed * 7919 + 5)
    now = workspace.clock()
    skus = _skus(workspace)
    nodes, states = list_nodes(workspace.hub), workspace.candidate_states()
    placed = 0
    for i in range(ORDERS):
        at = now - timedelta(days=DAYS) + timedelta(hours=rng.uniform(0, 24 * (DAYS - 1)))
        request = _request(rng, skus, at.replace(microsecond=0))
        try:
            key = f"web-{seed}-{i:03d}"
            made = promise.place_order(workspace.hub, key, request, nodes, states=states)
        except CannotPromise:
            continue
        placed += 1
        _follow(workspace, rng, made.record.order.ident, i, now)
    promise.release_lapsed(workspace.hub, now)
    return placed


def _skus(workspace: Workspace) -> list[str]:
    """SKUs whose rights the hub holds at some node, most plentiful first."""
    codes = [node.code.value for node in list_nodes(workspace.hub)]
    totals: dict[str, int] = {}
    with workspace.hub() as uow:
        for code in codes:
            account = uow.accounts.load(code)
            for sku, held in account.held.items():
                totals[sku] = totals.get(sku, 0) + max(0, held)
    return sorted((s for s, h in totals.items() if h >= 3), key=lambda s: (-totals[s], s))[:60]


def _request(rng: random.Random, skus: list[str], at: datetime) -> OrderRequest:
    area = rng.choice(AREAS)
    where = Location(area.lat + rng.uniform(-0.008, 0.008), area.lon + rng.uniform(-0.012, 0.012))
    method = rng.choice((Method.LOCAL_DELIVERY, Method.LOCAL_DELIVERY, Method.PICKUP, Method.SHIP))
    lines = tuple(OrderLine(sku, 1) for sku in rng.sample(skus, rng.choice((1, 1, 2))))
    return OrderRequest(lines, method, at, customer=where)


def _follow(workspace: Workspace, rng: random.Random, ident: str, i: int, now: datetime) -> None:
    """Most orders run to their last step; every tenth is cancelled; the last one lapses."""
    if i == ORDERS - 1:
        return  # never confirmed: its lease runs out and it is released
    order = promise.get_order(workspace.hub, ident).order
    at = order.placed_at
    if i % 10 == 3:
        promise.cancel(workspace.hub, ident, at + timedelta(minutes=rng.randint(5, 60)), "customer")
        return
    last = ORDER.index(LAST[order.method])
    for step in ORDER[1 : last + 1]:
        at += timedelta(minutes=rng.randint(*MINUTES[step]))
        if at >= now:
            return  # still on its way
        for node in order.parts:
            promise.advance(workspace.hub, ident, node, step, at, f"{node} staff")
