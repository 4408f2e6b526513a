"""`microindex serve`: the hub's API, dashboard and staff pages over HTTP (uvicorn)."""

from __future__ import annotations

import os
import socket

import typer
import uvicorn

from microindex.bootstrap import Workspace
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.cli.context import console, errors, state, workspace
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.workers import FACTORY, TICK_ENV
from microindex.service import access
from microindex.service.timers import TICK_S


def login_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/login/once/{code}"


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        min=1,
        max=64,
        help="Hub processes sharing the port (more than one needs a PostgreSQL hub).",
    ),
    tick: float = typer.Option(
        TICK_S,
        "--tick",
        min=0.5,
        max=3600,
        help="Seconds between the timers' looks for due runs (webhooks wait at most this long).",
    ),
) -> None:
    """Serve the API (/api/v1, OpenAPI at /docs), the dashboard (/) and staff pages, and run
    the hub's timers (checkout leases, reservation expiry, the locker sweep, the governance
    cadence), each due run once however many hub processes share the database.

    Prints a one-time dashboard login link (used once, within 15 minutes; it leaves no token
    behind). Another: microindex token login-link. With --workers N (a PostgreSQL hub), N
    processes share the port: any request, sync push or order may land on any of them.

    Example: microindex -w ./demo serve --port 8000
    """
    if workers > 1:
        _serve_workers(ctx, host, port, workers, tick)
        return
    run_hub(workspace(ctx), host, port, tick)


def run_hub(ws: Workspace, host: str, port: int, tick: float, access_log: bool = True) -> None:
    """Serve `ws` in this process until Ctrl-C, after printing a one-time login link (the
    demo turns the access log off: its agents' syncs would bury the link)."""
    app = create_app(ws, timers=True, tick_s=tick)
    hub = app.state.hub
    issued = access.issue_login_link(hub.links, ws.clock())
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    minutes = int(access.LOGIN_LINK_VALID.total_seconds() // 60)
    url = login_url(f"http://{shown}:{port}", issued.code)
    console.print(f"dashboard (one-time login link, valid {minutes} min): {url}", soft_wrap=True)
    console.print(f"API documentation: http://{shown}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)


def port_taken(host: str, port: int) -> bool:
    """Something already listens on `host:port` (another `demo` or `serve`, say)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _serve_workers(ctx: typer.Context, host: str, port: int, workers: int, tick: float) -> None:
    """N uvicorn worker processes on one socket, each its own app (`workers.hub_app`)."""
    settings = state(ctx).settings()
    if not settings.hub_url:
        errors.print(
            f"[red]error:[/] --workers {workers} needs a PostgreSQL hub (MICROINDEX_HUB_URL="
            "postgresql://...): a SQLite hub is one file with one writer, serve it with one "
            "process"
        )
        raise typer.Exit(2)
    ws = workspace(ctx)  # migrated and given its first epoch once, before the processes start
    issued = access.issue_login_link(access_stores(ws).links, ws.clock())
    state(ctx).close()
    os.environ["MICROINDEX_WORKSPACE"] = str(settings.workspace.resolve())
    os.environ["MICROINDEX_HUB_URL"] = settings.hub_url
    os.environ[TICK_ENV] = str(tick)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    console.print(f"{workers} hub processes on http://{shown}:{port} (PostgreSQL hub)")
    console.print(f"API documentation: http://{shown}:{port}/docs")
    minutes = int(access.LOGIN_LINK_VALID.total_seconds() // 60)
    url = login_url(f"http://{shown}:{port}", issued.code)
    console.print(f"dashboard (one-time login link, valid {minutes} min): {url}", soft_wrap=True)
    uvicorn.run(FACTORY, factory=True, workers=workers, host=host, port=port, log_level="info")
