"""`microindex van|popup|counts-today ...`: vans on their rounds, pop-ups, daily cycle counts.

Register with the root app:

    app.add_typer(rounds.van_app, name="van")
    app.add_typer(rounds.popup_app, name="popup")
    app.command("counts-today")(rounds.counts_today)
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time, tzinfo

import typer
from rich.table import Table

from microindex.adapters.governance_wiring import governance_database
from microindex.bootstrap import Workspace
from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue
from microindex.domain.node import Location, Node, NodeKind, OpeningHours, time_zone
from microindex.domain.popup import PopUp
from microindex.domain.round import ServiceArea, Stop
from microindex.domain.transfer import Transfer
from microindex.entrypoints.cli.context import (
    all_node_ledgers,
    clock_time,
    console,
    domain_errors,
    node_here,
    parse_day,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.governance_context import governance
from microindex.entrypoints.cli.lines import summed
from microindex.entrypoints.cli.lockers import _ops
from microindex.service import closeout, cycle_counts, known, popups, remote_nodes, rounds, triage
from microindex.service.nodes import get_node, list_nodes
from microindex.service.rounds_ports import RoundsFactory

van_app = typer.Typer(help="Vans and market stalls: the day's round, the close-out.")
round_app = typer.Typer(help="A van's round: its stops for the day, where it is now.")
van_app.add_typer(round_app, name="round")
popup_app = typer.Typer(help="Pop-ups: dates, the assortment and transfers in, the rest home.")

JSON = typer.Option(False, "--json", help="Print JSON.")
DAY = typer.Option(None, "--day", help="The day (YYYY-MM-DD; default today).")


def _rounds(ws: Workspace) -> RoundsFactory:
    """The rounds, service areas and pop-ups beside the workspace's hub, on its database."""
    return ws.rounds()


def parse_stop(text: str, day: date, zone: tzinfo) -> Stop:
    """`09:00-09:45@51.53,-0.06[:label]` as a stop on `day`, its times on the clock of
    `zone` (the van's own)."""
    try:
        hours, _, rest = text.partition("@")
        where, _, label = rest.partition(":")
        opens, closes = (time.fromisoformat(t) for t in hours.split("-"))
        lat, lon = (float(v) for v in where.split(","))
    except ValueError:
        raise InvalidValue("stop", text, "write HH:MM-HH:MM@LAT,LON[:label]") from None
    at = [datetime.combine(day, t, zone).astimezone(UTC) for t in (opens, closes)]
    return Stop(at[0], at[1], Location(lat, lon), label)


@round_app.command("set")
def round_set(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The van or stall."),
    stops: list[str] = typer.Option(..., "--stop", help="HH:MM-HH:MM@LAT,LON[:label]"),
    day: str | None = DAY,
) -> None:
    """Set the day's round (replacing it), one --stop per stop, its times and today on the
    van's own clock (its zone).

    Example: microindex van round set van --stop "09:00-10:00@51.545,-0.055:Market Sq"
    """
    with domain_errors():
        ws = workspace(ctx)
        zone = time_zone(get_node(ws.hub, node).zone)
        when = parse_day("day", day) if day else ws.clock().astimezone(zone).date()
        made = rounds.set_round(_rounds(ws), node, when, [parse_stop(s, when, zone) for s in stops])
    console.print(f"{node}: {len(made.stops)} stops on {when}")


@round_app.command("show")
def round_show(
    ctx: typer.Context, node: str = typer.Argument(..., help="The van."), as_json: bool = JSON
) -> None:
    """Today's stops and where the van is now.

    Example: microindex van round show van --json
    """
    with domain_errors():
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses it
        now, zone = ws.clock(), time_zone(get_node(ws.hub, node).zone)
        found = rounds.round_for(_rounds(ws), node, now.astimezone(zone).date())  # its day
    if found is None:
        console.print(f"{node} has no round today")
        return
    here = found.position(now)
    rows = [
        {"arrives": s.arrives.astimezone(zone).isoformat(),
         "leaves": s.leaves.astimezone(zone).isoformat(), "label": s.label,
         "lat": s.location.lat, "lon": s.location.lon}
        for s in found.stops
    ]  # fmt: skip
    if as_json:
        print_json({"node": node, "now": {"lat": here.lat, "lon": here.lon}, "stops": rows})
        return
    table = Table("arrives", "leaves", "stop", "lat,lon")
    for s in found.stops:
        where = f"{s.location.lat},{s.location.lon}"
        arrives, leaves = s.arrives.astimezone(zone), s.leaves.astimezone(zone)
        table.add_row(f"{arrives:%H:%M}", f"{leaves:%H:%M %Z}", s.label, where)
    console.print(table)
    console.print(f"now at {here.lat:.5f},{here.lon:.5f}")


