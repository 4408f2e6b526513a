"""What the weekly report charts and tabulates, decided once for every format (HTML, PDF)."""

from __future__ import annotations

from dataclasses import dataclass, field

from microindex.service.weekly import WeeklyReport

TRIAGE_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Chart:
    kind: str  # "bar" or "line"
    title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    fmt: str = ".0%"
    top: float | None = None
    empty: str = ""  # why there is nothing to draw, when there is not


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str = "none"
    widths: list[float] = field(default_factory=list)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def charts(report: WeeklyReport) -> list[Chart]:
    nodes = [row.node for row in report.nodes]
    weeks = [f"{d:%d %b}" for d in report.trend.weeks]
    fulfil = report.fulfilment or []
    return [
        Chart(
            "bar",
            "Local fill rate, this week",
            nodes,
            [("fill", [r.fill.rate for r in report.nodes])],
            top=1.0,
        ),
        Chart(
            "line",
            "Units sold per week",
            weeks,
            [(n, [float(u) for u in report.trend.units[n]]) for n in nodes],
            fmt=".0f",
        ),
        Chart(
            "line",
            "Local fill rate per week",
            weeks,
            [(n, report.trend.fill[n]) for n in nodes],
            top=1.0,
        ),
        Chart(
            "bar",
            "Sell-through, this week",
            nodes,
            [("sell-through", [r.through.rate for r in report.nodes])],
            top=1.0,
        ),
        Chart(
            "bar",
            "Return rate by package type",
            [p.package_type for p in report.packages],
            [("rate", [p.rate for p in report.packages])],
            empty="no packed orders in the period",
        ),
        Chart(
            "bar",
            "Listing accuracy by channel",
            [a.channel for a in report.listings],
            [("accuracy", [a.rate for a in report.listings])],
            empty="no channel has reported listing checks yet",
        ),
        Chart(
            "bar",
            "Time to fulfilment, median hours",
            [f.node for f in fulfil],
            [("hours", [f.median_hours for f in fulfil])],
            fmt=".1f",
            empty="not measured: orders are not recorded yet",
        ),
    ]


def tables(report: WeeklyReport) -> list[Table]:
    return [
        _kpi_table(report),
        _alerts(report),
        _slowest(report),
        *_proposals(report),
        _pruning(report),
    ]


def _kpi_table(report: WeeklyReport) -> Table:
    rows = [
        [
            r.node,
            _pct(r.fill.rate),
            str(r.through.sold),
            f"{r.fill.lost_estimate:.1f}",
            _pct(r.through.rate),
            str(r.through.on_hand),
            f"{r.counted} / {_pct(r.variance_rate)}",
            f"{r.flagged} ({r.flagged_value:.2f})",
            str(r.returns_in),
            "unknown" if r.sync is None else str(r.sync.lag),
        ]
        for r in report.nodes
    ]
    header = [
        "node",
        "fill rate",
        "sold",
        "est. lost",
        "sell-thru",
        "on hand",
        "counted / off",
        "flagged (value)",
        "returns in",
        "sync lag",
    ]
    return Table("KPIs per node, this week", header, rows)


def _alerts(report: WeeklyReport) -> Table:
    rows = [
        [a.dimension, a.key, str(a.sold), str(a.returned), _pct(a.rate), ", ".join(a.evidence[:4])]
        for a in report.alerts
    ]
    header = ["by", "key", "sold", "returned", "rate", "returns"]
    return Table("Return alerts", header, rows, "no return rate over the threshold")


def _slowest(report: WeeklyReport) -> Table:
    rows = [[t.node, t.sku, str(t.sold), str(t.on_hand), _pct(t.rate)] for t in report.slowest]
    header = ["node", "SKU", "sold", "on hand", "sell-through"]
    return Table("Lowest sell-through this week (SKUs with stock)", header, rows)


def _proposals(report: WeeklyReport) -> list[Table]:
    found = []
    for node, proposals in report.proposals.items():
        rows = [
            [
                str(p.rank),
                p.sku,
                f"{p.score:.3f}",
                f"{p.velocity:.2f}",
                f"{p.margin}",
                _pct(p.repeat),
                f"{p.sturdiness:.1f}",
                str(p.target),
                p.basis,
            ]
            for p in proposals[:TRIAGE_SHOWN]
        ]
        header = [
            "#",
            "SKU",
            "score",
            "units/wk",
            "margin/wk",
            "repeat",
            "sturdy",
            "target",
            "basis",
        ]
        title = f"Triage for {node}: {len(proposals)} SKUs proposed (first {TRIAGE_SHOWN})"
        found.append(Table(title, header, rows))
    return found


def _pruning(report: WeeklyReport) -> Table:
    rows = [
        [
            s.node,
            s.sku,
            str(s.on_hand),
            f"{s.velocity:.2f}",
            s.action + (f" to {s.to}" if s.to else ""),
        ]
        for s in report.pruning[:15]
    ]
    header = ["node", "SKU", "on hand", "units/wk", "suggestion"]
    title = f"Slow movers over the quarter: {len(report.pruning)} (first 15)"
    return Table(title, header, rows, "no slow movers")
