"""`microindex webhooks ...`: subscribe a URL to the hub's events, list, unsubscribe, see the
dead-letter list, and deliver what is due now (the served hub does so on its timer)."""

from __future__ import annotations

import random
from typing import Any

import httpx
import typer
from rich.table import Table

from microindex.adapters.channels.webhook import poster
from microindex.domain.channels.webhook import Delivery, DeliveryState, EventKind, Subscription
from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace
from microindex.service import webhooks

app = typer.Typer(
    help="Webhooks: signed POSTs of stock and order events to a URL, retried until delivered "
    "or put on the dead-letter list."
)
JSON = typer.Option(False, "--json", help="Print JSON.")


def subscription_record(s: Subscription, secret: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": s.id,
        "url": s.url,
        "events": sorted(e.value for e in s.events),
        "created_at": s.created_at.isoformat(),
        "removed_at": s.removed_at.isoformat() if s.removed_at else None,
    }
    if secret:
        found["secret"] = s.secret
    return found


def delivery_record(d: Delivery) -> dict[str, Any]:
    return {
        "subscription": d.subscription,
        "event": d.event,
        "type": d.kind.value,
        "created_at": d.created_at.isoformat(),
        "attempts": d.attempts,
        "state": d.state.value,
        "last_status": d.last_status,
        "last_error": d.last_error,
    }


@app.command("subscribe")
def subscribe(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="Where to POST each event (http:// or https://)."),
    events: list[EventKind] = typer.Option(
        list(EventKind), "--event", help="An event to hear of (repeatable; default: all)."
    ),
    as_json: bool = JSON,
) -> None:
    """Subscribe `url` to events from now on, and print the secret its signatures are made
    with, once. Each POST carries X-Microindex-Event, X-Microindex-Delivery (the event's id:
    drop one you have had), X-Microindex-Timestamp and X-Microindex-Signature
    (`v1=` HMAC-SHA256 of `<timestamp>.<body>`).

    Example: microindex webhooks subscribe https://shop.example/hooks --event stock.sold_out
    """
    with domain_errors():
        ws = workspace(ctx)
        made = webhooks.subscribe(ws.storage.webhooks(), url, events, ws.clock())
    if as_json:
        print_json(subscription_record(made, secret=True))
        return
    console.print(f"subscribed {made.id}: {', '.join(sorted(e.value for e in made.events))}")
    console.print("secret (shown only now: the subscriber checks signatures with it):")
    typer.echo(made.secret)


@app.command("unsubscribe")
def unsubscribe(
    ctx: typer.Context, subscription: str = typer.Argument(..., help="The subscription's id.")
) -> None:
    """Stop sending to a subscription; what it had pending goes on the dead-letter list.

    Example: microindex webhooks unsubscribe wh_3f9a1c2b4d5e
    """
    with domain_errors():
        ws = workspace(ctx)
        removed = webhooks.unsubscribe(ws.storage.webhooks(), subscription, ws.clock())
    console.print(f"unsubscribed {removed.id} ({removed.url})", markup=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    every: bool = typer.Option(False, "--all", help="Also those unsubscribed."),
    as_json: bool = JSON,
) -> None:
    """The subscriptions (never their secrets), and how many deliveries wait or failed.

    Example: microindex webhooks list
    """
    store = workspace(ctx).storage.webhooks()
    found = store.subscriptions(removed=every)
    if as_json:
        print_json([subscription_record(s) for s in found])
        return
    table = Table("id", "url", "events", "since", "state")
    for s in found:
        state = f"removed {s.removed_at:%Y-%m-%d %H:%M}" if s.removed_at else "active"
        events = ", ".join(sorted(e.value for e in s.events))
        table.add_row(s.id, s.url, events, f"{s.created_at:%Y-%m-%d %H:%M}", state)
    console.print(table)
    pending, dead = store.count(DeliveryState.PENDING), store.count(DeliveryState.DEAD)
    console.print(f"{pending} deliveries pending, {dead} on the dead-letter list")


@app.command("dead")
def dead(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Newest first, this many."),
    as_json: bool = JSON,
) -> None:
    """The dead-letter list: deliveries given up (too many attempts, a final refusal such as
    410, or unsubscribed), newest first, with the last answer.

    Example: microindex webhooks dead --limit 20
    """
    found = workspace(ctx).storage.webhooks().deliveries(DeliveryState.DEAD, limit)
    if as_json:
        print_json([delivery_record(d) for d in found])
        return
    table = Table("event", "type", "subscription", "attempts", "last answer")
    for d in found:
        answer = str(d.last_status) if d.last_status is not None else d.last_error
        table.add_row(d.event, d.kind.value, d.subscription, str(d.attempts), answer)
    console.print(table if found else "the dead-letter list is empty")


@app.command("send")
def send(ctx: typer.Context) -> None:
    """Queue the hub's new events and attempt the deliveries due now, as the served hub's
    timer does every few seconds (for a hub not being served).

    Example: microindex webhooks send
    """
    with domain_errors():
        ws = workspace(ctx)
        with httpx.Client(follow_redirects=False) as client:
            post = poster(client, ws.settings.webhooks.policy, random.random)
            said = webhooks.run(ws.hub, ws.storage.webhooks(), post, ws.clock())
    console.print(said)
