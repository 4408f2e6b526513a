"""The governance KPIs on the dashboard, charted as the dashboard's other charts are.

The figures come from the governance services (`service.kpis`, `adapters.order_kpis`) over the
same wiring the CLI uses; nothing is computed here but the layout. They are kept for a minute
per workspace, so a dashboard reloaded often does not rescan ledgers and channel records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from microindex.adapters.order_kpis import OrderFill, order_fill
from microindex.domain.kpis import FulfilmentTime, ListingAccuracy, PackageReturnRate
from microindex.entrypoints.http.charts import Bar, horizontal_bars
from microindex.entrypoints.http.context import Hub
from microindex.service import kpis

PERIOD = timedelta(days=28)  # fill, fulfilment and returns: the last four weeks
LISTING_PERIOD = timedelta(days=1)  # listing accuracy samples every item every 15 minutes
KEEP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Figures:
    fill: dict[str, float | None]  # local fill rate per node (ledger estimate)
    orders: list[OrderFill]
    fulfilment: list[FulfilmentTime] | None  # None: nothing records orders
    packages: list[PackageReturnRate]
    listings: list[ListingAccuracy]


@dataclass(frozen=True, slots=True)
class Panel:
    """One KPI card: what it measures, its chart, or why there is none ("not measured yet")."""

    ident: str
    heading: str
    subtitle: str
    chart: str
    missing: str


def figures(hub: Hub) -> Figures:
    """The KPI figures for `hub`, read at most once a minute."""
    root = hub.workspace.settings.workspace
    with _guard:
        kept = _kept.get(root)
        if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
        found = _read(hub, hub.now())
        _kept[root] = (time.monotonic(), found)
        return found


def _read(hub: Hub, end: datetime) -> Figures:
    context = hub.workspace.governance(hub.nodes(), reports=False)
    sources, start = context.sources, end - PERIOD
    snapshot = kpis.Snapshot.read(sources.nodes)
    return Figures(
        fill={r.node: r.fill.rate for r in kpis.node_kpis(sources, start, end, snapshot)},
        orders=order_fill(hub.workspace.hub, start, end),
        fulfilment=kpis.fulfilment(sources, start, end),
        packages=kpis.package_returns(sources, snapshot),
        listings=kpis.listing_accuracy(sources, end - LISTING_PERIOD, end),
    )


def panels(seen: Figures, colours: Mapping[str, str]) -> list[Panel]:
    """The KPI cards in the order the dashboard shows them, each node in its colour; a rate
    says how many of how many it counts."""
    return [
        _panel(
            ("fill-chart", "Local fill rate"),
            "Units sold / estimated demand per node, last 4 weeks",
            [_rate(node, rate) for node, rate in seen.fill.items()],
            colours,
        ),
        _panel(
            ("order-fill-chart", "Order fill rate"),
            "Order lines handed over by the node promised, last 4 weeks",
            [_rate(o.node, o.rate, o.handed_over, o.promised) for o in seen.orders],
            colours,
        ),
        _panel(
            ("fulfilment-chart", "Time to fulfilment"),
            "Median hours from promise to handover, last 4 weeks",
            [
                Bar(t.node, t.median_hours, f"{t.median_hours:.1f} h ({t.orders} orders)")
                for t in seen.fulfilment or []
            ],
            colours,
            peak=0.0,
        ),
        _panel(
            ("returns-chart", "Return rate by package type"),
            "Packed orders with a return opened against them",
            [
                _rate(p.package_type, p.rate if p.orders else None, p.returned, p.orders)
                for p in seen.packages
            ],
            colours,
        ),
        _panel(
            ("listings-chart", "Listing accuracy per channel"),
            "Items a channel showed right, sampled every 15 min, last 24 h",
            [_rate(a.channel, a.rate, a.accurate, a.checked) for a in seen.listings],
            colours,
        ),
    ]


def _rate(label: str, rate: float | None, part: int | None = None, whole: int | None = None) -> Bar:
    counted = f" ({part} of {whole})" if part is not None and whole is not None else ""
    return Bar(label, rate, "" if rate is None else f"{rate:.0%}{counted}")


def _panel(
    card: tuple[str, str],
    subtitle: str,
    bars: list[Bar],
    colours: Mapping[str, str],
    peak: float = 1.0,
) -> Panel:
    ident, heading = card
    if not any(b.value is not None for b in bars):
        return Panel(ident, heading, subtitle, "", "Not measured yet.")
    chart = horizontal_bars(f"{heading}: {subtitle}", bars, colours, peak)
    return Panel(ident, heading, subtitle, chart, "")


_kept: dict[Path, tuple[float, Figures]] = {}
_guard = threading.Lock()
