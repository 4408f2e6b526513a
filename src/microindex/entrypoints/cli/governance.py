"""`microindex governance ...`: counts, reconciliation, jobs, triage, KPIs and the weekly report."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from microindex.adapters.csvio.count_file import parse_counts
from microindex.adapters.csvio.past_sales import parse_past_sales
from microindex.adapters.reports.csv_export import kpi_rows, write_kpis
from microindex.adapters.reports.files import write_report
from microindex.domain.errors import InvalidValue
from microindex.domain.reconciliation import Tolerance, Variance
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    errors,
    node_database,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.governance_context import governance
from microindex.entrypoints.cli.lockers import transfer_record
from microindex.service import governance as jobs_service
from microindex.service import pruning, reconciliation, triage
from microindex.service.governance import node_governance
from microindex.service.timers import run_due, run_timers
from microindex.service.weekly import weekly_report

app = typer.Typer(help="Governance: counts and reconciliation, jobs, triage, KPIs, reports.")
counts_app = typer.Typer(help="Stock counts waiting for the nightly reconciliation.")
jobs_app = typer.Typer(help="The governance cadence: run jobs by hand, see their runs.")
report_app = typer.Typer(help="Reports.")
sales_app = typer.Typer(help="Past sales imported for triage.")
app.add_typer(counts_app, name="counts")
app.add_typer(jobs_app, name="jobs")
app.add_typer(report_app, name="report")
app.add_typer(sales_app, name="sales")

JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option("", "--actor", help="Who did it.")


@counts_app.command("submit")
def submit(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, or scans."),
    scans: bool = typer.Option(False, "--scans", help="FILE has one scan (GTIN/SKU) a line."),
    position: int | None = typer.Option(None, "--position", min=0, help="Head at start."),
    actor: str = ACTOR,
) -> None:
    """Submit counts (`sku,counted[,position]`); a bad row refuses the whole file.

    Example: microindex governance counts submit shopfront counts.csv
    """
    with domain_errors():
        gov = governance(ctx)
        db = node_governance(gov, node)
        if scans:
            lines = file.read_text(encoding="utf-8").splitlines()
            parsed = reconciliation.counts_from_scans(db, lines, position)
        else:
            parsed = parse_counts(file)
        ids = reconciliation.submit_counts(db, node, parsed, gov.clock(), actor, file.name)
    console.print(f"{len(ids)} count line(s) waiting for reconciliation at {node}")


def _variance_row(v: Variance) -> dict[str, Any]:
    return {**asdict(v), "variance": v.variance, "value": v.value}


def _show_variances(found: list[Variance], as_json: bool) -> None:
    if as_json:
        print_json([_variance_row(v) for v in found])
        return
    table = Table("id", "SKU", "position", "expected", "counted", "variance", "value", "outcome")
    for v in found:
        table.add_row(
            str(v.id),
            v.sku,
            str(v.position),
            str(v.expected),
            str(v.counted),
            f"{v.variance:+d}",
            f"{v.value:.2f}",
            v.outcome.value,
        )
    console.print(table)


@app.command("reconcile")
def reconcile(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    approve: bool = typer.Option(False, "--approve", help="Approve flagged variances."),
    ids: list[int] = typer.Option([], "--id", help="Approve only these variance ids."),
    units: int | None = typer.Option(2, "--units", help="Tolerance in units."),
    percent: float | None = typer.Option(None, "--percent", help="Tolerance, share (0.05)."),
    value: float | None = typer.Option(None, "--value", help="Tolerance, value at price."),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Set pending counts against the ledger; adjust within tolerance, flag the rest.

    Example: microindex governance reconcile shopfront --approve --id 4
    """
    with domain_errors():
        tolerance = Tolerance(
            units,
            None if percent is None else Decimal(str(percent)),
            None if value is None else Decimal(str(value)),
        )
        gov = governance(ctx, tolerance)
        db, at = node_governance(gov, node), gov.clock()
        if approve:
            found = reconciliation.approve(db, node, ids or None, at, actor or "cli")
        else:
            found = reconciliation.reconcile(db, node, tolerance, at, actor or "cli").variances
    _show_variances(found, as_json)


