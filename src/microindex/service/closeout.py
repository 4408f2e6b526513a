"""One-tap close-out of a van's day or a market stall's event.

Count what is left (the SKUs named; when the caller says the list is complete for the node,
every SKU the ledger holds there too, one not named counted as none; a close-out that names
nothing is refused), settle with the hub (the node syncs: the counts and the day's sales reach
the ledger mirror and the rights), and report the day: units sold, overdrafts, variance and
takings at list price. With the hub out of reach the counts stand and the report says it is
not settled yet: the node's next sync takes them up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from microindex.domain.errors import DomainError
from microindex.domain.ledger import CountResult
from microindex.domain.movement import MovementKind, Tag
from microindex.domain.product import Product
from microindex.service import stock, sync
from microindex.service.ledger_history import all_movements
from microindex.service.sync_ports import HubUnreachable, SyncTransport, SyncUnitOfWorkFactory


@dataclass(eq=False)
class NothingCounted(DomainError):
    """A close-out that names no SKU: refused, never read as "none of anything is left"."""

    node: str
    code = "nothing_counted"

    def __str__(self) -> str:
        return (
            f"a close-out of {self.node} must name what it counted: nothing was counted, "
            "nothing was written off"
        )


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


def day_began(zone: ZoneInfo, now: datetime, began: time = time()) -> datetime:
    """When the day or event that closes at `now` began: `began` (a time of day on the node's
    own clock, in `zone`; midnight unless said) of the node's own today, in UTC."""
    today = now.astimezone(zone).date()
    return datetime.combine(today, began, zone).astimezone(UTC)


def close_out(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    counted: Mapping[str, int],
    link: SyncTransport | None,
    since: datetime,
    at: datetime,
    actor: str = "",
    complete: bool = False,
) -> DayReport:
    """Count, settle with the hub (when `link` reaches it), report the day from `since` (the
    day's or event's start). `complete`: the counts are all the node holds, so a SKU held and
    not named is counted as none."""
    counts = count_left(node_db, node, counted, at, actor, complete)
    synced = False
    if link is not None:
        try:
            sync.sync_node(node_db, node, link, at)
            synced = True
        except HubUnreachable:
            pass  # the counts are recorded; the node's sync loop takes them up later
    return report(node_db, node, counts, since, at, synced)


def to_count(node_db: SyncUnitOfWorkFactory, node: str) -> list[str]:
    """The SKUs a complete close-out counts unless others are found: those the ledger holds."""
    with node_db() as uow:
        return sorted(line.sku for line in uow.ledger.stock(node) if line.on_hand != 0)


def count_left(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    counted: Mapping[str, int],
    at: datetime,
    actor: str = "",
    complete: bool = False,
) -> list[CountResult]:
    """Count the SKUs named (and, when `complete`, every SKU held), all at the same ledger
    position (now)."""
    if not counted:
        raise NothingCounted(node)
    head = stock.ledger_head(node_db, node)
    held = to_count(node_db, node) if complete else []
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
