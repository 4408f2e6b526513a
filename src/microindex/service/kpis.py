"""KPIs per node and the weekly report's figures, read from ledgers, returns and the ports
other work fills in (orders' handovers, channels' listing checks, sync status).

`NOTES` says what each figure means and what is not measured yet; every report prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from microindex.domain.kpis import (
    FillRate,
    FulfilmentTime,
    ListingAccuracy,
    PackageReturnRate,
    SellThrough,
    fill_rate,
    package_return_rates,
    sell_through,
    time_to_fulfilment,
    units_sold,
    weekly_units,
)
from microindex.domain.movement import Movement
from microindex.domain.reconciliation import Outcome, variance_rate
from microindex.domain.returns import Return
from microindex.service.governance_ports import (
    ArchivedSkus,
    FulfilmentEvents,
    GovernanceUnitOfWorkFactory,
    ListingAccuracySource,
    PackagesUsed,
    PastSalesStore,
    SyncStatus,
    SyncStatusSource,
)
from microindex.service.ledger_history import all_movements
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.returns import all_returns

Nodes = Mapping[str, GovernanceUnitOfWorkFactory]

NOTES = (
    "Local fill rate: walk-in units sold / (sold + estimated lost). Lost walk-in sales are "
    "not recorded: on a trading day a SKU was out of stock all day, its demand is taken as its "
    "mean daily sales on in-stock days.",
    "Sell-through: units sold in the period / (sold + on hand at its end).",
    "Time to fulfilment: from each online order's events, placed to handed over, per node; "
    "orders still open or cancelled are not in it.",
    "Return rate by package: orders packed in each package type with a return opened against "
    "them. Walk-in sales use no package and are not in it.",
    "Listing accuracy: at sample moments, what each channel was last told (or was read back "
    "showing) against what the ledgers held then; empty for a channel never pushed.",
    "Values at cost use the list price: products carry no cost field yet.",
)


@dataclass(frozen=True, slots=True)
class KpiSources:
    hub: UnitOfWorkFactory
    nodes: Nodes
    packaging: PackagesUsed | None = None
    fulfilment: FulfilmentEvents | None = None
    listings: ListingAccuracySource | None = None
    sync: SyncStatusSource | None = None
    past_sales: PastSalesStore | None = None
    archived: ArchivedSkus | None = None
    zone: tzinfo = UTC  # the shop's clock (`time_zone`): its days and weeks begin at midnight


@dataclass(frozen=True, slots=True)
class NodeKpis:
    node: str
    fill: FillRate
    through: SellThrough
    counted: int  # count lines reconciled in the period
    variance_rate: float | None
    flagged: int  # variances waiting for approval (any period)
    flagged_value: Decimal
    returns_in: int  # returns opened to this node as return point
    sync: SyncStatus | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the KPI functions read once: every node's ledger and every return."""

    ledgers: dict[str, list[Movement]]
    returns: list[Return]

    @classmethod
    def read(cls, nodes: Nodes) -> Snapshot:
        ledgers = {code: all_movements(factory, code) for code, factory in nodes.items()}
        return cls(ledgers, all_returns(nodes))


def node_kpis(
    sources: KpiSources, start: datetime, end: datetime, snapshot: Snapshot | None = None
) -> list[NodeKpis]:
    """Per node over [start, end): fill rate, sell-through, count variances, returns, sync."""
    seen = snapshot or Snapshot.read(sources.nodes)
    rows = []
    for code, factory in sources.nodes.items():
        movements = seen.ledgers[code]
        sold = units_sold(movements, start, end)
        held = _on_hand_at(movements, end)
        through, _ = sell_through(code, sold, held)
        with factory() as uow:
            counted = uow.counts.variances(code, since=start)
            flagged = uow.counts.variances(code, outcome=Outcome.FLAGGED)
        counted = [v for v in counted if v.at < end and v.outcome is not Outcome.SUPERSEDED]
        rows.append(
            NodeKpis(
                code,
                _fill(code, movements, start, end, sources.zone),
                through,
                len(counted),
                variance_rate(counted),
                len(flagged),
                sum((abs(v.value) for v in flagged), Decimal(0)),
                sum(
                    1 for r in seen.returns if r.return_point == code and start <= r.opened_at < end
                ),
                sources.sync.status(code) if sources.sync else None,
            )
        )
    return rows


