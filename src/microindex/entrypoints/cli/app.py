"""The root of the `microindex` command line.

Each command's module is imported when the command runs (`lazy.LazyGroup`), so that
`microindex --help` and a quick `stock show` do not load the web app, PDF or media stacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import typer

from microindex.entrypoints.cli.lazy import Lazy, LazyGroup

_CLI = "microindex.entrypoints.cli"


class Root(LazyGroup):
    LAZY: ClassVar[dict[str, Lazy]] = {
        "init": Lazy(
            f"{_CLI}.workspace_cmd:init",
            "Create a workspace: settings file, hub database, a folder for node databases.",
        ),
        "demo": Lazy(f"{_CLI}.workspace_cmd:demo", "Build the demo shop and serve its dashboard."),
        "restored": Lazy(
            f"{_CLI}.workspace_cmd:restored",
            "After the hub was restored from a backup: start a new epoch.",
        ),
        "sync": Lazy(
            f"{_CLI}.sync_cmd:sync_here",
            "Sync the nodes of this workspace with its hub, in-process.",
        ),
        "reserve": Lazy(
            f"{_CLI}.lockers:reserve", "Hold a scanned item for pickup at its node, briefly."
        ),
        "counts-today": Lazy(
            f"{_CLI}.rounds:counts_today",
            "Today's cycle counts: the riskiest SKUs first (fast, miscounted, dear, sold at zero).",
        ),
        "serve": Lazy(
            f"{_CLI}.serve:serve",
            "Serve the API and the dashboard and staff pages, and run the hub's timers.",
        ),
        "node": Lazy(
            f"{_CLI}.nodes:app",
            "Add, change and list nodes (shopfront, locker, van, bench, warehouse, pop-up).",
        ),
        "catalog": Lazy(
            f"{_CLI}.catalog:app", "The catalog at the hub: import, export and list products."
        ),
        "order": Lazy(
            f"{_CLI}.orders:app", "Online orders: promise to the fastest node, follow each step."
        ),
        "locker": Lazy(
            f"{_CLI}.lockers:locker_app",
            "Parcel lockers: compartments, pickups, codes, the daily sweep.",
        ),
        "transfer": Lazy(
            f"{_CLI}.lockers:transfer_app",
            "Stock moving between nodes: request, pack, ship, receive, or cancel before it ships.",
        ),
        "shelf": Lazy(
            f"{_CLI}.lockers:shelf_app", "Shelf slots: which node and SKU a shelf label names."
        ),
        "van": Lazy(
            f"{_CLI}.rounds:van_app", "Vans and market stalls: the day's round, the close-out."
        ),
        "popup": Lazy(
            f"{_CLI}.rounds:popup_app",
            "Pop-ups: dates, the assortment and transfers in, the rest home.",
        ),
        "labels": Lazy(
            f"{_CLI}.labels:app",
            "Packaging signals: GS1 Digital Links, symbols, labels, NFC, scans.",
        ),
        "media": Lazy(
            f"{_CLI}.media:app", "Capture photos and clips, proof them, and check their provenance."
        ),
        "search": Lazy(
            f"{_CLI}.search:app",
            "Search products: typo-tolerant, faceted, in stock, near a customer.",
        ),
        "feeds": Lazy(
            f"{_CLI}.feeds:app",
            "Syndication: Google, Meta, pages, newsletters, voice; listing accuracy.",
        ),
        "returns": Lazy(
            f"{_CLI}.returns:app",
            "Returns: open against a sale or order, check in by scan, disposition.",
        ),
        "package": Lazy(
            f"{_CLI}.packaging:app",
            "Packing: each node's package templates, packing orders, packages used.",
        ),
        "kit": Lazy(
            f"{_CLI}.kits:app",
            "Kits: a catalog SKU sold from its parts' stock, never stocked itself.",
        ),
        "po": Lazy(
            f"{_CLI}.purchasing:app",
            "Purchase orders: drafted, sent to a supplier, received in parts into a node, closed.",
        ),
        "reorder": Lazy(
            f"{_CLI}.purchasing:reorder_app",
            "Reorder points per node, and the stock at or below them.",
        ),
        "vat": Lazy(
            f"{_CLI}.accounts:vat_app", "VAT: a rate per product, prices with VAT in or out."
        ),
        "accounts": Lazy(
            f"{_CLI}.accounts:app",
            "The accountant's CSV files: sales in a period, stock value now.",
        ),
        "governance": Lazy(
            f"{_CLI}.governance:app",
            "Governance: counts and reconciliation, jobs, triage, KPIs, reports.",
        ),
        "token": Lazy(
            f"{_CLI}.tokens:app",
            "Access tokens and dashboard sessions: create, list, revoke; one-time login links.",
        ),
        "webhooks": Lazy(
            f"{_CLI}.webhooks:app",
            "Webhooks: signed POSTs of stock and order events to a URL, retried until delivered.",
        ),
        "stock": Lazy(
            f"{_CLI}.stock:app", "Stock at nodes: receive, sell, write off, transfer, count, show."
        ),
    }


app = typer.Typer(
    name="microindex",
    cls=Root,
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
    from microindex.entrypoints.cli.context import state  # not for the root's own --help

    cli = state(ctx)
    cli.workspace_path = workspace
    ctx.call_on_close(cli.close)


def main() -> None:
    app()
