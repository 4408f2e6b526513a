"""Reports: SVG charts, the weekly report as HTML and PDF, KPIs as CSV."""
