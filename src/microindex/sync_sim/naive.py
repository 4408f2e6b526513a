"""The naive policy on the same trace: each side sells against the last synced count.

The hub promises from the node's on-hand at its last sync minus its own undelivered promises;
the node sells walk-ins from what it holds. A promise that reaches a node with too little left
is oversold.
"""

from __future__ import annotations

from dataclasses import dataclass

from microindex.sync_sim.trace import Scenario, demand, outages


@dataclass
class NaiveResult:
    demand_units: int = 0
    walkin_sold: int = 0
    online_promised: int = 0
    oversold: int = 0

    @property
    def fill_rate(self) -> float:
        filled = self.walkin_sold + self.online_promised - self.oversold
        return filled / self.demand_units if self.demand_units else 1.0


def run_naive(scenario: Scenario, sync_every_s: float = 600.0) -> NaiveResult:
    cuts = outages(scenario)
    stock = {(n, s): scenario.stock for n in scenario.nodes for s in scenario.skus}
    seen = dict(stock)  # the hub's view: on-hand at the node's last sync
    undelivered: dict[str, list[tuple[str, int]]] = {n: [] for n in scenario.nodes}
    result = NaiveResult()
    last_sync = dict.fromkeys(scenario.nodes, 0.0)

    def up(node: str, t: float) -> bool:
        return not any(n == node and a <= t < b for n, a, b in cuts)

    def sync(node: str) -> None:
        for sku, qty in undelivered[node]:
            take = min(qty, stock[node, sku])
            stock[node, sku] -= take
            result.oversold += qty - take
        undelivered[node] = []
        for sku in scenario.skus:
            seen[node, sku] = stock[node, sku]

    for d in demand(scenario):
        for node in scenario.nodes:
            while last_sync[node] + sync_every_s <= d.at_s:
                last_sync[node] += sync_every_s
                if up(node, last_sync[node]):
                    sync(node)
        result.demand_units += d.quantity
        if d.node:
            if stock[d.node, d.sku] >= d.quantity:
                stock[d.node, d.sku] -= d.quantity
                result.walkin_sold += d.quantity
            continue
        free = {
            n: seen[n, d.sku] - sum(q for s, q in undelivered[n] if s == d.sku)
            for n in scenario.nodes
        }
        best = max(sorted(free), key=lambda n: free[n])
        if free[best] >= d.quantity:
            undelivered[best].append((d.sku, d.quantity))
            result.online_promised += d.quantity
    for node in scenario.nodes:
        sync(node)
    return result
