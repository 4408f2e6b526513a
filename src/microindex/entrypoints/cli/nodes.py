"""`microindex node ...`: the places stock lives."""

from __future__ import annotations

import re
from typing import ClassVar

import typer
from rich.table import Table

from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue
from microindex.domain.node import (
    LOWEST_PRIORITY,
    Capabilities,
    Location,
    Node,
    NodeKind,
    OpeningHours,
)
from microindex.entrypoints.cli.context import (
    clock_time,
    console,
    domain_errors,
    errors,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.lazy import Lazy, LazyGroup
from microindex.service import nodes as node_service
from microindex.service.records import node_record
from microindex.service.sync_schedule import NextSync, next_syncs


class _NodeGroup(LazyGroup):
    LAZY: ClassVar[
        dict[str, Lazy]
    ] = {  # the node agent brings the HTTP stack; loaded only to run it
        "run": Lazy(
            "microindex.entrypoints.cli.sync_cmd:run",
            "Sync this node with the hub: push its movements, apply the hub's requests and advice.",
        )
    }


app = typer.Typer(
    cls=_NodeGroup,
    help="Add, change and list nodes (shopfront, locker, van, bench, warehouse, pop-up).",
)


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = typer.Argument(
        ..., help="Node code, e.g. shopfront (also the channels' store_code)."
    ),
    kind: NodeKind = typer.Option(..., help="What the node is."),
    name: str = typer.Option(..., help="A name people read."),
    lat: float = typer.Option(..., help="Latitude."),
    lon: float = typer.Option(..., help="Longitude."),
    hours: str = typer.Option(
        "", help="Opening hours 'DAY HH:MM-HH:MM;...' with 0=Monday; empty means always open."
    ),
    pickup: bool = typer.Option(False, help="Customers can collect here."),
    delivery_radius_km: float = typer.Option(0.0, help="Local delivery radius (0: none)."),
    delivery_speed_kmh: float = typer.Option(15.0, help="Local delivery speed."),
    ships: bool = typer.Option(False, help="Parcels ship from here."),
    carrier_cutoff: str | None = typer.Option(None, help="Carrier cut-off, HH:MM."),
    return_point: bool = typer.Option(False, help="Accepts returns."),
    preparation_minutes: int = typer.Option(30, help="Minutes to get an order ready."),
    zone: str = typer.Option(
        "", help="IANA time zone its hours are in, e.g. Europe/London; default: time_zone setting."
    ),
) -> None:
    """Add a node.

    Example: microindex node add shopfront --kind store --name "Hackney shop" --lat 51.545
    --lon -0.055 --pickup --hours "0 10:00-18:00;1 10:00-18:00" --zone Europe/London
    """
    with domain_errors():
        cutoff = clock_time("carrier_cutoff", carrier_cutoff) if carrier_cutoff else None
        ws = workspace(ctx)
        node = Node(
            code=NodeCode(code),
            kind=kind,
            name=name,
            location=Location(lat, lon),
            opening_hours=OpeningHours.from_text(hours) if hours else OpeningHours.always(),
            capabilities=Capabilities(
                pickup=pickup,
                local_delivery_radius_km=delivery_radius_km,
                local_delivery_speed_kmh=delivery_speed_kmh if delivery_radius_km else 0.0,
                ships=ships,
                carrier_cutoff=cutoff,
                return_point=return_point,
                preparation_minutes=preparation_minutes,
            ),
            zone=zone or ws.settings.time_zone,
        )
        node_service.add_node(ws.hub, node)
        ws.secrets.ensure(code)
    console.print(
        f"added node [bold]{code}[/] ({kind.value}); its sync secret is in {ws.secrets.where(code)}"
    )


@app.command("secret")
def secret(ctx: typer.Context, code: str = typer.Argument(..., help="The node, e.g. van.")) -> None:
    """Print a node's sync secret, for its agent on its own device (MICROINDEX_SYNC_SECRET).

    Only the secret goes to standard output, so it can be piped; handle it like a password.

    Example: MICROINDEX_SYNC_SECRET=$(microindex node secret van) microindex -w ./van node run
    van --hub https://hub.example.com
    """
    with domain_errors():
        ws = workspace(ctx)
        node_service.get_node(ws.hub, code)
        kept = ws.secrets.ensure(code)
    errors.print(f"{code}'s sync secret, kept in {ws.secrets.where(code)}:")
    typer.echo(kept.decode("ascii"))


