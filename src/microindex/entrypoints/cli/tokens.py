"""`microindex token ...`: access tokens for the API, the dashboard and the staff page."""

from __future__ import annotations

import typer
from rich.table import Table

from microindex.domain.access import AccessToken, Grant, Role, TokenKind
from microindex.entrypoints.access import access_stores, token_store
from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace
from microindex.entrypoints.cli.serve import login_url
from microindex.service import access

app = typer.Typer(
    help="Access tokens and dashboard sessions: create (the secret is shown once), list, "
    "revoke; one-time dashboard login links."
)


def _record(token: AccessToken) -> dict[str, str | None]:
    return {
        "id": token.id,
        "kind": token.kind.value,
        "parent": token.parent,
        "role": token.grant.role.value,
        "node": token.grant.node,
        "label": token.label,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@app.command("create")
def create(
    ctx: typer.Context,
    role: Role = typer.Option(..., help="admin (everything), staff (one node), channel (read)."),
    node: str | None = typer.Option(None, help="The node a staff token acts for."),
    label: str = typer.Option("", help="Who or what holds it, e.g. 'van phone'."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a token and print its secret, once: only its hash is kept.

    Example: microindex token create --role staff --node van --label "van phone"
    """
    with domain_errors():
        ws = workspace(ctx)
        issued = access.issue(token_store(ws), ws.hub, Grant(role, node), ws.clock(), label)
    if as_json:
        print_json({**_record(issued.token), "secret": issued.secret})
        return
    console.print(f"created {issued.token.id} ({role.value}{f' at {node}' if node else ''})")
    console.print("secret (shown only now, keep it safe):", style="bold")
    typer.echo(issued.secret)


@app.command("list")
def list_(
    ctx: typer.Context,
    every: bool = typer.Option(False, "--all", help="Also sessions that ended."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List tokens and live dashboard sessions (never their secrets).

    Example: microindex token list --all
    """
    ws = workspace(ctx)
    found = access.list_tokens(token_store(ws))
    if not every:
        now = ws.clock()
        found = [t for t in found if t.kind is TokenKind.TOKEN or t.active(now)]
    if as_json:
        print_json([_record(t) for t in found])
        return
    table = Table("id", "kind", "role", "node", "label", "created", "state")
    for t in found:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        if t.revoked_at is None and t.expires_at is not None:
            state = f"expires {t.expires_at:%Y-%m-%d %H:%M}"
        kind = t.kind.value if t.parent is None else f"{t.kind.value} of {t.parent}"
        created = f"{t.created_at:%Y-%m-%d}"
        table.add_row(t.id, kind, t.grant.role.value, t.grant.node or "", t.label, created, state)
    console.print(table)


@app.command("revoke")
def revoke(ctx: typer.Context, token_id: str = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke a token or a session: it stops working at once, in every hub process, and so
    do the dashboard sessions a token signed in.

    Example: microindex token revoke tok_3f9a1c2b4d5e
    """
    with domain_errors():
        ws = workspace(ctx)
        token = access.revoke(token_store(ws), token_id, ws.clock())
    console.print(f"revoked {token.id}")


@app.command("login-link")
def login_link(
    ctx: typer.Context,
    url: str = typer.Option("http://localhost:8000", help="Where the hub is served."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a one-time admin login link to the dashboard: it works once, within 15 minutes,
    and leaves no token behind (the visit's session ends at logout).

    Example: microindex token login-link --url https://hub.example.com
    """
    with domain_errors():
        ws = workspace(ctx)
        links = access_stores(ws).links
        issued = access.issue_login_link(links, ws.clock())
    link = login_url(url, issued.code)
    if as_json:
        print_json({"url": link, "expires_at": issued.link.expires_at.isoformat()})
        return
    typer.echo(link)
