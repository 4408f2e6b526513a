"""What the hub's dashboard shows: node activity, sales by week, stock value, stock, movements,
orders by step.

Read-only views over the hub's catalog and each node's own ledger; nothing here writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from microindex.domain.movement import Movement, MovementKind
from microindex.domain.node import Node
from microindex.domain.product import Product
from microindex.domain.promise.lifecycle import ORDER, Order, Step
from microindex.service import promise
from microindex.service.browse import ProductFilter
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.search import Hit

Nodes = Mapping[str, UnitOfWorkFactory]
PAGE = 1000


class Health(StrEnum):
    ACTIVE = "active"  # a movement in the last day
    QUIET = "quiet"  # none for a day, some in the last week
    SILENT = "silent"  # none for a week or more
    NEW = "new"  # no movement yet


# How long without a movement moves a node to the next, worse, state.
QUIET_AFTER = timedelta(days=1)
SILENT_AFTER = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class NodeActivity:
    node: Node
    head: int
    last_at: datetime | None

    def age(self, now: datetime) -> timedelta | None:
        """Time since the last movement; a movement stamped in the future counts as now."""
        return None if self.last_at is None else max(now - self.last_at, timedelta(0))

    def health(self, now: datetime) -> Health:
        age = self.age(now)
        if age is None:
            return Health.NEW
        if age < QUIET_AFTER:
            return Health.ACTIVE
        return Health.QUIET if age < SILENT_AFTER else Health.SILENT


def node_activity(registered: list[Node], nodes: Nodes) -> list[NodeActivity]:
    """Each registered node's ledger head and the time of its last movement."""
    found = []
    for node in registered:
        with nodes[node.code.value]() as uow:
            head = uow.ledger.load(node.code.value, []).head
            last = uow.ledger.movement(node.code.value, head) if head else None
        found.append(NodeActivity(node, head, last.at if last else None))
    return found


def _movements(nodes: Nodes, code: str, after: int = 0) -> Iterator[Movement]:
    while True:
        with nodes[code]() as uow:
            batch = uow.ledger.movements(code, after, PAGE)
        yield from batch
        if len(batch) < PAGE:
            return
        after = batch[-1].seq


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_sales(
    nodes: Nodes, now: datetime, zone: tzinfo, max_weeks: int
) -> tuple[list[date], dict[str, list[int]]]:
    """Units sold per node per week (weeks start on Monday in `zone`, the shop's), oldest
    first: a sale at 00:20 on a Monday in London summer time is in that Monday's week.

    The weeks run from the one of the earliest movement (at most `max_weeks` back) to this
    one; with no movement anywhere there are no weeks.
    """
    today = now.astimezone(zone).date()
    firsts = []
    for code, factory in nodes.items():
        with factory() as uow:
            first = uow.ledger.movement(code, 1)
        if first is not None:
            firsts.append(first.at.astimezone(zone).date())
    if not firsts:
        return [], {code: [] for code in nodes}
    this_week = week_start(today)
    start = max(week_start(min(firsts)), this_week - timedelta(weeks=max_weeks - 1))
    weeks = (this_week - start).days // 7 + 1
    sold: dict[str, list[int]] = {}
    for code in nodes:
        counts = [0] * weeks
        for movement in _movements(nodes, code):
            index = (movement.at.astimezone(zone).date() - start).days // 7
            if movement.kind is MovementKind.SELL and 0 <= index < weeks:
                counts[index] -= movement.quantity
        sold[code] = counts
    return [start + timedelta(weeks=i) for i in range(weeks)], sold


def stock_value(nodes: Nodes, catalog: Mapping[str, Product], currency: str) -> dict[str, Decimal]:
    """On-hand at each node valued at the selling price; products in other currencies left out."""
    value: dict[str, Decimal] = {}
    for code, factory in nodes.items():
        value[code] = Decimal(0)
        with factory() as uow:
            lines = uow.ledger.stock(code)
        for line in lines:
            product = catalog.get(line.sku)
            if product is not None and product.price.currency == currency:
                value[code] += product.effective_price() * line.on_hand
    return value


def recent_movements(nodes: Nodes, limit: int) -> list[Movement]:
    """The latest `limit` movements across nodes, newest first."""
    latest: list[Movement] = []
    for code, factory in nodes.items():
        with factory() as uow:
            head = uow.ledger.load(code, []).head
            latest.extend(uow.ledger.movements(code, max(0, head - limit), limit))
    return sorted(latest, key=lambda m: (m.at, m.node, m.seq), reverse=True)[:limit]


@dataclass(frozen=True, slots=True)
class StockRow:
    product: Product
    on_hand: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.on_hand.values())


def stock_grid(
    nodes: Nodes, catalog: Mapping[str, Product], where: ProductFilter, limit: int
) -> tuple[list[StockRow], int]:
    """Stock by SKU and node for the products matching `where`: the first `limit`, and the total."""
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    for code, factory in nodes.items():
        with factory() as uow:
            for line in uow.ledger.stock(code):
                grid[line.sku][code] = line.on_hand
    rows = [
        StockRow(catalog[sku], grid[sku])
        for sku in sorted(grid)
        if sku in catalog and where.matches(catalog[sku])
    ]
    return rows[:limit], len(rows)


def catalog_by_sku(hub: UnitOfWorkFactory) -> dict[str, Product]:
    with hub() as uow:
        return {p.sku.value: p for p in uow.catalog.all()}


@dataclass(frozen=True, slots=True)
class OrderBoard:
    """Open orders counted by step (in lifecycle order), the latest orders placed, and the
    open orders at risk (goods gone at a node, no other node could take them over)."""

    open_by_step: dict[Step, int]
    latest: list[Order]
    at_risk: list[Order] = field(default_factory=list)


def order_board(
    hub: PromiseUnitOfWorkFactory, now: datetime, limit: int, lookback: timedelta
) -> OrderBoard:
    """The hub's orders as the dashboard shows them: open ones by step, the last `limit` placed
    in the `lookback` before `now` (newest first)."""
    open_now = promise.open_orders(hub)
    counts = Counter(order.step for order in open_now)
    events = promise.order_events(hub, now - lookback, now + timedelta(seconds=1))
    newest = sorted(
        (e for e in events if e.step is Step.PROMISED), key=lambda e: e.at, reverse=True
    )
    idents = list(dict.fromkeys(e.order for e in newest))[:limit]
    latest = [promise.get_order(hub, ident).order for ident in idents]
    at_risk = [order for order in open_now if order.at_risk]
    return OrderBoard({step: counts[step] for step in ORDER if counts[step]}, latest, at_risk)


def search_rows(hits: Sequence[Hit], catalog: Mapping[str, Product]) -> list[StockRow]:
    """Search hits as stock rows, in the search's order, with the index's on-hand per node."""
    return [
        StockRow(catalog[hit.sku], {n: q for n, q in hit.stock.items() if q})
        for hit in hits
        if hit.sku in catalog
    ]
