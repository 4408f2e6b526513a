"""The weekly report as a PDF, drawn with reportlab directly (no browser, no HTML step)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from microindex.adapters.reports.figures import Chart, Table, charts, tables
from microindex.adapters.reports.svg import PALETTE
from microindex.service.weekly import WeeklyReport

CHART_W, CHART_H = 128 * mm, 62 * mm
STYLES = getSampleStyleSheet()


def _axis_format(fmt: str) -> str:
    return "%d%%" if fmt.endswith("%") else "%.0f" if fmt.endswith("0f") else "%.1f"


def _scaled(chart: Chart, values: list[float | None]) -> list[float | None]:
    factor = 100.0 if chart.fmt.endswith("%") else 1.0
    return [None if v is None else v * factor for v in values]


def drawing(chart: Chart) -> Drawing:
    d = Drawing(CHART_W, CHART_H)
    d.add(String(0, CHART_H - 12, chart.title, fontName="Helvetica-Bold", fontSize=10))
    series = chart.series
    if chart.kind == "line":  # a line needs two points: a node with less history is left out
        series = [(n, v) for n, v in series if sum(x is not None for x in v) >= 2]
    known = [v for _, vs in series for v in vs if v is not None]
    if not chart.labels or not known:  # a new shop's weeks: nothing to draw yet
        d.add(
            Rect(
                30,
                18,
                CHART_W - 40,
                CHART_H - 44,
                fillColor=colors.HexColor("#f6f6f6"),
                strokeColor=None,
            )
        )
        d.add(
            String(
                CHART_W / 2,
                CHART_H / 2 - 6,
                chart.empty or "no data",
                textAnchor="middle",
                fillColor=colors.grey,
                fontSize=9,
            )
        )
        return d
    plot = HorizontalLineChart() if chart.kind == "line" else VerticalBarChart()
    plot.x, plot.y, plot.width, plot.height = 34, 30, CHART_W - 44, CHART_H - 56
    plot.data = [_scaled(chart, values) for _, values in series]
    plot.categoryAxis.categoryNames = chart.labels
    plot.categoryAxis.labels.fontSize = 7
    plot.valueAxis.valueMin = 0
    top = chart.top if chart.top is not None else max(known) * 1.15
    plot.valueAxis.valueMax = (top or 1.0) * (100.0 if chart.fmt.endswith("%") else 1.0)
    plot.valueAxis.labelTextFormat = _axis_format(chart.fmt)
    plot.valueAxis.labels.fontSize = 7
    for i in range(len(series)):
        colour = colors.HexColor(PALETTE[i % len(PALETTE)])
        if isinstance(plot, VerticalBarChart):
            plot.barLabelFormat = _axis_format(chart.fmt).replace("%d", "%.0f")
            plot.barLabels.nudge, plot.barLabels.fontSize = 6, 7
            plot.bars[i].fillColor = colour
            plot.bars[i].strokeColor = None
        else:
            plot.lines[i].strokeColor = colour
            plot.lines[i].strokeWidth = 1.6
    d.add(plot)
    if chart.kind == "line":
        legend = Legend()
        legend.x, legend.y, legend.fontSize = 40, 10, 7
        legend.columnMaximum, legend.deltax = 1, 70
        legend.alignment = "right"
        legend.colorNamePairs = [
            (colors.HexColor(PALETTE[i % len(PALETTE)]), name) for i, (name, _) in enumerate(series)
        ]
        legend.dxTextSpace, legend.subCols.minWidth = 4, 40
        d.add(legend)
    return d


def _table(table: Table) -> list[object]:
    heading = Paragraph(escape(table.title), STYLES["Heading3"])
    if not table.rows:
        return [heading, Paragraph(escape(table.empty), STYLES["Normal"])]
    grid = PdfTable([table.header, *table.rows], repeatRows=1, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    if len(table.rows) <= 20:
        return [KeepTogether([heading, grid])]  # a heading never ends a page alone
    return [heading, grid]


def _chart_grid(report: WeeklyReport) -> PdfTable:
    drawings = [drawing(chart) for chart in charts(report)]
    rows = [drawings[i : i + 2] for i in range(0, len(drawings), 2)]
    if len(rows[-1]) == 1:
        rows[-1].append(Spacer(1, 1))
    grid = PdfTable(rows, colWidths=[CHART_W + 6 * mm] * 2, hAlign="LEFT")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def weekly_pdf(report: WeeklyReport, shop: str = "microindex") -> bytes:
    """The report as PDF bytes: title, charts, tables, then how to read the figures."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=f"{shop}: weekly report",
        author="microindex",
    )
    period = f"{report.start:%a %d %b %Y} to {report.end:%a %d %b %Y %H:%M} UTC"
    story: list[object] = [
        Paragraph(escape(f"{shop}: weekly report"), STYLES["Title"]),
        Paragraph(escape(period), STYLES["Normal"]),
        Spacer(1, 4 * mm),
        _chart_grid(report),
    ]
    for table in tables(report):
        story += _table(table)
    story.append(Paragraph("How to read it", STYLES["Heading3"]))
    story += [Paragraph(escape(note), STYLES["Normal"]) for note in report.notes]
    doc.build(story)
    return out.getvalue()
