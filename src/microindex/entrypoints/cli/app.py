"""The root of the `microindex` command line."""

from __future__ import annotations

from pathlib import Path

import typer

from microindex.entrypoints.cli import (
    accounts,
    catalog,
    feeds,
    governance,
    kits,
    labels,
    lockers,
    media,
    nodes,
    orders,
    purchasing,
    returns,
    rounds,
    search,
    serve,
    stock,
    sync_cmd,
    tokens,
    webhooks,
    workspace_cmd,
)
from microindex.entrypoints.cli.context import state

app = typer.Typer(
    name="microindex",
    help="Run a small seller's stock like a national retailer's: nodes, ledgers, a hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        envvar="MICROINDEX_WORKSPACE",
        help="Workspace folder (default ./microindex-workspace).",
    ),
) -> None:
    """microindex: per-node stock ledgers and a hub.

    Example: microindex -w ./shop init && microindex -w ./shop node list
    """
    cli = state(ctx)
    cli.workspace_path = workspace
    ctx.call_on_close(cli.close)


app.command("init")(workspace_cmd.init)
app.command("demo")(workspace_cmd.demo)
app.command("restored")(workspace_cmd.restored)
nodes.app.command("run")(sync_cmd.run)
app.add_typer(nodes.app, name="node")
app.command("sync")(sync_cmd.sync_here)
app.add_typer(catalog.app, name="catalog")
app.add_typer(orders.app, name="order")
app.add_typer(lockers.locker_app, name="locker")
app.add_typer(lockers.transfer_app, name="transfer")
app.add_typer(lockers.shelf_app, name="shelf")
app.command("reserve")(lockers.reserve)
app.add_typer(rounds.van_app, name="van")
app.add_typer(rounds.popup_app, name="popup")
app.command("counts-today")(rounds.counts_today)
app.add_typer(labels.app, name="labels")
app.add_typer(media.app, name="media")
app.add_typer(search.app, name="search")
app.add_typer(feeds.app, name="feeds")
app.add_typer(returns.app, name="returns")
app.add_typer(governance.app, name="governance")
app.add_typer(tokens.app, name="token")
app.add_typer(webhooks.app, name="webhooks")
app.command("serve")(serve.serve)
app.add_typer(stock.app, name="stock")
app.add_typer(kits.app, name="kit")
app.add_typer(purchasing.app, name="po")
app.add_typer(purchasing.reorder_app, name="reorder")
app.add_typer(accounts.vat_app, name="vat")
app.add_typer(accounts.app, name="accounts")


def main() -> None:
    app()