@app.command("set")
def set_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The node, e.g. van."),
    zone: str | None = typer.Option(
        None, help="IANA time zone its hours are in, e.g. Europe/London."
    ),
    offline_gap: str | None = typer.Option(
        None,
        "--offline-gap",
        help="How long the node is out of reach at a time, e.g. 4h, 90m, 1h30m; 'kind' for "
        "its kind's default (van and pop-up 4h, locker and bench 1h, store and warehouse 15m).",
    ),
    priority: int | None = typer.Option(
        None,
        min=1,
        max=LOWEST_PRIORITY,
        help="Your ranking of the node, 1 first (default 100): an order goes to the node "
        "ranked first where plans are otherwise as good (and first of all under the "
        "location_priority rules).",
    ),
) -> None:
    """Change a node: the time zone its opening hours and cut-offs are in, the time offline
    its local stock rights cover (its walk-in demand over that long, from its next sync), and
    your ranking of it for orders.

    Example: microindex node set van --offline-gap 4h --zone Europe/London --priority 2
    """
    if zone is None and offline_gap is None and priority is None:
        errors.print("[red]say what to change: --zone, --offline-gap and/or --priority")
        raise typer.Exit(1)
    hub = workspace(ctx).hub
    with domain_errors():
        if zone is not None:
            node = node_service.set_zone(hub, code, zone)
            console.print(f"{node.code.value}: hours are local times in {node.zone}")
        if offline_gap is not None:
            kind = offline_gap.strip().lower() == "kind"
            gap = None if kind else parse_duration_s(offline_gap)
            node = node_service.set_offline_gap(hub, code, gap)
            console.print(
                f"{code}: local rights sized for {format_duration(node.expected_offline_gap_s)}"
                " offline" + ("" if gap is not None else f" (the default for a {node.kind.value})")
            )
        if priority is not None:
            node = node_service.set_priority(hub, code, priority)
            console.print(f"{code}: ranked {node.priority} (1 first) where plans tie")


_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration_s(text: str) -> float:
    """'4h', '90m', '1h30m', '45s' or plain seconds, in seconds."""
    found = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)([dhms]))+\s*|\s*\d+(?:\.\d+)?\s*", text)
    if found is None:
        raise InvalidValue("offline_gap", text, "a duration such as 4h, 90m or 1h30m")
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", text)
    return sum(float(n) * _UNITS[u] for n, u in parts) if parts else float(text)


def format_duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes = rest // 60
    return (
        " ".join(p for p in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "") if p)
        or f"{round(seconds)}s"
    )


@app.command("list")
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List the nodes, with their rank (`node set --priority`, 1 first), the time offline
    their local stock rights are sized for and when each is next expected to sync with the
    hub, and why.

    Example: microindex node list --json
    """
    ws = workspace(ctx)
    found = node_service.list_nodes(ws.hub)
    schedule = next_syncs(ws.hub, [n.code.value for n in found], ws.clock())
    if as_json:
        print_json([node_record(n) | _sync_record(n, schedule) for n in found])
        return
    table = Table(
        "code", "kind", "name", "location", "zone", "pickup", "delivery km", "ships", "rank",
        "offline", "next sync", "why", "agent",
    )  # fmt: skip
    for n in found:
        caps = n.capabilities
        due = schedule[n.code.value].due
        table.add_row(
            n.code.value,
            n.kind.value,
            n.name,
            f"{n.location.lat:.4f}, {n.location.lon:.4f}",
            n.zone,
            "yes" if caps.pickup else "",
            f"{caps.local_delivery_radius_km:g}" if caps.local_delivery_radius_km else "",
            "yes" if caps.ships else "",
            str(n.priority),
            format_duration(n.expected_offline_gap_s),
            f"{due:%Y-%m-%d %H:%M} UTC" if due else "",
            schedule[n.code.value].why,
            _agent(schedule[n.code.value]),
        )
    console.print(table)


def _agent(found: NextSync) -> str:
    """Its own agent's version and free disk, as it last reported ("": in the hub's workspace)."""
    agent = found.agent
    return "" if agent is None else f"{agent.version}, {agent.disk_free // 2**20:,} MB free"


def _sync_record(node: Node, schedule: dict[str, NextSync]) -> dict[str, object]:
    found = schedule[node.code.value]
    agent = found.agent
    return {
        "agent_version": agent.version if agent else None,
        "agent_disk_free_mb": agent.disk_free // 2**20 if agent else None,
        "expected_offline_gap_s": node.expected_offline_gap_s,
        "last_sync": found.last.isoformat() if found.last else None,
        "next_sync": found.due.isoformat() if found.due else None,
        "next_sync_why": found.why,
    }
