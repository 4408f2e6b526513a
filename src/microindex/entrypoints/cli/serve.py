"""`microindex serve`: the hub's API, dashboard and staff pages over HTTP (uvicorn)."""

from __future__ import annotations

from datetime import timedelta

import typer
import uvicorn

from microindex.domain.access import Grant, Role
from microindex.entrypoints.cli.context import console, workspace
from microindex.entrypoints.http import create_app
from microindex.service import access

LOGIN_VALID = timedelta(hours=12)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the API (/api/v1, OpenAPI at /docs), the dashboard (/) and staff pages, and run
    the hub's timers (checkout leases, reservation expiry, the locker sweep, the governance
    cadence), each due run once however many hub processes share the database.

    Prints a one-time dashboard login link (an admin token valid 12 hours, used once).

    Example: microindex -w ./demo serve --port 8000
    """
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
