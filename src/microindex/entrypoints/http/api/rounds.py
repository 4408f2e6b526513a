"""Vans and market stalls on their rounds: a day's stops, where the van is now, where a
customer would meet it, and the one-tap close-out of the day.

Anyone who may read the nodes reads rounds and positions; an admin sets rounds; staff close
out their own node's day (it counts their stock and settles it with the hub).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.node import Location, time_zone
from microindex.domain.round import Round, ServiceArea, Stop
from microindex.entrypoints.http.api.common import count_out, lines_of, lines_out, router
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import CountedLineIn, CountOut, Label, LineOut, Request
from microindex.service import closeout, remote_nodes, rounds
from microindex.service.nodes import get_node

api = router("rounds")

DayPath = Annotated[date, Path(description="The day (YYYY-MM-DD).")]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]


class StopIn(Request):
    arrives: AwareDatetime
    leaves: AwareDatetime
    lat: Latitude
    lon: Longitude
    label: Label = ""


class RoundIn(Request):
    stops: Annotated[list[StopIn], Field(min_length=1, max_length=100)]


class StopOut(BaseModel):
    arrives: datetime
    leaves: datetime
    lat: float
    lon: float
    label: str


class RoundOut(BaseModel):
    node: str
    day: date
    stops: list[StopOut] = Field(description="In time order; none: no round that day.")


class PositionOut(BaseModel):
    node: str
    at: datetime
    lat: float
    lon: float
    on_round: bool = Field(description="False: no round today; the node's own place is given.")
    stop: str | None = Field(description="The stop it stands at (its label); null: on the road.")


class HandoverOut(BaseModel):
    stop: StopOut
    km: float = Field(description="From the customer to the stop.")


class CloseOutIn(Request):
    counts: Annotated[
        list[CountedLineIn],
        Field(
            max_length=10_000,
            description="What is left of each SKU counted; only these are counted (at least one).",
        ),
    ]
    complete: bool = Field(
        default=False,
        description="The counts are all the node holds: a SKU held but not listed counts as none.",
    )
    since: AwareDatetime | None = Field(
        default=None,
        description="When the day or event began; default: midnight today on the node's own clock.",
    )


class DayReportOut(BaseModel):
    node: str
    since: datetime
    closed_at: datetime
    units_sold: int
    sold: list[LineOut]
    overdrafts: list[LineOut]
    counts: list[CountOut]
    variance: int
    variance_value: str = Field(description="Counted minus expected, at list price.")
    takings: str = Field(description="Units sold at list price.")
    on_hand: list[LineOut]
    synced: bool


def _stop(stop: Stop) -> StopOut:
    where = stop.location
    return StopOut(
        arrives=stop.arrives, leaves=stop.leaves, lat=where.lat, lon=where.lon, label=stop.label
    )


def _round(node: str, day: date, found: Round | None) -> RoundOut:
    return RoundOut(node=node, day=day, stops=[_stop(s) for s in found.stops] if found else [])


@api.put("/nodes/{node}/rounds/{day}", response_model=RoundOut, summary="Set a day's round")
def set_round(
    node: NodePath, day: DayPath, body: RoundIn, hub: HubDep, token: TokenDep
) -> RoundOut:
    require(token.grant, Action.MANAGE_NODES)
    get_node(hub.hub, node)
    stops = [Stop(s.arrives, s.leaves, Location(s.lat, s.lon), s.label) for s in body.stops]
    return _round(node, day, rounds.set_round(hub.workspace.rounds(), node, day, stops))


@api.get("/nodes/{node}/rounds/{day}", response_model=RoundOut, summary="A day's round")
def show_round(node: NodePath, day: DayPath, hub: HubDep, token: TokenDep) -> RoundOut:
    require(token.grant, Action.READ_NODES)
    get_node(hub.hub, node)
    return _round(node, day, rounds.round_for(hub.workspace.rounds(), node, day))


class AreaIn(Request):
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)]
    radius_km: Annotated[float, Field(gt=0, le=500)]


class AreaOut(BaseModel):
    node: str
    area: AreaIn | None = Field(description="Null: none set (it serves wherever it goes).")


def _area(node: str, area: ServiceArea | None) -> AreaOut:
    if area is None:
        return AreaOut(node=node, area=None)
    where = AreaIn(lat=area.centre.lat, lon=area.centre.lon, radius_km=area.radius_km)
    return AreaOut(node=node, area=where)


@api.put(
    "/nodes/{node}/service-area",
    response_model=AreaOut,
    summary="Set where a van serves: meeting it is offered only inside",
)
def set_area(node: NodePath, body: AreaIn, hub: HubDep, token: TokenDep) -> AreaOut:
    require(token.grant, Action.MANAGE_NODES)
    area = ServiceArea(Location(body.lat, body.lon), body.radius_km)
    return _area(node, rounds.set_area(hub.hub, hub.workspace.rounds(), node, area))


@api.get("/nodes/{node}/service-area", response_model=AreaOut, summary="Where a van serves")
def show_area(node: NodePath, hub: HubDep, token: TokenDep) -> AreaOut:
    require(token.grant, Action.READ_NODES)
    return _area(node, rounds.area(hub.hub, hub.workspace.rounds(), node))


@api.get(
    "/nodes/{node}/position",
    response_model=PositionOut,
    summary="Where a van is now: at a stop, or on the road between two",
)
def position(node: NodePath, hub: HubDep, token: TokenDep) -> PositionOut:
    require(token.grant, Action.READ_NODES)
    found, now = get_node(hub.hub, node), hub.now()
    today = rounds.round_for(hub.workspace.rounds(), node, found.local(now).date())
    where = found.location if today is None else today.position(now)
    stop = None if today is None else today.stop_at(now)
    return PositionOut(
        node=node,
        at=now,
        lat=where.lat,
        lon=where.lon,
        on_round=today is not None,
        stop=None if stop is None else stop.label,
    )


@api.get(
    "/nodes/{node}/meet",
    response_model=HandoverOut,
    summary="The stop still ahead today where a customer would best meet the van",
)
def meet(
    node: NodePath,
    hub: HubDep,
    token: TokenDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> HandoverOut:
    require(token.grant, Action.READ_NODES)
    zone = time_zone(get_node(hub.hub, node).zone)
    found = rounds.meet(hub.workspace.rounds(), node, Location(lat, lon), hub.now(), zone)
    return HandoverOut(stop=_stop(found.stop), km=found.km)


@api.post(
    "/nodes/{node}/closeout",
    response_model=DayReportOut,
    summary="Close the day: count what is left, settle with the hub, report the day",
)
def close_out(node: NodePath, body: CloseOutIn, hub: HubDep, token: TokenDep) -> DayReportOut:
    require(token.grant, Action.WRITE_STOCK, node)
    database, now = hub.node_here(node, remote_nodes.CLOSE_OUT), hub.now()
    zone = time_zone(get_node(hub.hub, node).zone)
    since = body.since or closeout.day_began(zone, now)
    link = hub.workspace.link(node)
    counted = lines_of(body.counts)
    day = closeout.close_out(
        database, node, counted, link, since, now, token.actor, complete=body.complete
    )
    return day_report_out(day)


def day_report_out(day: closeout.DayReport) -> DayReportOut:
    """The day's report, as the hub and a node's own agent answer a close-out."""
    return DayReportOut(
        node=day.node,
        since=day.since,
        closed_at=day.closed_at,
        units_sold=day.units_sold,
        sold=lines_out(day.sold),
        overdrafts=lines_out(day.overdrafts),
        counts=[count_out(c) for c in day.counts],
        variance=day.variance,
        variance_value=str(day.variance_value),
        takings=str(day.takings),
        on_hand=lines_out(day.on_hand),
        synced=day.synced,
    )
