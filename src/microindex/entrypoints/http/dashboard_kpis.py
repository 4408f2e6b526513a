"""The governance KPIs on the dashboard, charted with the weekly report's SVG functions.

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
from microindex.adapters.reports.svg import bar_chart
from microindex.domain.kpis import FulfilmentTime, ListingAccuracy, PackageReturnRate
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
    """One KPI card: its chart, or why there is none ("not measured yet")."""

    ident: str
    heading: str
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


def panels(seen: Figures) -> list[Panel]:
    """The KPI cards in the order the dashboard shows them."""
    times = seen.fulfilment or []
    return [
        _panel(
            ("fill-chart", "Local fill rate"),
            "Units sold / estimated demand per node, last 4 weeks",
            seen.fill,
            top=1.0,
        ),
        _panel(
            ("order-fill-chart", "Order fill rate"),
            "Order lines handed over by the node promised, last 4 weeks",
            {o.node: o.rate for o in seen.orders},
            top=1.0,
        ),
        _panel(
            ("fulfilment-chart", "Time to fulfilment"),
            "Median hours from promise to handover, last 4 weeks",
            {t.node: t.median_hours for t in times},
            fmt=".1f",
        ),
        _panel(
            ("returns-chart", "Return rate by package type"),
            "Packed orders with a return opened against them",
            {p.package_type: p.rate for p in seen.packages},
        ),
        _panel(
            ("listings-chart", "Listing accuracy per channel"),
            "Items a channel showed right, sampled every 15 min, last 24 h",
            {a.channel: a.rate for a in seen.listings},
            top=1.0,
        ),
    ]


def _panel(
    card: tuple[str, str],
    title: str,
    values: Mapping[str, float | None],
    fmt: str = ".0%",
    top: float | None = None,
) -> Panel:
    ident, heading = card
    if not any(v is not None for v in values.values()):
        return Panel(ident, heading, "", "Not measured yet.")
    chart = bar_chart(title, list(values), list(values.values()), fmt=fmt, top=top)
    return Panel(ident, heading, chart, "")


_kept: dict[Path, tuple[float, Figures]] = {}
_guard = threading.Lock()