@app.command("variances")
def variances(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    days: int = typer.Option(90, "--days", min=1),
    as_json: bool = JSON,
) -> None:
    """Variance history at a node. Example: microindex governance variances van --days 30"""
    with domain_errors():
        gov = governance(ctx)
        since = gov.clock() - timedelta(days=days)
        found = reconciliation.history(node_governance(gov, node), node, since)
    _show_variances(found, as_json)


@jobs_app.command("list")
def list_jobs() -> None:
    """The job table. Example: microindex governance jobs list"""
    for job in jobs_service.JOBS.values():
        console.print(f"{job.name}: {job.cadence}")


@jobs_app.command("run")
def run(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Job name."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what it would do; change nothing."),
) -> None:
    """Run a job now and record the run. The weekly review syncs the nodes past their sync
    interval (or flags those whose agent runs elsewhere); the monthly audit fails on a node
    that needs attention, naming what; quarterly pruning proposes (`governance prune --accept`).

    Example: microindex governance jobs run weekly-report --dry-run
    """
    with domain_errors():
        done = jobs_service.run_job(governance(ctx), name, actor="cli", dry_run=dry_run)
    console.print(f"{done.job} #{done.id}: {done.outcome}\n{done.summary}", highlight=False)
    if done.outcome != "ok":
        raise typer.Exit(1)


@jobs_app.command("history")
def history(
    ctx: typer.Context,
    job: str | None = typer.Option(None, "--job"),
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = JSON,
) -> None:
    """Recorded runs, newest first. Example: microindex governance jobs history --json"""
    with domain_errors():
        runs = jobs_service.job_history(governance(ctx), job, limit)
    if as_json:
        print_json([asdict(r) for r in runs])
        return
    table = Table("#", "job", "started", "finished", "outcome", "by", "summary")
    for r in runs:
        done = f"{r.finished:%Y-%m-%d %H:%M:%S}" if r.finished else ""
        table.add_row(
            str(r.id),
            r.job,
            f"{r.started:%Y-%m-%d %H:%M:%S}",
            done,
            r.outcome,
            r.actor,
            r.summary[:80],
        )
    console.print(table)


