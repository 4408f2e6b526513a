"""`microindex serve`: the hub's API, dashboard and staff pages over HTTP (uvicorn)."""

from __future__ import annotations

import typer
import uvicorn

from microindex.entrypoints.cli.context import console, workspace
from microindex.entrypoints.http import create_app
from microindex.service import access


def login_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/login/once/{code}"


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the API (/api/v1, OpenAPI at /docs), the dashboard (/) and staff pages, and run
    the hub's timers (checkout leases, reservation expiry, the locker sweep, the governance
    cadence), each due run once however many hub processes share the database.

    Prints a one-time dashboard login link (used once, within 15 minutes; it leaves no token
    behind). Another: microindex token login-link.

    Example: microindex -w ./demo serve --port 8000
    """
    ws = workspace(ctx)
    app = create_app(ws, timers=True)
    hub = app.state.hub
    issued = access.issue_login_link(hub.links, ws.clock())
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    minutes = int(access.LOGIN_LINK_VALID.total_seconds() // 60)
    url = login_url(f"http://{shown}:{port}", issued.code)
    console.print(f"dashboard (one-time login link, valid {minutes} min): {url}", soft_wrap=True)
    console.print(f"API documentation: http://{shown}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level="info")
