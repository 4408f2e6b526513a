"""A demo day with the van offline four hours: stock rights against the naive policy.

    python -m bench.demo_day                 # 5 seeded days
    python -m bench.demo_day --days 10 --offline-h 4

The demo shop is built once (eight weeks of history, synced at the demo's noon) and copied for
each seeded day. From noon to 20:00, one demand trace is replayed two ways:
- rights, on the paths users take: walk-in sales through `rights.sell_walk_in` (asking the hub
  when a node is online), online orders through `promise.place_order`, every node's agent
  syncing every 10 minutes, the van out of reach from 13:00 for --offline-h hours (its walk-in
  sales beyond its local rights are refused, as the staff page does by default);
- naive, on the same trace and the same starting stock: each side sells against the last
  synced on-hand, the hub promising from the node's count at its last sync less its own
  promises since; a promise that reaches a node with too little left is oversold.
Printed per day and in total: demand, oversold units (rights: reservations left uncovered)
and fill rate, and the fill rate lost to rights in points (aim: within 2).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import build_demo
from microindex.domain.errors import OutOfStock
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.sync.account import NotEnoughRights, State
from microindex.service import promise, rights, sync
from microindex.service.nodes import list_nodes
from microindex.service.stock import stock_lines
from microindex.service.sync_ports import HubUnreachable
from microindex.settings import Settings

DAY = date(2026, 11, 26)
NOON = datetime.combine(DAY, time(12), UTC)
HOURS = 8
# the demo's daily walk-ins (18, 4 and 9) over an eight-hour trading day
WALK_IN_PER_H = {"shopfront": 2.25, "locker": 0.5, "van": 1.125}
ONLINE_PER_H = 3.0
SYNC_EVERY = timedelta(minutes=10)
HACKNEY = Location(51.5400, -0.0590)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class Demand:
    at: datetime
    node: str  # "" for an online order
    sku: str


@dataclass
class Outcome:
    demand: int = 0
    walk_in: int = 0
    online: int = 0
    oversold: int = 0

    @property
    def fill(self) -> float:
        return (self.walk_in + self.online - self.oversold) / self.demand if self.demand else 1.0


@dataclass
class Day:
    seed: int
    rights: Outcome = field(default_factory=Outcome)
    naive: Outcome = field(default_factory=Outcome)


def trace(seed: int, stock: dict[str, dict[str, int]]) -> list[Demand]:
    """Walk-ins at each node for what it holds (weighted by units), online orders for any
    SKU held somewhere; Poisson arrivals over the day."""
    rng = random.Random(seed)
    found: list[Demand] = []
    everywhere: dict[str, int] = {}
    for held in stock.values():
        for sku, units in held.items():
            everywhere[sku] = everywhere.get(sku, 0) + units
    streams = [(node, rate, stock[node]) for node, rate in WALK_IN_PER_H.items()]
    for node, rate, held in [*streams, ("", ONLINE_PER_H, everywhere)]:
        skus = sorted(s for s, q in held.items() if q > 0)
        at = NOON
        while True:
            at += timedelta(hours=rng.expovariate(rate))
            if at >= NOON + timedelta(hours=HOURS):
                break
            sku = rng.choices(skus, weights=[held[s] for s in skus])[0]
            found.append(Demand(at.replace(microsecond=0), node, sku))
    return sorted(found, key=lambda d: (d.at, d.node, d.sku))


def on_hand(ws: Workspace, nodes: list[str]) -> dict[str, dict[str, int]]:
    lines = stock_lines({n: ws.node(n) for n in nodes}, None)
    found: dict[str, dict[str, int]] = {n: {} for n in nodes}
    for line in lines:
        found[line.node][line.sku] = line.on_hand
    return found


def run_rights(
    ws: Workspace, clock: Clock, demand: list[Demand], offline: tuple[datetime, datetime]
) -> Outcome:
    registered = list_nodes(ws.hub)
    codes = [n.code.value for n in registered]
    out, next_sync, placed = Outcome(), NOON, 0

    def up(node: str) -> bool:
        return node != "van" or not offline[0] <= clock.now < offline[1]

    def walk_in(d: Demand) -> int:
        """1 when sold: asking the hub beyond local rights when online; offline, from local
        rights only (the staff page refuses the rest by default)."""
        try:
            if up(d.node):
                ask = ws.ask_hub(d.node)
                rights.sell_walk_in(ws.node(d.node), d.node, d.sku, 1, d.at, "bench", ask)
            else:
                rights.sell(ws.node(d.node), d.node, d.sku, 1, d.at, "bench")
        except (NotEnoughRights, OutOfStock, HubUnreachable):
            return 0  # refused: the units are promised online, or not there
        return 1

    for d in demand:
        while next_sync <= d.at:
            clock.now = next_sync
            for node in codes:
                if up(node):
                    sync.sync_node(ws.node(node), node, ws.link(node), clock.now)
            next_sync += SYNC_EVERY
        clock.now = d.at
        out.demand += 1
        if d.node:
            out.walk_in += walk_in(d)
            continue
        request = OrderRequest((OrderLine(d.sku, 1),), Method.LOCAL_DELIVERY, d.at, HACKNEY)
        try:
            promise.place_order(ws.hub, f"day-{placed:04d}", request, registered)
            out.online += 1
        except CannotPromise:
            pass
        placed += 1
    clock.now = NOON + timedelta(hours=HOURS)
    for node in codes:
        sync.sync_node(ws.node(node), node, ws.link(node), clock.now)
    with ws.hub() as uow:
        for node in codes:
            account = uow.accounts.load(node)
            out.oversold += sum(
                r.quantity
                for r in account.reservations.values()
                if r.ident.startswith("day-") and r.state is State.UNCOVERED
            )
    return out


def run_naive(
    stock: dict[str, dict[str, int]], demand: list[Demand], offline: tuple[datetime, datetime]
) -> Outcome:
    true = {n: dict(held) for n, held in stock.items()}
    seen = {n: dict(held) for n, held in stock.items()}
    undelivered: dict[str, list[str]] = {n: [] for n in stock}
    out, next_sync = Outcome(), NOON

    def sync_node(node: str) -> None:
        for sku in undelivered[node]:
            if true[node].get(sku, 0) > 0:
                true[node][sku] -= 1
            else:
                out.oversold += 1
        undelivered[node] = []
        seen[node] = dict(true[node])

    for d in demand:
        while next_sync <= d.at:
            for node in stock:
                if node != "van" or not offline[0] <= next_sync < offline[1]:
                    sync_node(node)
            next_sync += SYNC_EVERY
        out.demand += 1
        if d.node:
            if true[d.node].get(d.sku, 0) > 0:
                true[d.node][d.sku] -= 1
                out.walk_in += 1
            continue
        for node in ("shopfront", "van", "locker"):
            if seen.get(node, {}).get(d.sku, 0) > 0:
                seen[node][d.sku] -= 1
                undelivered[node].append(d.sku)
                out.online += 1
                break
    for node in stock:
        sync_node(node)
    return out


def one_day(pristine: Path, seed: int, offline_h: float) -> Day:
    with tempfile.TemporaryDirectory(prefix=f"demo-day-{seed}-") as folder:
        root = Path(folder) / "shop"
        shutil.copytree(pristine, root)
        clock = Clock(NOON)
        ws = bootstrap(Settings(root), clock=clock)
        try:
            nodes = [n for n in WALK_IN_PER_H]
            stock = on_hand(ws, nodes)
            demand = trace(seed, stock)
            offline = (NOON + timedelta(hours=1), NOON + timedelta(hours=1 + offline_h))
            day = Day(seed, naive=run_naive(stock, demand, offline))
            day.rights = run_rights(ws, clock, demand, offline)
        finally:
            ws.close()
    return day


def table(days: list[Day], offline_h: float) -> str:
    head = (
        f"{'day':<5} {'demand':>7} {'rights oversold':>16} {'fill':>7} "
        f"{'naive oversold':>15} {'fill':>7}"
    )
    title = f"a demo day with the van offline {offline_h:g} h: rights against the naive policy"
    lines = [title, head]
    for d in days:
        lines.append(
            f"{d.seed:<5} {d.rights.demand:>7} {d.rights.oversold:>16} {d.rights.fill:>7.1%} "
            f"{d.naive.oversold:>15} {d.naive.fill:>7.1%}"
        )
    fill_r = sum(d.rights.fill for d in days) / len(days)
    fill_n = sum(d.naive.fill for d in days) / len(days)
    lines.append(
        f"{'all':<5} {sum(d.rights.demand for d in days):>7} "
        f"{sum(d.rights.oversold for d in days):>16} {fill_r:>7.1%} "
        f"{sum(d.naive.oversold for d in days):>15} {fill_n:>7.1%}"
    )
    lines.append(f"fill rate lost to rights: {100 * (fill_n - fill_r):.2f} points (aim: within 2)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5, help="seeded days to replay")
    parser.add_argument("--offline-h", type=float, default=4.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="demo-day-") as folder:
        pristine = Path(folder) / "pristine"
        ws = bootstrap(Settings(pristine), clock=Clock(NOON))
        build_demo(ws, seed=7, today=DAY)
        ws.close()
        days = [one_day(pristine, seed, args.offline_h) for seed in range(args.days)]
    print(table(days, args.offline_h))
    return 1 if any(d.rights.oversold for d in days) else 0


if __name__ == "__main__":
    sys.exit(main())