@van_app.command("area")
def van_area(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The van."),
    centre: str | None = typer.Option(None, "--centre", help="Its middle, LAT,LON."),
    radius_km: float | None = typer.Option(None, "--radius-km", min=0.1, help="How far it goes."),
    as_json: bool = JSON,
) -> None:
    """Set the van's service area (with --centre and --radius-km), or show it: meeting the van
    is offered only to customers inside it.

    Example: microindex van area van --centre 51.545,-0.055 --radius-km 6
    """
    with domain_errors():
        ws = workspace(ctx)
        if centre is not None or radius_km is not None:
            if centre is None or radius_km is None:
                raise InvalidValue("area", node, "give both --centre and --radius-km")
            rounds.set_area(ws.hub, _rounds(ws), node, ServiceArea(_where(centre), radius_km))
        area = rounds.area(ws.hub, _rounds(ws), node)
    shown = None if area is None else {
        "lat": area.centre.lat, "lon": area.centre.lon, "radius_km": area.radius_km
    }  # fmt: skip
    if as_json:
        print_json({"node": node, "area": shown})
    elif area is None:
        console.print(f"{node}: no service area set (it serves wherever its round goes)")
    else:
        console.print(
            f"{node}: within {area.radius_km:g} km of {area.centre.lat},{area.centre.lon}",
            highlight=False,
        )


def _where(text: str) -> Location:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidValue("centre", text, "write LAT,LON") from None
    return Location(lat, lon)


@van_app.command("closeout")
def van_closeout(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The van or stall."),
    counts: list[str] = typer.Option([], "--count", help="SKU:QUANTITY left (at least one)."),
    complete: bool = typer.Option(
        False, "--complete", help="The counts are all it holds: a SKU held and not named is none."
    ),
    since: str = typer.Option(
        "00:00", "--since", help="When the day or event began (HH:MM on the node's own clock)."
    ),
    as_json: bool = JSON,
) -> None:
    """Count what is left of the SKUs named, settle rights with the hub, report the day.

    Example: microindex van closeout van --count MUG-TIDE-350:4 --count VASE-OAK:1 --complete
    """
    with domain_errors():
        began = clock_time("since", since)
        ws = workspace(ctx)
        now, node_db = ws.clock(), node_here(ctx, node, remote_nodes.CLOSE_OUT)
        zone = time_zone(get_node(ws.hub, node).zone)
        start = closeout.day_began(zone, now, began)
        counted, link = summed(counts, "count"), ws.link(node)
        day = closeout.close_out(node_db, node, counted, link, start, now, complete=complete)
    summary = {
        "node": node, "units_sold": day.units_sold, "sold": day.sold,
        "overdrafts": day.overdrafts, "variance": day.variance,
        "variance_value": str(day.variance_value), "takings": str(day.takings),
        "on_hand": day.on_hand,
    }  # fmt: skip
    if as_json:
        print_json(summary)
        return
    for key, value in summary.items():
        console.print(f"{key}: {value}")


@popup_app.command("add")
def popup_add(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The pop-up's node code."),
    opens: str = typer.Option(..., "--opens", help="First day (YYYY-MM-DD)."),
    closes: str = typer.Option(..., "--closes", help="Last day (YYYY-MM-DD)."),
    home: str = typer.Option("shopfront", "--home", help="The node that stocks it."),
    name: str = typer.Option("", "--name", help="Register the node with this name."),
    at: str = typer.Option("", "--at", help="Its place, LAT,LON (with --name)."),
    hours: str = typer.Option(
        "", "--hours", help="Its trading hours 'DAY HH:MM-HH:MM;...' (0=Monday)."
    ),
    pickup: bool | None = typer.Option(
        None, "--pickup/--no-pickup", help="Customers collect online orders there."
    ),
) -> None:
    """Record a pop-up's dates, its hours and pickup (and register its node when --name and
    --at are given).

    Example: microindex popup add market-stall --opens 2026-11-28 --closes 2026-11-29
    --hours "5 09:00-17:00;6 10:00-16:00" --pickup
    """
    with domain_errors():
        ws = workspace(ctx)
        popup = PopUp(node, home, parse_day("opens", opens), parse_day("closes", closes))
        registered = _popup_node(node, name, at) if name else None
        opening = OpeningHours.from_text(hours) if hours else None
        popups.add(ws.hub, _rounds(ws), popup, registered, opening, pickup)
    console.print(f"{node}: open {popup.opens_on} to {popup.closes_on}, stocked from {home}")


def _popup_node(code: str, name: str, at: str) -> Node:
    try:
        lat, lon = (float(v) for v in at.split(","))
    except ValueError:
        raise InvalidValue("at", at, "write LAT,LON") from None
    return Node(NodeCode(code), NodeKind.POPUP, name, Location(lat, lon))


def popup_record(shown: popups.PopUpShown, today: date) -> dict[str, object]:
    p, node = shown.popup, shown.node
    return {
        "node": p.node,
        "home": p.home,
        "opens_on": p.opens_on.isoformat(),
        "closes_on": p.closes_on.isoformat(),
        "days": p.days,
        "open_today": p.is_open(today),
        "over": p.closes_on < today,
        "hours": node.opening_hours.to_text(),
        "pickup": node.capabilities.pickup,
        "transfers": [_shown(t) for t in shown.transfers],
    }


