"""`microindex node run VAN --hub URL`: a node's sync worker against a hub over HTTP;
`microindex sync`: every node of a one-machine workspace synced with its hub in-process.

The node's secret is read from an environment variable or the workspace's key file (never from
the command line).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer
import uvicorn

from microindex.adapters.sqlite.purchasing_store import SqliteKits
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.storage import SECRETS_DIR
from microindex.adapters.sync.agent_report import reporter
from microindex.adapters.sync.http import HttpTransport
from microindex.adapters.sync.secrets import SecretFiles
from microindex.domain.codes import NodeCode
from microindex.entrypoints.cli.context import (
    domain_errors,
    errors,
    print_json,
    state,
    workspace,
)
from microindex.entrypoints.http.kept_index import KeptIndex
from microindex.entrypoints.http.node_app import (
    STAFF_DIR,
    STAFF_TOKEN_ENV,
    NodeSite,
    create_node_app,
    staff_token,
)
from microindex.service import sync
from microindex.service.nodes import get_node, list_nodes
from microindex.service.remote_nodes import runs_elsewhere
from microindex.service.sync_ports import HubUnreachable
from microindex.service.sync_worker import WorkerSettings, run_node


def _now() -> datetime:
    return datetime.now(UTC)


def open_node(nodes_dir: Path, code: str) -> SqliteSyncDatabase:
    NodeCode(code)
    database = SqliteSyncDatabase(nodes_dir / f"{code}.sqlite")
    database.migrate()
    return database


def serve_node(
    folder: Path,
    node_db: SqliteSyncDatabase,
    code: str,
    link: HttpTransport,
    address: tuple[str, int],
    every: WorkerSettings,
    zone: str,
) -> None:
    """The node's staff page in the foreground, its sync loop in a background thread; its
    days begin at midnight in `zone`."""
    host, port = address
    secret = os.environ.get(STAFF_TOKEN_ENV, "") or staff_token(folder, code)

    def ask(lines: Mapping[str, int]) -> None:
        want = sorted(lines.items())
        sync.sync_node(node_db, code, link, _now(), want=want, max_exchanges=3)

    kits = SqliteKits(node_db.connection)  # the kits in its catalog copy
    site = NodeSite(node_db, code, folder, secret, _now, ask=ask, link=link, kits=kits, zone=zone)
    app = create_node_app(site)
    index: KeptIndex = app.state.index
    index.start()  # the staff page's index catches up (or builds) in the background
    stop = threading.Event()
    worker = threading.Thread(
        target=run_node,
        args=(node_db, code, link, _now, stop.wait, lambda: not stop.is_set(), every),
        kwargs={"synced": lambda: index.start()},  # a pulled catalog is compared off-request
        name=f"sync-{code}",
        daemon=True,
    )
    worker.start()
    typer.echo(f"{code}: staff page at http://{host}:{port}/staff")
    typer.echo(f"staff token: ${STAFF_TOKEN_ENV} or {folder / STAFF_DIR / code}.secret")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        stop.set()
        worker.join(timeout=30)
        app.state.index.close()


def _kept_secret(ctx: typer.Context, code: str) -> bytes:
    """The secret the hub keeps, for an agent run in the hub's own workspace: a key file beside
    a SQLite hub, or a PostgreSQL hub's database (when the workspace names one)."""
    settings = state(ctx).settings()
    if settings.hub_url:
        return workspace(ctx).secrets.get(code) or b""
    return SecretFiles(settings.workspace / SECRETS_DIR).get(code) or b""


def sync_here(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node (default: every node)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sync the nodes of this workspace with its hub, in-process: movements up, rights and
    requests down, until the hub has everything. A node whose agent keeps its ledger
    elsewhere is left to that agent (`microindex node run`).

    Example: microindex -w ./shop sync --node van
    """
    with domain_errors():
        ws = workspace(ctx)
        codes = [node] if node else [n.code.value for n in list_nodes(ws.hub)]
        if node:
            get_node(ws.hub, node)
        endpoint = ws.hub_endpoint()
        reports: dict[str, dict[str, object]] = {}
        for code in codes:
            if runs_elsewhere(ws.hub, ws.node(code), code):  # its agent syncs it from there
                with ws.hub() as uow:
                    mirrored = uow.ledger.load(code, []).head
                reports[code] = {"pushed": 0, "exchanges": 0, "acked": mirrored, "elsewhere": True}
                continue
            report = sync.sync_node(ws.node(code), code, ws.link(code, endpoint), ws.clock())
            reports[code] = asdict(report)
    if as_json:
        print_json(reports)
        return
    for code, done in reports.items():
        if done.get("elsewhere"):
            typer.echo(
                f"{code}: runs its own agent elsewhere, which syncs it; the hub has up to"
                f" #{done['acked']}"
            )
        else:
            typer.echo(f"{code}: pushed {done['pushed']}, the hub has up to #{done['acked']}")


def run(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The node to sync, e.g. van."),
    hub: str = typer.Option(..., help="The hub's base URL, e.g. https://hub.example.com."),
    secret_env: str = typer.Option(
        "MICROINDEX_SYNC_SECRET", help="Environment variable holding this node's sync secret."
    ),
    once: bool = typer.Option(False, help="Sync until the hub has everything, then stop."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (--once)."),
    serve_port: int | None = typer.Option(
        None,
        "--serve-port",
        min=1,
        max=65535,
        help="Also serve this node's staff page (/staff) on this port, over its own database "
        "(works with the hub out of reach); sync then runs in the background.",
    ),
    serve_host: str = typer.Option("127.0.0.1", help="Address the staff page listens on."),
    poll: float = typer.Option(
        15.0, min=0.05, help="Seconds between looks at the sync triggers (first retry: twice)."
    ),
) -> None:
    """Sync this node with the hub: push its movements, apply the hub's requests and advice.

    With --serve-port, staff sign in at /staff with the node's staff token: the environment's
    MICROINDEX_STAFF_TOKEN, else the workspace's keys/staff/CODE.secret (made on first run).

    Example: MICROINDEX_SYNC_SECRET=... microindex -w ./van node run van --hub http://hub:8000
    --serve-port 8100
    """
    settings = state(ctx).settings()
    secret = os.environ.get(secret_env, "").encode() or _kept_secret(ctx, code)
    if not secret:
        errors.print(f"error: set {secret_env} to this node's sync secret")
        raise typer.Exit(2)
    node_db = open_node(settings.nodes_dir, code)
    link = HttpTransport(hub, code, secret, report=reporter(settings.workspace))
    every = WorkerSettings(poll_s=poll, retry_s=min(2 * poll, WorkerSettings().retry_s))
    try:
        with domain_errors():
            if once:
                report = sync.sync_node(node_db, code, link, _now())
                if as_json:
                    print_json(asdict(report))
                else:
                    typer.echo(f"{code}: pushed {report.pushed}, the hub has up to #{report.acked}")
            elif serve_port is not None:
                address = (serve_host, serve_port)
                zone = settings.time_zone
                serve_node(settings.workspace, node_db, code, link, address, every, zone)
            else:
                run_node(node_db, code, link, _now, time.sleep, lambda: True, every)
    except HubUnreachable as error:
        errors.print(f"error: hub unreachable: {error}")
        raise typer.Exit(1) from None
    finally:
        link.close()
        node_db.close()
