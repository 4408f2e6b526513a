"""`microindex node run VAN --hub URL`: a node's sync worker against a hub over HTTP;
`microindex sync`: every node of a one-machine workspace synced with its hub in-process.

The node's secret is read from an environment variable or the workspace's key file (never from
the command line).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.adapters.sync.secrets import SecretFiles
from microindex.bootstrap import SECRETS_DIR
from microindex.domain.codes import NodeCode
from microindex.entrypoints.cli.context import (
    domain_errors,
    errors,
    print_json,
    state,
    workspace,
)
from microindex.service import sync
from microindex.service.nodes import list_nodes
from microindex.service.sync_ports import HubUnreachable
from microindex.service.sync_worker import run_node


def _now() -> datetime:
    return datetime.now(UTC)


def open_node(nodes_dir: Path, code: str) -> SqliteSyncDatabase:
    NodeCode(code)
    database = SqliteSyncDatabase(nodes_dir / f"{code}.sqlite")
    database.migrate()
    return database


def _secret_file(workspace_path: Path, code: str) -> bytes:
    return SecretFiles(workspace_path / SECRETS_DIR).get(code) or b""


def sync_here(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node (default: every node)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sync the nodes of this workspace with its hub, in-process: movements up, rights and
    requests down, until the hub has everything.

    Example: microindex -w ./shop sync --node van
    """
    with domain_errors():
        ws = workspace(ctx)
        codes = [node] if node else [n.code.value for n in list_nodes(ws.hub)]
        endpoint = ws.hub_endpoint()
        reports = {
            code: sync.sync_node(ws.node(code), code, ws.link(code, endpoint), ws.clock())
            for code in codes
        }
    if as_json:
        print_json({code: asdict(report) for code, report in reports.items()})
        return
    for code, report in reports.items():
        typer.echo(f"{code}: pushed {report.pushed}, the hub has up to #{report.acked}")


def run(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The node to sync, e.g. van."),
    hub: str = typer.Option(..., help="The hub's base URL, e.g. https://hub.example.com."),
    secret_env: str = typer.Option(
        "MICROINDEX_SYNC_SECRET", help="Environment variable holding this node's sync secret."
    ),
    once: bool = typer.Option(False, help="Sync until the hub has everything, then stop."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (--once)."),
) -> None:
    """Sync this node with the hub: push its movements, apply the hub's requests and advice.

    Example: MICROINDEX_SYNC_SECRET=... microindex -w ./van node run van --hub http://hub:8000
    """
    settings = state(ctx).settings()
    secret = os.environ.get(secret_env, "").encode() or _secret_file(settings.workspace, code)
    if not secret:
        errors.print(f"error: set {secret_env} to this node's sync secret")
        raise typer.Exit(2)
    node_db = open_node(settings.nodes_dir, code)
    link = HttpTransport(hub, code, secret)
    try:
        with domain_errors():
            if once:
                report = sync.sync_node(node_db, code, link, _now())
                if as_json:
                    print_json(report)
                else:
                    typer.echo(f"{code}: pushed {report.pushed}, the hub has up to #{report.acked}")
            else:
                run_node(node_db, code, link, _now, time.sleep, lambda: True)
    except HubUnreachable as error:
        errors.print(f"error: hub unreachable: {error}")
        raise typer.Exit(1) from None
    finally:
        link.close()
        node_db.close()
