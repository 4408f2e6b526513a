"""The demo shop's returns, counts and governance runs, on top of its eight weeks of sales.

After the history: web orders packed at the shopfront (so return rate by package type has
data), returns against them and against till sales (some restocked at another node than the
one that sold them), a cycle count at every node (one taken while sales go on, one far off and
flagged), and the nightly reconciliation run through the job table, so its run is recorded.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.adapters.governance_wiring import (
    governance_database,
    packaging_store,
)
from microindex.bootstrap import Workspace
from microindex.domain.movement import MovementKind
from microindex.domain.node import Location
from microindex.domain.packaging import PackageUsed
from microindex.domain.product import Fragility, Product
from microindex.domain.returns import Condition, Origin, OriginKind, Reason
from microindex.service import governance, reconciliation, returns, rights
from microindex.service.catalog import list_products
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory
from microindex.service.nodes import list_nodes
from microindex.service.reconciliation import CountRow, ParsedCounts

WEB_ORDERS = 48
PACKAGES = {
    Fragility.STURDY: "mailer",
    Fragility.FRAGILE: "box-padded",
    Fragility.VERY_FRAGILE: "box-double",
}
KINGS_CROSS = Location(51.5308, -0.1238)


@dataclass(frozen=True)
class GovernanceDemo:
    web_orders: int
    returns: int
    counted: int
    flagged: int


def add_governance_history(workspace: Workspace, seed: int) -> GovernanceDemo:
    rng = random.Random(seed + 10)
    codes = [n.code.value for n in list_nodes(workspace.hub)]
    nodes = {code: governance_database(workspace.node(code)) for code in codes}
    products = {p.sku.value: p for p in list_products(workspace.hub)}
    at = workspace.clock() - timedelta(hours=3)  # so that a report run now includes it all
    orders = _web_orders(workspace, nodes["shopfront"], products, rng, at)
    opened = _returns(workspace, nodes, products, orders, rng, at + timedelta(minutes=30))
    counted = sum(_cycle_count(workspace, nodes[c], c, rng, at + timedelta(hours=1)) for c in codes)
    context = workspace.governance({c: workspace.node(c) for c in codes}, reports=False)
    governance.run_job(context, "nightly-reconciliation", actor="demo")
    flagged = sum(
        1
        for code, db in nodes.items()
        for v in reconciliation.history(db, code)
        if v.outcome.value == "flagged"
    )
    return GovernanceDemo(len(orders), opened, counted, flagged)


def _web_orders(
    workspace: Workspace,
    shopfront: GovernanceUnitOfWorkFactory,
    products: dict[str, Product],
    rng: random.Random,
    at: datetime,
) -> list[tuple[str, str]]:
    """Sell and pack single-item web orders from the shopfront: (order ref, SKU)."""
    with shopfront() as uow:
        held = [line.sku for line in uow.ledger.stock("shopfront") if line.on_hand > 2]
    packaging = packaging_store(shopfront)
    orders = []
    for n, sku in enumerate(rng.sample(held, min(WEB_ORDERS, len(held))), start=1):
        ref, when = f"web:W-{n:04d}", at + timedelta(seconds=n)
        _sell(workspace, "shopfront", sku, when, ref, "web")
        package = PACKAGES[products[sku].fragility]
        packaging.record(PackageUsed(ref, "shopfront", package, package == "mailer", 400, 1, when))
        orders.append((ref, sku))
    return orders


def _returns(
    workspace: Workspace,
    nodes: Mapping[str, GovernanceUnitOfWorkFactory],
    products: dict[str, Product],
    orders: list[tuple[str, str]],
    rng: random.Random,
    at: datetime,
) -> int:
    """Return about one order in six (fragile ones more, often damaged) and a few van sales."""
    wanted: list[tuple[Origin, str, Reason, Location | None]] = []
    for ref, sku in orders:
        fragile = products[sku].fragility is not Fragility.STURDY
        if rng.random() < (0.3 if fragile else 0.08):
            reason = Reason.DAMAGED_IN_TRANSIT if fragile else Reason.CHANGED_MIND
            near = KINGS_CROSS if rng.random() < 0.5 else None
            wanted.append((Origin(OriginKind.ORDER, ref, "shopfront"), sku, reason, near))
    sold_at_van = _sold_skus(nodes["van"], "van")
    for sku in rng.sample(sold_at_van, min(3, len(sold_at_van))):
        wanted.append((Origin(OriginKind.SALE, "till:van", "van"), sku, Reason.WRONG_ITEM, None))
    for i, (origin, sku, reason, near) in enumerate(wanted):
        when = at + timedelta(minutes=i)
        ret = returns.open_return(workspace.hub, nodes, origin, [(sku, 1)], reason, when, near)
        gtin = products[sku].gtin
        returns.check_in(workspace.hub, nodes, ret.id, gtin.digits if gtin else sku)
        condition = Condition.DAMAGED if reason is Reason.DAMAGED_IN_TRANSIT else Condition.AS_NEW
        returns.disposition(nodes, ret.id, sku, condition, when, actor="demo")
    return len(wanted)


def _sold_skus(node_db: GovernanceUnitOfWorkFactory, node: str) -> list[str]:
    with node_db() as uow:
        recent = uow.ledger.movements(node, max(0, uow.ledger.load(node, []).head - 200), 200)
    return sorted({m.sku for m in recent if m.kind is MovementKind.SELL})


def _sell(workspace: Workspace, node: str, sku: str, at: datetime, ref: str, actor: str) -> None:
    """A sale the way the tills make one: a walk-in sale, from local rights or the hub's."""
    node_db, ask = workspace.node(node), workspace.ask_hub(node)
    rights.sell_walk_in(node_db, node, sku, 1, at, ref, ask, actor)


def _cycle_count(
    workspace: Workspace,
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    rng: random.Random,
    at: datetime,
) -> int:
    """Count a dozen SKUs: most exact, two a unit short, one far off; sales go on meanwhile."""
    with node_db() as uow:
        lines = [line for line in uow.ledger.stock(node) if line.on_hand > 1]
        position = uow.ledger.load(node, []).head
    chosen = rng.sample(lines, min(12, len(lines)))
    if not chosen:
        return 0  # a node with nothing on hand (a pop-up not yet filled) has nothing to count
    counts = []
    for i, line in enumerate(chosen):
        off = -1 if i in (1, 2) else -(line.on_hand // 2 + 2) if i == 3 else 0
        counts.append(CountRow(line.sku, max(0, line.on_hand + off), position))
    _sell(workspace, node, chosen[0].sku, at, f"till:{node}", "demo")  # while counting
    parsed = ParsedCounts(counts, [], len(counts), list(range(2, len(counts) + 2)))
    reconciliation.submit_counts(node_db, node, parsed, at, actor="demo", source="demo")
    return len(counts)
