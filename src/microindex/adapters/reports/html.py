"""The weekly report as one self-contained HTML page: tables and inline SVG charts."""

from __future__ import annotations

from html import escape

from microindex.adapters.reports import svg
from microindex.adapters.reports.figures import Chart, Table, charts, tables
from microindex.service.weekly import WeeklyReport

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { font-size: 1.6em; margin-bottom: 0; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.period { color: #666; margin-top: .2em; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
table { border-collapse: collapse; font-size: .9em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } .notes { color: #555; font-size: .85em; }
"""


def render_chart(chart: Chart) -> str:
    values = [v for _, vs in chart.series for v in vs if v is not None]
    if not chart.labels or not values:
        return svg.empty_chart(chart.title, chart.empty or "no data in the period")
    if chart.kind == "line":
        series = [svg.Series(name, vs) for name, vs in chart.series]
        return svg.line_chart(chart.title, chart.labels, series, chart.fmt, chart.top)
    return svg.bar_chart(chart.title, chart.labels, chart.series[0][1], chart.fmt, chart.top)


def render_table(table: Table) -> str:
    if not table.rows:
        return f"<h2>{escape(table.title)}</h2><p>{escape(table.empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f"<h2>{escape(table.title)}</h2><table><tr>{head}</tr>{body}</table>"


def weekly_html(report: WeeklyReport, shop: str = "microindex") -> str:
    period = f"{report.start:%a %d %b %Y} to {report.end:%a %d %b %Y %H:%M} UTC"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(shop)}: weekly report</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(shop)}: weekly report</h1><p class='period'>{escape(period)}</p>",
        "<div class='charts'>",
        *(render_chart(chart) for chart in charts(report)),
        "</div>",
        *(render_table(table) for table in tables(report)),
        "<h2>How to read it</h2><ul class='notes'>",
        *(f"<li>{escape(note)}</li>" for note in report.notes),
        "</ul></body></html>",
    ]
    return "\n".join(parts)
