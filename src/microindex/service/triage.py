"""SKU triage and assortment pruning from the nodes' sales history (their ledgers' sells)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.movement import Movement, MovementKind
from microindex.domain.product import Product
from microindex.domain.triage import (
    PROPOSAL_SIZE,
    Proposal,
    PruneSuggestion,
    SkuFacts,
    propose,
    prune,
)
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory, StockTarget
from microindex.service.known import require_nodes
from microindex.service.ledger_history import all_movements
from microindex.service.ports import UnitOfWorkFactory

Nodes = Mapping[str, GovernanceUnitOfWorkFactory]


@dataclass(frozen=True, slots=True)
class Sales:
    """Who sold what in a window: units per node per SKU, weeks with a sale, its length."""

    units: dict[str, dict[str, int]]
    weeks_selling: dict[str, dict[str, int]]
    weeks: float

    def velocity(self) -> dict[str, dict[str, float]]:
        return {
            node: {sku: n / self.weeks for sku, n in skus.items()}
            for node, skus in self.units.items()
        }


def sales(nodes: Nodes, start: datetime, end: datetime) -> Sales:
    ledgers = {code: all_movements(factory, code) for code, factory in nodes.items()}
    return sales_from(ledgers, start, end)


def sales_from(ledgers: Mapping[str, list[Movement]], start: datetime, end: datetime) -> Sales:
    """Sales in [start, end) from each node's movements (already read)."""
    units: dict[str, dict[str, int]] = {}
    weeks: dict[str, dict[str, int]] = {}
    for code, movements in ledgers.items():
        units[code], weeks[code] = _node_sales(movements, start, end)
    return Sales(units, weeks, (end - start) / timedelta(weeks=1))


def _node_sales(
    movements: list[Movement], start: datetime, end: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    units: dict[str, int] = defaultdict(int)
    weeks: dict[str, set[int]] = defaultdict(set)
    for m in movements:
        if m.kind is MovementKind.SELL and start <= m.at < end:
            units[m.sku] -= m.quantity
            weeks[m.sku].add((m.at - start) // timedelta(weeks=1))
    return dict(units), {sku: len(w) for sku, w in weeks.items()}


def triage(
    hub: UnitOfWorkFactory,
    nodes: Nodes,
    node: str,
    start: datetime,
    end: datetime,
    limit: int = PROPOSAL_SIZE,
    history: Sales | None = None,
) -> list[Proposal]:
    """The first `limit` SKUs `node` should hold, ranked from the window's sales history."""
    require_nodes(hub, node)
    history = history or sales(nodes, start, end)
    with hub() as uow:
        products = {p.sku.value: p for p in uow.catalog.all()}
    facts = _facts(node, history, products)
    return propose(node, facts, history.weeks, limit)


def _facts(node: str, history: Sales, products: dict[str, Product]) -> list[SkuFacts]:
    here = history.units.get(node, {})
    network: dict[str, int] = defaultdict(int)
    for skus in history.units.values():
        for sku, n in skus.items():
            network[sku] += n
    total = sum(network.values())
    share = sum(here.values()) / total if total else 0.0
    facts = []
    for sku, product in sorted(products.items()):
        local = here.get(sku, 0) > 0
        units = here[sku] if local else network.get(sku, 0) * share
        if units <= 0:
            continue
        weeks = history.weeks_selling.get(node, {}).get(sku, 0) if local else 0
        price = product.price.amount
        facts.append(SkuFacts(sku, units, weeks, price, product.fragility, local))
    return facts


def accept(
    node_db: GovernanceUnitOfWorkFactory, node: str, proposals: list[Proposal], at: datetime
) -> list[StockTarget]:
    """Make the proposal the node's stock targets (replacing the previous ones)."""
    with node_db() as uow:
        uow.targets.replace(node, proposals, at)
        uow.commit()
        return uow.targets.targets(node)


def targets(node_db: GovernanceUnitOfWorkFactory, node: str) -> list[StockTarget]:
    with node_db() as uow:
        return uow.targets.targets(node)


def pruning(
    nodes: Nodes,
    start: datetime,
    end: datetime,
    slow_below: float = 0.25,
    history: Sales | None = None,
) -> list[PruneSuggestion]:
    """Slow movers per node over the window, each with a move-or-drop suggestion."""
    velocity = (history or sales(nodes, start, end)).velocity()
    found: list[PruneSuggestion] = []
    for code, factory in nodes.items():
        with factory() as uow:
            held = {line.sku: line.on_hand for line in uow.ledger.stock(code)}
        found += prune(code, held, velocity, slow_below)
    return found
