"""One-tap close-out of a van's day or a market stall's event.

Count what is left (every SKU the ledger holds there, plus any found; a SKU not counted is
counted as none), settle with the hub (the node syncs: the counts and the day's sales reach
the ledger mirror and the rights), and report the day: units sold, overdrafts, variance and
takings at list price. With the hub out of reach the counts stand and the report says it is
not settled yet: the node's next sync takes them up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from microindex.domain.ledger import CountResult
from microindex.domain.movement import MovementKind, Tag
from microindex.domain.product import Product
from microindex.service import stock, sync
from microindex.service.ledger_history import all_movements
from microindex.service.sync_ports import HubUnreachable, SyncTransport, SyncUnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class DayReport:
    node: str
    since: datetime
    closed_at: datetime
    sold: dict[str, int]
    overdrafts: dict[str, int]
    counts: list[CountResult]
    takings: Decimal
    variance_value: Decimal
    on_hand: dict[str, int] = field(default_factory=dict)
    synced: bool = False

    @property
    def units_sold(self) -> int:
        return sum(self.sold.values())

    @property
    def variance(self) -> int:
        return sum(c.variance for c in self.counts)


def close_out(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    counted: Mapping[str, int],
    link: SyncTransport | None,
    since: datetime,
    at: datetime,
    actor: str = "",
) -> DayReport:
    """Count, settle with the hub (when `link` reaches it), report the day from `since` (the
    day's or event's start)."""
    counts = count_left(node_db, node, counted, at, actor)
    synced = False
    if link is not None:
        try:
            sync.sync_node(node_db, node, link, at)
            synced = True
        except HubUnreachable:
            pass  # the counts are recorded; the node's sync loop takes them up later
    return report(node_db, node, counts, since, at, synced)


def to_count(node_db: SyncUnitOfWorkFactory, node: str) -> list[str]:
    """The SKUs a close-out counts unless others are found: those the ledger holds there."""
    with node_db() as uow:
        return sorted(line.sku for line in uow.ledger.stock(node) if line.on_hand != 0)


def count_left(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    counted: Mapping[str, int],
    at: datetime,
    actor: str = "",
) -> list[CountResult]:
    """Count every SKU held or found, all at the same ledger position (now)."""
    head = stock.ledger_head(node_db, node)
    held = to_count(node_db, node)
    reference = f"closeout:{node}:{at:%Y-%m-%d}"
    return [
        stock.count(node_db, node, sku, counted.get(sku, 0), at, head, reference, actor)
        for sku in sorted({*held, *counted})
    ]


def report(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    counts: list[CountResult],
    since: datetime,
    at: datetime,
    synced: bool = False,
) -> DayReport:
    day = [m for m in all_movements(node_db, node) if since <= m.at <= at]
    sold: Counter[str] = Counter()
    overdrafts: Counter[str] = Counter()
    for m in day:
        if m.kind is MovementKind.SELL:
            sold[m.sku] -= m.quantity
        if m.tag is Tag.OVERDRAFT:
            overdrafts[m.sku] -= m.quantity
    with node_db() as uow:
        prices = _prices(uow.catalog.get, set(sold) | {c.sku for c in counts})
        on_hand = {line.sku: line.on_hand for line in uow.ledger.stock(node) if line.on_hand}
    takings = sum((prices[s] * q for s, q in sold.items()), Decimal(0))
    value = sum((prices[c.sku] * c.variance for c in counts), Decimal(0))
    return DayReport(
        node, since, at, dict(sold), dict(overdrafts), counts, takings, value, on_hand, synced
    )


def _prices(get: Callable[[str], Product | None], skus: set[str]) -> dict[str, Decimal]:
    prices: dict[str, Decimal] = {}
    for sku in skus:
        product = get(sku)
        prices[sku] = product.price.amount if product is not None else Decimal(0)
    return prices
