"""Returns and governance through the CLI on the demo shop: jobs, triage, KPIs, the PDF report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import typer
from typer.testing import CliRunner

from microindex.entrypoints.cli import governance, returns, workspace_cmd
from microindex.entrypoints.cli.app import root
from microindex.service.governance import JOBS
from tests.clock import on_demo_day

runner = CliRunner()
app = typer.Typer()
app.callback()(root)
app.command("demo")(workspace_cmd.demo)
app.add_typer(returns.app, name="returns")
app.add_typer(governance.app, name="governance")


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("gov") / "shop"
    result = runner.invoke(
        app, ["demo", "--dir", str(directory), "--seed", "7", "--no-serve"], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output  # the demo brings its governance history
    yield directory


@pytest.mark.parametrize("name", sorted(JOBS))
def test_each_job_runs_from_the_cli_and_its_run_is_in_the_history(demo: Path, name: str) -> None:
    audit = name == "monthly-health-audit"  # it fails, naming what needs attention
    expected = "failed" if audit else "ok"
    out = cli(demo, "governance", "jobs", "run", name, ok=not audit)
    assert f"{name} #" in out and f": {expected}" in out
    runs = json.loads(cli(demo, "governance", "jobs", "history", "--job", name, "--json"))
    assert runs[0]["job"] == name and runs[0]["outcome"] == expected and runs[0]["finished"]


def test_the_weekly_report_pdf_charts_the_kpis_from_eight_weeks_of_history(demo: Path) -> None:
    out = demo / "weekly.pdf"
    cli(demo, "governance", "report", "weekly", "--out", str(out))
    pdf = pdfium.PdfDocument(out)
    try:
        assert len(pdf) >= 3
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    for expected in (
        "weekly report",
        "Local fill rate, this week",
        "Units sold per week",
        "Return rate by package type",
        "Time to fulfilment, median hours",
        "Listing accuracy by channel",
        "KPIs per node",
        "Triage for shopfront",
        "Triage for locker",
        "Triage for van",
    ):
        assert expected in text, expected


def test_the_weekly_report_html_inlines_svg_charts(demo: Path) -> None:
    out = demo / "weekly.html"
    cli(demo, "governance", "report", "weekly", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 7 and "Sell-through, this week" in html


@pytest.mark.parametrize("node", ["shopfront", "locker", "van"])
def test_each_node_gets_a_triage_proposal_that_can_be_accepted(demo: Path, node: str) -> None:
    proposal = json.loads(cli(demo, "governance", "triage", node, "--accept", "--json"))
    assert 0 < len(proposal) <= 200
    assert [p["rank"] for p in proposal] == list(range(1, len(proposal) + 1))
    assert proposal[0]["basis"] == "local"


def test_kpis_export_as_csv_and_json(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "kpis.csv"
    rows = json.loads(cli(demo, "governance", "kpis", "--json", "--csv", str(target)))
    with target.open(encoding="utf-8-sig") as stream:
        written = list(csv.DictReader(stream))
    assert len(written) == len(rows)
    metrics = {(r["metric"], r["node"]) for r in written}
    assert ("fill_rate", "van") in metrics and ("sell_through", "shopfront") in metrics


def test_a_bad_count_file_is_refused_from_the_cli_with_its_rows(demo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "counts.csv"
    bad.write_text("sku,counted\nNO-SUCH-SKU,3\n", encoding="utf-8")
    out = cli(demo, "governance", "counts", "submit", "van", str(bad), ok=False)
    assert "row 2" in out and "not in the catalog" in out


def test_a_return_goes_through_the_cli_from_open_to_restock(demo: Path) -> None:
    line = json.loads(cli(demo, "returns", "list", "--json"))[0]
    assert line["state"] == "closed"
    sku = next(
        d["sku"]
        for r in json.loads(cli(demo, "returns", "list", "--json"))
        if r["origin"]["reference"] == "till:van"
        for d in r["decisions"]
    )
    opened = json.loads(
        cli(
            demo,
            "returns",
            "open",
            "van",
            "till:van",
            sku,
            "--reason",
            "changed-mind",
            "--near",
            "51.5308,-0.1238",
            "--json",
        )
    )
    assert opened["return_point"] == "locker"
    cli(demo, "returns", "check-in", opened["id"], sku)
    out = cli(demo, "returns", "disposition", opened["id"], sku, "--condition", "as-new")
    assert "restock" in out and "ledger #" in out