@popup_app.command("list")
def popup_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every pop-up: its dates, hours, pickup and the transfers for it.

    Example: microindex popup list
    """
    with domain_errors():
        ws = workspace(ctx)
        found = [
            popups.show(ws.hub, _rounds(ws), _ops(ws), p.node) for p in popups.listed(_rounds(ws))
        ]
        today = ws.clock().astimezone(ws.settings.zone).date()  # the shop's day
    records = [popup_record(shown, today) for shown in found]
    if as_json:
        print_json(records)
        return
    for r in records:
        state = "over" if r["over"] else "open today" if r["open_today"] else "upcoming"
        console.print(
            f"{r['node']}: {r['opens_on']} to {r['closes_on']} ({state}), from {r['home']}, "
            f"hours {r['hours'] or 'none'}, pickup {'yes' if r['pickup'] else 'no'}",
            highlight=False,
        )


@popup_app.command("show")
def popup_show(
    ctx: typer.Context, node: str = typer.Argument(..., help="The pop-up."), as_json: bool = JSON
) -> None:
    """One pop-up: its dates, hours, pickup and the transfers for it.

    Example: microindex popup show market-stall
    """
    with domain_errors():
        ws = workspace(ctx)
        shown = popups.show(ws.hub, _rounds(ws), _ops(ws), node)
        record = popup_record(shown, ws.clock().astimezone(ws.settings.zone).date())
    if as_json:
        print_json(record)
        return
    for key, value in record.items():
        console.print(f"{key}: {value}", highlight=False)


@popup_app.command("plan")
def popup_plan(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The pop-up."),
    size: int = typer.Option(popups.ASSORTMENT, "--size", min=1, help="SKUs to take."),
    as_json: bool = JSON,
) -> None:
    """Propose the assortment (the pop-up's accepted stock targets when it has them, else its
    sales, else the network's best sellers) and request the transfer that fills it from home.
    Exits 1 when there is nothing to plan from, or home can send none of what is wanted.

    Example: microindex popup plan market-stall --size 20
    """
    with domain_errors():
        ws = workspace(ctx)
        nodes = {n.code.value: ws.node(n.code.value) for n in list_nodes(ws.hub)}
        gov = governance(ctx)
        db = gov.sources.nodes.get(node)
        targets = {t.sku: t.target for t in triage.targets(db, node)} if db else None
        plan = popups.plan(
            ws.hub, nodes, _rounds(ws), _ops(ws), node, ws.clock(), ws.settings.zone, size, targets
        )
    if as_json:
        print_json(
            {"basis": plan.basis, "wanted": plan.wanted, "short": plan.short,
             "why_nothing": plan.why_nothing, **_shown(plan.transfer)}
        )  # fmt: skip
    else:
        console.print(f"{node}: {len(plan.wanted)} SKUs from {plan.basis}")
        console.print(
            _said(plan.transfer) if plan.transfer else f"nothing to move: {plan.why_nothing}"
        )
    if plan.stuck:
        raise typer.Exit(1)


@popup_app.command("close")
def popup_close(
    ctx: typer.Context, node: str = typer.Argument(..., help="The pop-up."), as_json: bool = JSON
) -> None:
    """Request the transfer that takes everything left at the pop-up home.

    Example: microindex popup close market-stall
    """
    with domain_errors():
        ws = workspace(ctx)
        made = popups.close(all_node_ledgers(ctx), _rounds(ws), _ops(ws), node, ws.clock())
    if as_json:
        print_json(_shown(made))
        return
    console.print(_said(made))


def _shown(transfer: Transfer | None) -> dict[str, object]:
    if transfer is None:
        return {"transfer": None}
    lines = transfer.requested
    return {"transfer": transfer.ident, "state": transfer.state.value, "lines": lines}


def _said(transfer: Transfer | None) -> str:
    if transfer is None:
        return "nothing to move"
    lines = ", ".join(f"{s} x{q}" for s, q in transfer.requested.items())
    return f"transfer {transfer.ident} ({transfer.state.value}): {lines}"


def counts_today(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The node to count at."),
    size: int = typer.Option(10, "--size", min=1, help="SKUs on the list."),
    as_json: bool = JSON,
) -> None:
    """Today's cycle counts: the riskiest SKUs first (fast, miscounted, dear, sold at zero).

    Example: microindex counts-today van --size 10
    """
    with domain_errors():
        ws = workspace(ctx)
        node_db = node_here(ctx, node, remote_nodes.COUNTS_TODAY)
        zone = time_zone(get_node(ws.hub, node).zone)  # the day begins at its midnight
        due = cycle_counts.today(governance_database(node_db), node, ws.clock(), zone, size)
    if as_json:
        print_json([asdict(d) for d in due])
        return
    table = Table("#", "SKU", "risk", "why")
    for i, d in enumerate(due, 1):
        table.add_row(str(i), d.sku, f"{d.score:.2f}", ", ".join(d.reasons))
    console.print(table)
