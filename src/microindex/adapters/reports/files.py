"""A report sink that writes the weekly report into a folder, as PDF and HTML."""

from __future__ import annotations

from pathlib import Path

from microindex.adapters.reports.html import weekly_html
from microindex.service.weekly import WeeklyReport


def write_report(report: WeeklyReport, out: Path, shop: str = "microindex") -> Path:
    """Write the report to `out`: PDF for a `.pdf` name, else HTML."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        from microindex.adapters.reports.pdf import weekly_pdf  # reportlab, only for a PDF

        out.write_bytes(weekly_pdf(report, shop))
    else:
        out.write_text(weekly_html(report, shop), encoding="utf-8")
    return out


class ReportFolder:
    """Each weekly report as `weekly-YYYY-MM-DD.pdf` and `.html` in `folder`."""

    def __init__(self, folder: Path, shop: str = "microindex") -> None:
        self.folder = folder
        self.shop = shop

    def publish(self, report: WeeklyReport) -> list[str]:
        stem = self.folder / f"weekly-{report.end:%Y-%m-%d}"
        return [
            str(write_report(report, stem.with_suffix(suffix), self.shop))
            for suffix in (".pdf", ".html")
        ]
