"""`microindex serve`: the hub's API, dashboard and staff pages over HTTP (uvicorn)."""

from __future__ import annotations

import os
from datetime import timedelta

import typer
import uvicorn

from microindex.domain.access import Grant, Role
from microindex.entrypoints.cli.context import console, errors, state, workspace
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.workers import FACTORY
from microindex.service import access

LOGIN_VALID = timedelta(hours=12)


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
) -> None:
    """Serve the API (/api/v1, OpenAPI at /docs), the dashboard (/) and staff pages, and run
    the hub's timers (checkout leases, reservation expiry, the locker sweep, the governance
    cadence), each due run once however many hub processes share the database.

    Prints a one-time dashboard login link (an admin token valid 12 hours, used once).
    With --workers N (a PostgreSQL hub), N processes share the port: any request, sync push
    or order may land on any of them; sign in to the dashboard with a token (token create).

    Example: microindex -w ./demo serve --port 8000
    """
    if workers > 1:
        _serve_workers(ctx, host, port, workers)
        return
    ws = workspace(ctx)
    app = create_app(ws, timers=True)
    hub = app.state.hub
    now = ws.clock()
    issued = access.issue(
        hub.tokens, ws.hub, Grant(Role.ADMIN), now, "dashboard login link", now + LOGIN_VALID
    )
    code = hub.logins.add(issued.secret)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    console.print(
        f"dashboard (one-time login, valid 12 h): http://{shown}:{port}/login/once/{code}"
    )
    console.print(f"API documentation: http://{shown}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level="info")


def _serve_workers(ctx: typer.Context, host: str, port: int, workers: int) -> None:
    """N uvicorn worker processes on one socket, each its own app (`workers.hub_app`)."""
    settings = state(ctx).settings()
    if not settings.hub_url:
        errors.print(
            f"[red]error:[/] --workers {workers} needs a PostgreSQL hub (MICROINDEX_HUB_URL="
            "postgresql://...): a SQLite hub is one file with one writer, serve it with one "
            "process"
        )
        raise typer.Exit(2)
    workspace(ctx)  # migrated and given its first epoch once, before the processes start
    state(ctx).close()
    os.environ["MICROINDEX_WORKSPACE"] = str(settings.workspace.resolve())
    os.environ["MICROINDEX_HUB_URL"] = settings.hub_url
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    console.print(f"{workers} hub processes on http://{shown}:{port} (PostgreSQL hub)")
    console.print(f"API documentation: http://{shown}:{port}/docs")
    console.print("dashboard: sign in with a token (microindex token create --role admin)")
    uvicorn.run(FACTORY, factory=True, workers=workers, host=host, port=port, log_level="info")