def sell_through_by_sku(
    sources: KpiSources, start: datetime, end: datetime, snapshot: Snapshot | None = None
) -> list[SellThrough]:
    seen = snapshot or Snapshot.read(sources.nodes)
    lines: list[SellThrough] = []
    for code, movements in seen.ledgers.items():
        _, per_sku = sell_through(
            code, units_sold(movements, start, end), _on_hand_at(movements, end)
        )
        lines += per_sku
    return lines


def package_returns(
    sources: KpiSources, snapshot: Snapshot | None = None
) -> list[PackageReturnRate]:
    if sources.packaging is None:
        return []
    seen = snapshot or Snapshot.read(sources.nodes)
    refs = {r.origin.reference for r in seen.returns}
    return package_return_rates(
        ((u.order_ref, u.package_type) for u in sources.packaging.used()), refs
    )


def fulfilment(sources: KpiSources, start: datetime, end: datetime) -> list[FulfilmentTime] | None:
    """None when nothing records orders yet (not "zero hours")."""
    if sources.fulfilment is None:
        return None
    return time_to_fulfilment(sources.fulfilment.handovers(start, end))


def listing_accuracy(sources: KpiSources, start: datetime, end: datetime) -> list[ListingAccuracy]:
    if sources.listings is None:
        return []
    return sorted(sources.listings.accuracy(start, end), key=lambda a: a.channel)


@dataclass(frozen=True, slots=True)
class Trend:
    """Weekly figures per node over the history window, oldest week first."""

    weeks: list[date]
    units: dict[str, list[int]] = field(default_factory=dict)
    fill: dict[str, list[float | None]] = field(default_factory=dict)


def trend(end: datetime, weeks: int, snapshot: Snapshot, zone: tzinfo) -> Trend:
    """`weeks` weeks before `end`, each 7 of the shop's days (on the clock of `zone`)."""
    firsts = [(end - timedelta(weeks=weeks - i)).astimezone(zone).date() for i in range(weeks)]
    result = Trend(firsts)
    for code, movements in snapshot.ledgers.items():
        result.units[code] = weekly_units(movements, firsts, zone)
        result.fill[code] = [
            fill_rate(code, movements, first, first + timedelta(days=7), zone).rate
            for first in firsts
        ]
    return result


def _fill(
    code: str, movements: list[Movement], start: datetime, end: datetime, zone: tzinfo
) -> FillRate:
    """The fill rate over the shop's days from the one `start` falls in to the one `end` does."""
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return fill_rate(code, movements, first, last + timedelta(days=1), zone)


def _on_hand_at(movements: list[Movement], end: datetime) -> dict[str, int]:
    held: dict[str, int] = {}
    for m in movements:
        if m.at < end:
            held[m.sku] = held.get(m.sku, 0) + m.on_hand_delta
    return held


class LedgerMirrorStatus:
    """Sync status from the ledgers: the node's head against the hub's copy of its ledger."""

    def __init__(self, hub: UnitOfWorkFactory, nodes: Mapping[str, UnitOfWorkFactory]) -> None:
        self._hub = hub
        self._nodes = nodes

    def status(self, node: str) -> SyncStatus | None:
        if node not in self._nodes:
            return None
        with self._nodes[node]() as uow:
            head = uow.ledger.load(node, []).head
        with self._hub() as uow:
            mirrored = uow.ledger.load(node, []).head
        return SyncStatus(node, head, mirrored)
