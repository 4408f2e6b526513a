"""Today's cycle counts at a node: the few SKUs most worth counting, by risk.

The facts come from the node's own database: its ledger (sales, overdrafts, last counts,
on-hand), its catalog copy (prices) and its reconciliation history (variances, deficits).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from microindex.domain.cycle_counts import DAILY, Due, SkuRisk, daily_list
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.reconciliation import Variance, variance_rate
from microindex.domain.sync.rights import Tag, tag_of
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory
from microindex.service.ledger_history import all_movements

WINDOW = timedelta(weeks=4)


def today(
    node_db: GovernanceUnitOfWorkFactory, node: str, at: datetime, size: int = DAILY
) -> list[Due]:
    """The node's count list for the day of `at` (at most `size` SKUs, riskiest first)."""
    return daily_list(risks(node_db, node, at), at.date(), size)


def risks(node_db: GovernanceUnitOfWorkFactory, node: str, at: datetime) -> list[SkuRisk]:
    """What is known of each SKU the node holds or sold in the last WINDOW."""
    movements = all_movements(node_db, node)
    with node_db() as uow:
        variances = uow.counts.variances(node)
        on_hand = {line.sku: line.on_hand for line in uow.ledger.stock(node)}
        sold = _sold(movements, at - WINDOW, at)
        skus = sorted({s for s, q in on_hand.items() if q} | set(sold))
        products = {sku: uow.catalog.get(sku) for sku in skus}
    by_sku: dict[str, list[Variance]] = defaultdict(list)
    for v in variances:
        by_sku[v.sku].append(v)
    at_zero = _at_zero(movements, variances)
    counted = _last_counted(movements, variances)
    days = WINDOW / timedelta(days=1)
    return [
        SkuRisk(
            sku,
            sold.get(sku, 0) / days,
            variance_rate(by_sku[sku]) or 0.0,
            product.price.amount if (product := products[sku]) is not None else Decimal(0),
            at_zero.get(sku, 0),
            on_hand.get(sku, 0),
            counted.get(sku),
        )
        for sku in skus
    ]


def _sold(movements: list[Movement], start: datetime, end: datetime) -> Counter[str]:
    sold: Counter[str] = Counter()
    for m in movements:
        if m.kind is MovementKind.SELL and start <= m.at < end:
            sold[m.sku] -= m.quantity
    return sold


def _at_zero(movements: list[Movement], variances: list[Variance]) -> Counter[str]:
    """Units sold beyond what the node had: overdraft sales and counts' deficits."""
    found: Counter[str] = Counter()
    for m in movements:
        if tag_of(m.reference)[0] is Tag.OVERDRAFT:
            found[m.sku] += abs(m.quantity)
    for v in variances:
        found[v.sku] += v.deficit
    return found


def _last_counted(movements: list[Movement], variances: list[Variance]) -> dict[str, date]:
    last: dict[str, date] = {}
    seen = [(v.sku, v.at) for v in variances]
    seen += [(m.sku, m.at) for m in movements if m.kind is MovementKind.COUNT_ADJUST]
    for sku, when in seen:
        if sku not in last or when.date() > last[sku]:
            last[sku] = when.date()
    return last
