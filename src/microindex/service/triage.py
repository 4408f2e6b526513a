"""SKU triage and assortment pruning from the nodes' sales history (their ledgers' sells)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from microindex.domain.errors import InvalidValue
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.product import Product
from microindex.domain.triage import (
    PROPOSAL_SIZE,
    VIEWS,
    PastSale,
    Proposal,
    PruneSuggestion,
    SkuFacts,
    prune,
)
from microindex.service.catalog import ImportRejected, RowError
from microindex.service.governance_ports import (
    ArchivedSkus,
    GovernanceUnitOfWorkFactory,
    PastSalesStore,
    StockTarget,
)
from microindex.service.known import require_nodes, unknown_node
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


def is_sale(m: Movement) -> bool:
    """A walk-in sale, or an online order's goods picked at the node: both are its sales."""
    return m.kind is MovementKind.SELL or (m.kind is MovementKind.PICK and m.tag is Tag.FULFIL)


def _node_sales(
    movements: list[Movement], start: datetime, end: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    units: dict[str, int] = defaultdict(int)
    weeks: dict[str, set[int]] = defaultdict(set)
    for m in movements:
        if is_sale(m) and start <= m.at < end:
            units[m.sku] -= m.quantity
            weeks[m.sku].add((m.at - start) // timedelta(weeks=1))
    return dict(units), {sku: len(w) for sku, w in weeks.items()}


def imported_sales(node: str, past: Sequence[PastSale], weeks: float) -> Sales:
    """A node's imported past sales as its history: the `weeks` up to its last imported day."""
    end = max(s.day for s in past) + timedelta(days=1)
    start = end - timedelta(weeks=weeks)
    units: dict[str, int] = defaultdict(int)
    selling: dict[str, set[int]] = defaultdict(set)
    for s in past:
        if start <= s.day < end:
            units[s.sku] += s.units
            selling[s.sku].add((s.day - start) // timedelta(weeks=1))
    return Sales({node: dict(units)}, {node: {k: len(v) for k, v in selling.items()}}, weeks)


def triage(
    hub: UnitOfWorkFactory,
    nodes: Nodes,
    node: str,
    start: datetime,
    end: datetime,
    limit: int = PROPOSAL_SIZE,
    history: Sales | None = None,
    view: str = "fastest",
    past: PastSalesStore | None = None,
    archived: ArchivedSkus | None = None,
) -> list[Proposal]:
    """The first `limit` SKUs `node` should hold, ranked from the window's sales history
    (walk-in sales and online picks at the node), SKUs archived from the node's range left
    out. A node with no sales in the window ranks on
    the past sales it imported, if any (`basis="imported"`). `view`: `fastest` (the playbook's:
    by the node's own velocity) or `weighted` (velocity, margin, repeat, sturdiness)."""
    require_nodes(hub, node)
    rank = VIEWS[view]
    history = history or sales(nodes, start, end)
    basis = ""
    if not history.units.get(node) and past is not None:
        imported = past.sales(node)
        if imported:
            history, basis = imported_sales(node, imported, history.weeks), "imported"
    with hub() as uow:
        products = {p.sku.value: p for p in uow.catalog.all()}
    for sku in archived.archived(node) if archived is not None else ():
        products.pop(sku, None)  # dropped from the node's range by pruning
    found = rank(node, _facts(node, history, products), history.weeks, limit)
    return [replace(p, basis=basis) for p in found] if basis else found


def view(name: str) -> str:
    """A triage view's name, checked: `fastest` or `weighted`."""
    if name not in VIEWS:
        raise InvalidValue("view", name, f"one of {', '.join(VIEWS)}")
    return name


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


@dataclass(frozen=True, slots=True)
class SaleRow:
    row: int  # as a spreadsheet numbers it
    day: date
    sku: str
    units: int


@dataclass(frozen=True, slots=True)
class ParsedSales:
    """A past-sales file read: good rows, bad ones, rows read, lines skipped (no SKU)."""

    rows: list[SaleRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    read: int = 0
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class SalesImported:
    node: str
    units: int
    skus: int
    first: date
    last: date
    skipped: int


def import_past_sales(
    hub: UnitOfWorkFactory, past: PastSalesStore | None, node: str, parsed: ParsedSales
) -> SalesImported:
    """Make a file's sales the node's past sales (replacing an earlier import): all rows, or
    none when any is bad or names a SKU the catalog lacks."""
    if past is None:
        raise ImportRejected([RowError(1, "", "this workspace keeps no past sales")])
    with hub() as uow:
        if uow.nodes.get(node) is None:
            raise unknown_node(uow, node)
        missing = uow.catalog.missing(row.sku for row in parsed.rows)
    errors = list(parsed.errors)
    errors += [
        RowError(r.row, "sku", "not in the catalog", r.sku) for r in parsed.rows if r.sku in missing
    ]
    if errors or not parsed.rows:
        raise ImportRejected(
            sorted(errors, key=lambda e: e.row) or [RowError(1, "", "no sales in the file")]
        )
    past.replace(node, [PastSale(r.sku, r.day, r.units) for r in parsed.rows])
    days = [r.day for r in parsed.rows]
    return SalesImported(
        node,
        sum(r.units for r in parsed.rows),
        len({r.sku for r in parsed.rows}),
        min(days),
        max(days),
        parsed.skipped,
    )


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
