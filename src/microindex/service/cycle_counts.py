"""Today's cycle counts at a node: the few SKUs most worth counting, by risk.

The facts come from the node's own database: its ledger (sales, overdrafts, on-hand), its
catalog copy (prices, titles), its reconciliation history (variances, deficits) and every
count taken there. The list is drawn from the facts as the day began, so it holds still while
staff work through it; a SKU counted since then has left it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from microindex.domain.cycle_counts import DAILY, Due, SkuRisk, daily_list
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.reconciliation import Variance, variance_rate
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory
from microindex.service.ledger_history import all_movements

WINDOW = timedelta(weeks=4)


@dataclass(frozen=True, slots=True)
class ToCount:
    """One line of the day's list as the staff page shows it."""

    sku: str
    title: str
    reasons: tuple[str, ...]
    score: float
    bins: tuple[str, ...] = ()  # where it is kept, when the shelf slots say


def today(
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    at: datetime,
    zone: tzinfo,
    size: int = DAILY,
) -> list[Due]:
    """The node's count list for the day of `at` on the clock of `zone` (the shop's: the
    day begins at its midnight), at most `size` SKUs, riskiest first, less those counted
    since the day began."""
    return daily_list(risks(node_db, node, at, zone), at.astimezone(zone).date(), size)


def count_sheet(
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    at: datetime,
    zone: tzinfo,
    bins: Mapping[str, Sequence[str]] | None = None,
    size: int = DAILY,
) -> list[ToCount]:
    """Today's list with each SKU's title (the node's catalog copy) and its bins, if known."""
    due = today(node_db, node, at, zone, size)
    with node_db() as uow:
        products = {d.sku: uow.catalog.get(d.sku) for d in due}
    where = bins or {}
    return [
        ToCount(
            d.sku,
            product.title if (product := products[d.sku]) is not None else "",
            d.reasons,
            d.score,
            tuple(where.get(d.sku, ())),
        )
        for d in due
    ]


def risks(
    node_db: GovernanceUnitOfWorkFactory, node: str, at: datetime, zone: tzinfo
) -> list[SkuRisk]:
    """What was known of each SKU the node held, or sold in the WINDOW, as the day of `at`
    began at midnight in `zone`; and whether it has been counted since."""
    start = datetime.combine(at.astimezone(zone).date(), time(), zone)
    ledger = all_movements(node_db, node)
    movements = [m for m in ledger if m.at < start]
    held, sold = _held(movements), _sold(movements, start - WINDOW, start)
    skus = sorted({s for s, q in held.items() if q} | set(sold))
    with node_db() as uow:
        variances = [v for v in uow.counts.variances(node) if v.at < start]
        counted = _last_counted(movements, uow.counts.last_counted(node, before=start), zone)
        since = {sku for sku, when in uow.counts.last_counted(node).items() if when >= start}
        products = {sku: uow.catalog.get(sku) for sku in skus}
    since |= {m.sku for m in ledger if m.at >= start and m.kind is MovementKind.COUNT_ADJUST}
    by_sku: dict[str, list[Variance]] = defaultdict(list)
    for v in variances:
        by_sku[v.sku].append(v)
    at_zero = _at_zero(movements, variances)
    days = WINDOW / timedelta(days=1)
    return [
        SkuRisk(
            sku,
            sold.get(sku, 0) / days,
            variance_rate(by_sku[sku]) or 0.0,
            product.price.amount if (product := products[sku]) is not None else Decimal(0),
            at_zero.get(sku, 0),
            held.get(sku, 0),
            counted.get(sku),
            sku in since,
        )
        for sku in skus
    ]


def _held(movements: list[Movement]) -> Counter[str]:
    held: Counter[str] = Counter()
    for m in movements:
        held[m.sku] += m.on_hand_delta
    return held


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
        if m.tag is Tag.OVERDRAFT:
            found[m.sku] += abs(m.quantity)
    for v in variances:
        found[v.sku] += v.deficit
    return found


def _last_counted(
    movements: list[Movement], counts: Mapping[str, datetime], zone: tzinfo
) -> dict[str, date]:
    """Each SKU's last count, the day it was on the clock of `zone`: any count taken
    (reconciled or straight to the ledger), and any count adjustment (a stock file sets
    on-hand with one)."""
    seen = list(counts.items())
    seen += [(m.sku, m.at) for m in movements if m.kind is MovementKind.COUNT_ADJUST]
    last: dict[str, date] = {}
    for sku, when in seen:
        day = when.astimezone(zone).date()
        if sku not in last or day > last[sku]:
            last[sku] = day
    return last
