"""`microindex init` and `microindex demo`."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from microindex.adapters.media.signing_identity import ensure_signing_identity
from microindex.demo.catalog import BRAND
from microindex.demo.live import start_live
from microindex.demo.popup_weekend import told
from microindex.demo.scenario import DEMO_LINK_STEM, build_demo
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.entrypoints.cli.context import console, domain_errors, errors, state, workspace
from microindex.entrypoints.cli.serve import port_taken, run_hub
from microindex.service import rights
from microindex.service.timers import TICK_S
from microindex.settings import SETTINGS_FILE, Settings


def init(
    ctx: typer.Context,
    hub_url: str | None = typer.Option(
        None, help="Keep the hub in PostgreSQL (postgresql://...) instead of hub.sqlite."
    ),
    currency: str | None = typer.Option(
        None, help="Currency for imports that carry none (GBP if the workspace has none)."
    ),
) -> None:
    """Create a workspace: settings file, hub database, a folder for node databases. Run on
    a workspace that has them, it keeps its settings but those given.

    Example: microindex -w ./shop init --currency GBP
    """
    cli = state(ctx)
    with domain_errors():
        root = cli.settings().workspace
        # A URL given here is written to the settings file; one from MICROINDEX_HUB_URL stays
        # in the environment (with any password in it), but names the hub all the same.
        kept = Settings.load(root, environ={})  # the file's settings, not the environment's
        written = replace(kept, hub_url=hub_url or kept.hub_url, currency=currency or kept.currency)
        root.mkdir(parents=True, exist_ok=True)
        (root / SETTINGS_FILE).write_text(written.to_toml(), encoding="utf-8")
        ws = workspace(ctx)
        if not ws.settings.hub_url:
            ensure_signing_identity(root)  # a PostgreSQL hub makes its own on first use
    console.print(f"workspace ready at [bold]{root}[/] (hub: {ws.settings.hub_location})")


def restored(ctx: typer.Context) -> None:
    """After the hub was restored from a backup (pg_restore, or an earlier hub.sqlite put
    back): start a new epoch, so that every node re-sends at its next sync what the hub lost,
    and the hub promises nothing at a node until it has heard from it again.

    Run it once, before serving again. Example: microindex -w /srv/microindex restored
    """
    with domain_errors():
        ws = workspace(ctx)
        epoch = uuid.uuid4().hex
        rights.renew_epoch(ws.hub, epoch)
    console.print(
        f"new epoch {epoch[:12]}: each node re-sends what the hub lacks at its next sync; "
        "until then the hub promises nothing there"
    )


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(
        Path("microindex-demo"), "--dir", help="Folder for the demo workspace (replaced)."
    ),
    seed: int = typer.Option(7, help="Seed: the same seed builds the same shop."),
    serve_it: bool = typer.Option(
        True, "--serve/--no-serve", help="Then serve the dashboard until Ctrl-C."
    ),
    host: str = typer.Option("127.0.0.1", help="Address the dashboard listens on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port the dashboard listens on."),
) -> None:
    """Build the demo shop and serve its dashboard: a London ceramics maker with a
    shopfront, a locker and a van, about 200 products and eight weeks of sales, on embedded
    SQLite; the hub's dashboard, API and staff pages on localhost until Ctrl-C, while the
    three nodes sync with it over HTTP and simulated shoppers buy in person and online.

    Example: microindex demo --dir ./demo --seed 7 --port 8000
    """
    if serve_it and port_taken(host, port):  # another demo serving: leave its workspace be
        errors.print(
            f"[red]error:[/] port {port} on {host} is in use (another demo or hub serving?): "
            "stop it, or pass --port"
        )
        raise typer.Exit(1)
    if directory.exists():
        if not (directory / "hub.sqlite").exists() and any(directory.iterdir()):
            console.print(f"[red]{directory} exists and is not a microindex demo; not touching it")
            raise typer.Exit(1)
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    demo_settings = Settings(directory, link_stem=DEMO_LINK_STEM, shop_name=BRAND)
    (directory / SETTINGS_FILE).write_text(demo_settings.to_toml(), encoding="utf-8")
    cli = state(ctx)
    cli.workspace_path = directory
    with domain_errors():
        ws = workspace(ctx)
        with console.status("building the demo shop..."):
            summary = build_demo(ws, seed, ws.clock().date())
    table = Table("node", "units on hand", title=f"{BRAND} demo")
    for code, units in summary.on_hand.items():
        table.add_row(code, str(units))
    console.print(table)
    console.print(
        f"{summary.products} products, {summary.movements} ledger movements, "
        f"{summary.units_sold} units sold over eight weeks.\n"
        f"Workspace: [bold]{directory}[/]. Try: microindex -w {directory} stock show"
    )
    pickup = summary.real.pickup
    if pickup is not None:
        console.print(
            f"Locker pickup: order {pickup.assignment.order} in compartment "
            f"{pickup.assignment.compartment}, code {pickup.code} "
            f"(try: microindex -w {directory} locker open {pickup.code})"
        )
    console.print(
        f"{summary.real.van_told()}; see: microindex -w {directory} van round show "
        f"{summary.real.van_round.node}"
    )
    console.print(f"{told(summary.real.weekend)}; see: microindex -w {directory} transfer list")
    shelf = summary.real.shelf
    if shelf is not None:
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        link = DigitalLink.location(shelf.gln, shelf.bin).uri(f"http://{shown}:{port}")
        console.print(
            f"Shelf QR at the shopfront ({shelf.sku}), as a shopper's phone opens it: {link}",
            soft_wrap=True,
        )
    if serve_it:
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        live = start_live(ws, f"http://{local}:{port}", seed)  # nodes sync, shoppers buy
        try:
            run_hub(ws, host, port, TICK_S, access_log=False)
        finally:
            live.stop()
