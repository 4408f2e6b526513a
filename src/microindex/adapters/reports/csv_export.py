"""KPIs as one long CSV: `metric,node,key,value,start,end`, a row per figure, for spreadsheets.

Figures not measured (no demand, no counts) are written with an empty value, never as 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from microindex.adapters.csvio.sheet import sheet_writer
from microindex.service.weekly import WeeklyReport

COLUMNS = ("metric", "node", "key", "value", "start", "end")


def _value(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def kpi_rows(report: WeeklyReport) -> Iterator[tuple[str, str, str, float | int | None]]:
    for r in report.nodes:
        yield "fill_rate", r.node, "", r.fill.rate
        yield "units_sold", r.node, "", r.fill.served
        yield "lost_sales_estimate", r.node, "", r.fill.lost_estimate
        yield "sell_through", r.node, "", r.through.rate
        yield "on_hand", r.node, "", r.through.on_hand
        yield "count_variance_rate", r.node, "", r.variance_rate
        yield "variances_flagged", r.node, "", r.flagged
        yield "returns_received", r.node, "", r.returns_in
        yield "sync_lag_movements", r.node, "", None if r.sync is None else r.sync.lag
    for p in report.packages:
        yield "package_return_rate", "", p.package_type, p.rate
    for a in report.listings:
        yield "listing_accuracy", "", a.channel, a.rate
    for f in report.fulfilment or []:
        yield "fulfilment_median_hours", f.node, "", f.median_hours


def write_kpis(report: WeeklyReport, stream: BinaryIO) -> None:
    start, end = report.start.isoformat(), report.end.isoformat()
    with sheet_writer(stream, COLUMNS) as writer:
        for metric, node, key, value in kpi_rows(report):
            writer.writerow(
                {
                    "metric": metric,
                    "node": node,
                    "key": key,
                    "value": _value(value),
                    "start": start,
                    "end": end,
                }
            )
