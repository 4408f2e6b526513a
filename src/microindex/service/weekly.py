"""The weekly report's figures: a week's KPIs per node, the trend before it, returns, counts,
triage and pruning. Renderers (HTML, PDF, CSV) only lay these out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.kpis import FulfilmentTime, ListingAccuracy, PackageReturnRate, SellThrough
from microindex.domain.returns import ReturnAlert
from microindex.domain.triage import Proposal, PruneSuggestion
from microindex.service import kpis, returns, triage
from microindex.service.kpis import NOTES, KpiSources, NodeKpis, Snapshot, Trend

PRUNING_WEEKS = 13  # a quarter


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    start: datetime
    end: datetime
    nodes: list[NodeKpis]
    trend: Trend
    slowest: list[SellThrough]  # lowest sell-through SKUs with stock, per node
    packages: list[PackageReturnRate]
    fulfilment: list[FulfilmentTime] | None
    listings: list[ListingAccuracy]
    alerts: list[ReturnAlert]
    proposals: dict[str, list[Proposal]]
    pruning: list[PruneSuggestion]
    notes: tuple[str, ...] = NOTES


def weekly_report(
    sources: KpiSources,
    end: datetime,
    weeks: int = 8,
    return_threshold: float = 0.1,
) -> WeeklyReport:
    """The week before `end`, with `weeks` of trend and a triage proposal for every node."""
    start = end - timedelta(days=7)
    seen = Snapshot.read(sources.nodes)
    history = triage.sales_from(seen.ledgers, end - timedelta(weeks=weeks), end)
    quarter = triage.sales_from(seen.ledgers, end - timedelta(weeks=PRUNING_WEEKS), end)
    through = kpis.sell_through_by_sku(sources, start, end, seen)
    slowest = sorted(
        (t for t in through if t.on_hand > 0),
        key=lambda t: (t.rate or 0.0, -t.on_hand, t.node, t.sku),
    )
    history_start = end - timedelta(weeks=weeks)
    return WeeklyReport(
        start=start,
        end=end,
        nodes=kpis.node_kpis(sources, start, end, seen),
        trend=kpis.trend(end, weeks, seen, sources.zone),
        slowest=slowest[:15],
        packages=kpis.package_returns(sources, seen),
        fulfilment=kpis.fulfilment(sources, start, end),
        listings=kpis.listing_accuracy(sources, start, end),
        alerts=returns.alerts(
            sources.nodes, sources.packaging, history_start, end, return_threshold
        ),
        proposals={
            code: triage.triage(
                sources.hub, sources.nodes, code, history_start, end, history=history
            )
            for code in sources.nodes
        },
        pruning=triage.pruning(
            sources.nodes, end - timedelta(weeks=PRUNING_WEEKS), end, history=quarter
        ),
    )