@jobs_app.command("schedule")
def run_schedule(ctx: typer.Context) -> None:
    """Run the hub's timers in the foreground until Ctrl-C, as `serve` does beside the API:
    the cadence (nightly, weekly, monthly, quarterly), leases, reservations, the locker sweep.

    Example: microindex governance jobs schedule
    """
    ws = workspace(ctx)
    timers, claims, stop = ws.timers(), ws.timer_claims(), threading.Event()
    by = f"{socket.gethostname()}:{os.getpid()}"
    console.print("timers running; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        run_timers(lambda: run_due(timers, claims, ws.clock(), by), stop.wait)


@app.command("triage")
def triage_cmd(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    accept: bool = typer.Option(
        False,
        "--accept",
        help="Make it the node's stock targets (from its next sync, the least local stock "
        "rights it keeps of each SKU, within what it holds).",
    ),
    weeks: int = typer.Option(8, "--weeks", min=1, help="Sales history to rank on."),
    limit: int = typer.Option(200, "--limit", min=1),
    view: str = typer.Option(
        "fastest", "--view", help="fastest (own velocity) or weighted (velocity, margin, ...)."
    ),
    as_json: bool = JSON,
) -> None:
    """Propose the 200 SKUs a node sells fastest (walk-in sales and online picks there; its
    imported past sales when it has none yet). `--view weighted` ranks on a weighted score.

    Example: microindex governance triage locker --accept
    """
    with domain_errors():
        gov = governance(ctx)
        db, end = node_governance(gov, node), gov.clock()
        found = triage.triage(
            gov.sources.hub, gov.sources.nodes, node, end - timedelta(weeks=weeks), end, limit,
            view=triage.view(view), past=gov.sources.past_sales, archived=gov.sources.archived,
        )  # fmt: skip
        if accept:
            triage.accept(db, node, found, end)
    if as_json:
        print_json([asdict(p) for p in found])
    else:
        table = Table("#", "SKU", "score", "units/wk", "margin/wk", "repeat", "target", "basis")
        for p in found[:30]:
            table.add_row(
                str(p.rank),
                p.sku,
                f"{p.score:.3f}",
                f"{p.velocity:.2f}",
                str(p.margin),
                f"{p.repeat:.0%}",
                str(p.target),
                p.basis,
            )
        console.print(table)
        console.print(f"{len(found)} SKUs proposed for {node}" + (", accepted" if accept else ""))


@app.command("prune")
def prune_cmd(
    ctx: typer.Context,
    accept: bool = typer.Option(False, "--accept", help="Act: request moves, archive drops."),
    dry_run: bool = typer.Option(False, "--dry-run", help="With --accept: say, change nothing."),
    only: list[str] = typer.Option([], "--only", help="Accept only NODE:SKU (repeatable)."),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """The quarter's slow movers, each to move to the node that sells it fastest or to drop;
    `--accept` acts on them in one step (transfers requested, SKUs archived from the node).

    Example: microindex governance prune --accept --dry-run
    """
    with domain_errors():
        gov = governance(ctx)
        if not accept:
            found = pruning.suggestions(gov.sources, gov.clock())
            if as_json:
                print_json([asdict(p) for p in found])
                return
            for p in found:
                to = f" to {p.to}" if p.to else ""
                console.print(f"{p.node} {p.sku}: {p.action}{to} ({p.reason})", highlight=False)
            console.print(f"{len(found)} slow movers")
            return
        ws = workspace(ctx)
        pairs = [_pair(text) for text in only] or None
        done = jobs_service.accept_pruning(
            gov, ws.hub, ws.node_ops(), lambda code: node_database(ctx, code), pairs,
            actor or "cli", dry_run, ws.storage.reorder_points(),
        )  # fmt: skip
    if as_json:
        print_json(
            {
                "dry_run": done.dry_run,
                "transfers": [transfer_record(t) for t in done.moves],
                "archived": done.dropped,
                "held_back": done.held_back,
            }
        )  # fmt: skip
        return
    console.print(done.summary(), highlight=False)


def _pair(text: str) -> tuple[str, str]:
    node, _, sku = text.partition(":")
    if not node or not sku:
        raise InvalidValue("only", text, "write NODE:SKU, e.g. van:MUG-TIDE-350")
    return node, sku


@sales_app.command("import")
def import_sales(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Orders export CSV."),
    as_json: bool = JSON,
) -> None:
    """Import a node's past sales for triage: a Shopify orders export, or a plain CSV
    `date,sku,quantity`. A bad row refuses the whole file; importing again replaces it.

    Example: microindex governance sales import shopfront orders_export.csv
    """
    with domain_errors():
        gov = governance(ctx)
        node_governance(gov, node)
        parsed = parse_past_sales(file)
        done = triage.import_past_sales(gov.sources.hub, gov.sources.past_sales, node, parsed)
    if as_json:
        print_json(asdict(done))
        return
    skipped = f"; {done.skipped} line(s) without a SKU skipped" if done.skipped else ""
    console.print(
        f"{done.units} units of {done.skus} SKUs sold {done.first} to {done.last} "
        f"imported for {node}{skipped}"
    )


@app.command("kpis")
def kpis(
    ctx: typer.Context,
    as_json: bool = JSON,
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the KPIs to this CSV."),
) -> None:
    """This week's KPIs per node, package type and channel.

    Example: microindex governance kpis --csv kpis.csv
    """
    with domain_errors():
        gov = governance(ctx)
        report = weekly_report(gov.sources, gov.clock())
    if csv_file is not None:
        with csv_file.open("wb") as stream:
            write_kpis(report, stream)
    rows = list(kpi_rows(report))
    if as_json:
        print_json([{"metric": m, "node": n, "key": k, "value": v} for m, n, k, v in rows])
        return
    table = Table("metric", "node", "key", "value")
    for metric, node, key, value in rows:
        shown = "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else value
        table.add_row(metric, node, key, str(shown))
    console.print(table)


@report_app.command("weekly")
def weekly(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="FILE.pdf or FILE.html"),
    weeks: int = typer.Option(8, "--weeks", min=1, help="Weeks of trend."),
) -> None:
    """The weekly report, with KPIs charted.

    Example: microindex governance report weekly --out week.pdf
    """
    with domain_errors(), errors.status(f"gathering {weeks} weeks of figures...") as status:
        gov = governance(ctx)
        report = weekly_report(gov.sources, gov.clock(), weeks)
        status.update(f"writing {out} ...")
        write_report(report, out, workspace(ctx).settings.workspace.resolve().name)
    console.print(f"weekly report written to {out}")
