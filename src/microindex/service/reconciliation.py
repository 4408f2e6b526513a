"""Reconciliation use cases at a node: submit counts, the nightly run, approval of the rest.

Counts wait as submitted until the nightly run sets each against the ledger at the position it
was taken. Within tolerance the run records the count adjustment; over it, the variance is
flagged with its value and waits for someone to approve it. Every line leaves a variance row,
zero or not: that history is what variance rates per node and SKU are read from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from microindex.domain.errors import UnknownSku
from microindex.domain.ledger import Ledger
from microindex.domain.reconciliation import (
    CountLine,
    NotAwaitingApproval,
    Outcome,
    Tolerance,
    Variance,
    judge,
)
from microindex.service.catalog import ImportRejected, RowError
from microindex.service.governance_ports import (
    GovernanceUnitOfWork,
    GovernanceUnitOfWorkFactory,
    PendingCount,
)
from microindex.service.resolver import UnitOfWorkLookup
from microindex.service.returns import scanned_sku
from microindex.service.stock import save_movements

COST_BASIS = "price"  # products carry no cost yet: the list price stands in for it


@dataclass(frozen=True, slots=True)
class CountRow:
    """A count file's row as read: `position` None means "the head when submitted"."""

    sku: str
    counted: int
    position: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedCounts:
    """A count file read: good rows (with their spreadsheet row numbers) and bad ones."""

    counts: list[CountRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    row_numbers: list[int] = field(default_factory=list)


def submit_counts(
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    parsed: ParsedCounts,
    at: datetime,
    actor: str = "",
    source: str = "csv",
) -> list[int]:
    """Store a count file's lines for the nightly run: all of them, or none if any row is bad
    (bad cells, a SKU the catalog lacks, a position beyond the ledger's head)."""
    with node_db() as uow:
        head = uow.ledger.load(node, []).head
        missing = uow.catalog.missing(row.sku for row in parsed.counts)
        errors = list(parsed.errors)
        for number, row in zip(parsed.row_numbers, parsed.counts, strict=True):
            if row.sku in missing:
                errors.append(RowError(number, "sku", "not in the catalog", row.sku))
            if row.position is not None and row.position > head:
                reason = f"beyond the ledger's head ({head})"
                errors.append(RowError(number, "position", reason, str(row.position)))
        if errors or not parsed.counts:
            raise ImportRejected(
                sorted(errors, key=lambda e: e.row) or [RowError(1, "", "no counts in the file")]
            )
        lines = [
            CountLine(row.sku, row.counted, head if row.position is None else row.position)
            for row in parsed.counts
        ]
        ids = uow.counts.submit(node, lines, at, actor, source)
        uow.commit()
    return ids


def counts_from_scans(
    node_db: GovernanceUnitOfWorkFactory, scans: Sequence[str], position: int | None = None
) -> ParsedCounts:
    """A scan session as counts: each scan (SKU or GTIN) is one unit of what it names."""
    counted: Counter[str] = Counter()
    with node_db() as uow:
        lookup = UnitOfWorkLookup(uow)
        for scan in filter(str.strip, scans):
            counted[scanned_sku(lookup, scan)] += 1
    rows = [CountRow(sku, n, position) for sku, n in sorted(counted.items())]
    return ParsedCounts(rows, [], len(rows), list(range(1, len(rows) + 1)))


@dataclass(frozen=True, slots=True)
class Reconciliation:
    node: str
    variances: list[Variance]

    def with_outcome(self, outcome: Outcome) -> list[Variance]:
        return [v for v in self.variances if v.outcome is outcome]


def reconcile(
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    tolerance: Tolerance,
    at: datetime,
    actor: str = "nightly",
) -> Reconciliation:
    """Set every pending count against the ledger at its position, in one transaction."""
    with node_db() as uow:
        pending = uow.counts.pending(node)
        latest = {c.id for c in _latest_per_sku(pending)}
        ledger = uow.ledger.load(node, {p.line.sku for p in pending})
        last_adjusted = _last_adjusted(uow, node)
        made: list[Variance] = []
        for count in pending:
            variance = _judged(uow, node, count.line, tolerance, at, actor)
            stale = last_adjusted.get(count.line.sku, 0) > count.line.position
            if count.id not in latest or stale:
                variance = replace(variance, outcome=Outcome.SUPERSEDED)
            elif variance.outcome in (Outcome.MATCHED, Outcome.ADJUSTED):
                variance = _apply(uow, ledger, variance, at, actor)
            made.append(uow.counts.add_variance(variance))
        uow.counts.close([c.id for c in pending], at)
        _flush(uow, ledger, at)
        uow.commit()
    return Reconciliation(node, made)


def approve(
    node_db: GovernanceUnitOfWorkFactory,
    node: str,
    variance_ids: Sequence[int] | None,
    at: datetime,
    actor: str,
) -> list[Variance]:
    """Approve flagged variances (all of the node's when `variance_ids` is None): each is
    adjusted now, against the expected quantity at the position it was counted."""
    with node_db() as uow:
        if variance_ids is None:
            flagged = uow.counts.variances(node, outcome=Outcome.FLAGGED)
        else:
            flagged = [_flagged(uow, node, i) for i in variance_ids]
        ledger = uow.ledger.load(node, {v.sku for v in flagged})
        last_adjusted = _last_adjusted(uow, node)
        done = []
        for variance in flagged:
            if last_adjusted.get(variance.sku, 0) > variance.position:
                decided = replace(variance, outcome=Outcome.SUPERSEDED, decided_by=actor)
            else:
                approved = replace(variance, outcome=Outcome.APPROVED, decided_by=actor)
                decided = _apply(uow, ledger, approved, at, actor)
            uow.counts.update_variance(decided)
            done.append(decided)
        _flush(uow, ledger, at)
        uow.commit()
    return done


def history(
    node_db: GovernanceUnitOfWorkFactory, node: str, since: datetime | None = None
) -> list[Variance]:
    with node_db() as uow:
        return uow.counts.variances(node, since)


def _apply(
    uow: GovernanceUnitOfWork, ledger: Ledger, v: Variance, at: datetime, actor: str
) -> Variance:
    result = ledger.count(v.sku, v.counted, v.position, v.expected, at, f"count:{v.node}", actor)
    uow.ledger.record_count(result, at, actor)
    seq = result.adjustment.seq if result.adjustment else None
    return replace(v, movement=seq, deficit=result.deficit)


def _flush(uow: GovernanceUnitOfWork, ledger: Ledger, at: datetime) -> None:
    save_movements(uow, ledger, at)


def _judged(
    uow: GovernanceUnitOfWork,
    node: str,
    line: CountLine,
    tolerance: Tolerance,
    at: datetime,
    actor: str,
) -> Variance:
    expected = uow.ledger.on_hand_at(node, line.sku, line.position)
    cost = _unit_cost(uow, line.sku)
    outcome = judge(line.counted - expected, expected, cost, tolerance)
    return Variance(
        0,
        node,
        line.sku,
        line.counted,
        line.position,
        expected,
        cost,
        COST_BASIS,
        outcome,
        at,
        decided_by=actor,
    )


def _latest_per_sku(pending: list[PendingCount]) -> list[PendingCount]:
    """One count per SKU: the one taken at the latest position (then the last submitted)."""
    latest: dict[str, PendingCount] = {}
    for count in pending:
        kept = latest.get(count.line.sku)
        if kept is None or (count.line.position, count.id) > (kept.line.position, kept.id):
            latest[count.line.sku] = count
    return sorted(latest.values(), key=lambda c: c.id)


def _last_adjusted(uow: GovernanceUnitOfWork, node: str) -> dict[str, int]:
    """Per SKU, the ledger seq of its latest count adjustment from a reconciliation."""
    last: dict[str, int] = {}
    for v in uow.counts.variances(node):
        if v.movement is not None:
            last[v.sku] = max(last.get(v.sku, 0), v.movement)
    return last


def _unit_cost(uow: GovernanceUnitOfWork, sku: str) -> Decimal:
    product = uow.catalog.get(sku)
    if product is None:
        raise UnknownSku(sku)
    return product.price.amount


def _flagged(uow: GovernanceUnitOfWork, node: str, variance_id: int) -> Variance:
    variance = uow.counts.variance(node, variance_id)
    if variance is None or variance.outcome is not Outcome.FLAGGED:
        shown = "missing" if variance is None else variance.outcome.value
        raise NotAwaitingApproval(node, variance_id, shown)
    return variance
