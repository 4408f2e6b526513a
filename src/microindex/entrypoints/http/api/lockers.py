"""Parcel lockers: compartments, putting a pickup order in one (its code is in that answer
only), collecting it with the code, and the sweep of parcels not collected in time.

Staff of the locker put parcels in and open compartments; an admin sets up compartments and
runs the sweep. Channels read which compartments are busy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Path, status
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.locker import MAX_COMPARTMENT_MM, Assignment, Held
from microindex.domain.node import time_zone
from microindex.domain.product import Size
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.api.orders import KEY_PATTERN
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import ErrorBody, Request
from microindex.service import lockers
from microindex.service.nodes import get_node

api = router("lockers")

CompartmentCode = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,15}$", description="As on its label.")
]
Millimetres = Annotated[int, Field(strict=True, gt=0, le=MAX_COMPARTMENT_MM)]


class CompartmentIn(Request):
    length_mm: Millimetres
    width_mm: Millimetres
    height_mm: Millimetres


class CompartmentOut(BaseModel):
    code: str
    length_mm: int
    width_mm: int
    height_mm: int
    order: str | None = Field(description="The order waiting in it; null: free.")


class AssignIn(Request):
    order: Annotated[str, Field(strict=True, pattern=KEY_PATTERN)]
    hours: Annotated[
        float,
        Field(
            strict=True,
            ge=lockers.PICKUP_WINDOWS[0] / timedelta(hours=1),
            le=lockers.PICKUP_WINDOWS[1] / timedelta(hours=1),
            description="To collect in.",
        ),
    ] = lockers.PICKUP_WINDOW / timedelta(hours=1)


class CollectIn(Request):
    code: Annotated[str, Field(strict=True, pattern=r"^[0-9]{6,8}$", description="Pickup code.")]


class PickupOut(BaseModel):
    order: str
    node: str
    compartment: str
    state: Held
    assigned_at: datetime
    until: datetime = Field(description="The code works until then.")
    ended_at: datetime | None


class AssignedOut(PickupOut):
    code: str = Field(description="For the shopper (and the QR), shown in this answer only.")


def _compartment(code: str, inner: Size, order: str | None) -> CompartmentOut:
    return CompartmentOut(
        code=code,
        length_mm=inner.length_mm,
        width_mm=inner.width_mm,
        height_mm=inner.height_mm,
        order=order,
    )


def _pickup(made: Assignment) -> PickupOut:
    return PickupOut(
        order=made.order,
        node=made.node,
        compartment=made.compartment,
        state=made.state,
        assigned_at=made.assigned_at,
        until=made.until,
        ended_at=made.ended_at,
    )


@api.get(
    "/nodes/{node}/compartments",
    response_model=list[CompartmentOut],
    summary="A locker's compartments and the order waiting in each",
)
def list_compartments(node: NodePath, hub: HubDep, token: TokenDep) -> list[CompartmentOut]:
    require(token.grant, Action.READ_ORDERS, node)
    get_node(hub.hub, node)
    found = lockers.compartments(hub.workspace.node_ops(), node)
    return [_compartment(c.code, c.inner, order) for c, order in found]


@api.put(
    "/nodes/{node}/compartments/{code}",
    response_model=CompartmentOut,
    summary="Add a compartment, or resize it (inner size in mm)",
)
def put_compartment(
    node: NodePath, code: CompartmentCode, body: CompartmentIn, hub: HubDep, token: TokenDep
) -> CompartmentOut:
    require(token.grant, Action.MANAGE_NODES)
    get_node(hub.hub, node)
    ops = hub.workspace.node_ops()
    lockers.add_compartment(ops, node, code, Size(body.length_mm, body.width_mm, body.height_mm))
    found = lockers.compartments(ops, node)
    return next(_compartment(c.code, c.inner, order) for c, order in found if c.code == code)


@api.post(
    "/nodes/{node}/pickups",
    response_model=AssignedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Put a pickup order's parcel in the smallest free compartment it fits",
)
def assign_pickup(node: NodePath, body: AssignIn, hub: HubDep, token: TokenDep) -> AssignedOut:
    require(token.grant, Action.ADVANCE_ORDER, node)
    get_node(hub.hub, node)
    database = hub.workspace.hub
    parcel = lockers.parcel_for(database, lockers.parcel_lines(database, body.order, node))
    made = lockers.assign_order(
        database,
        hub.workspace.node_ops(),
        body.order,
        node,
        hub.now(),
        parcel,
        timedelta(hours=body.hours),
    )
    return AssignedOut(**_pickup(made.assignment).model_dump(), code=made.code)


@api.post(
    "/nodes/{node}/pickups/collect",
    response_model=PickupOut,
    summary="Open the compartment for a pickup code: the order is collected, its goods leave "
    "the locker's stock",
    responses={429: {"model": ErrorBody, "description": "Too many wrong codes lately: locked."}},
)
def collect_pickup(node: NodePath, body: CollectIn, hub: HubDep, token: TokenDep) -> PickupOut:
    require(token.grant, Action.ADVANCE_ORDER, node)
    ws = hub.workspace
    opened = lockers.open_with(
        ws.hub,
        ws.node_ops(),
        node,
        body.code,
        hub.now(),
        locker_db=hub.node_for_writing(node),
        zone=time_zone(get_node(ws.hub, node).zone),  # what its keypad says is on its clock
        link=ws.link(node),
    )
    return _pickup(opened)


@api.post(
    "/lockers/sweep",
    response_model=list[PickupOut],
    summary="Take out parcels past their deadline, at every locker; their orders are cancelled",
)
def sweep_lockers(hub: HubDep, token: TokenDep) -> list[PickupOut]:
    require(token.grant, Action.MANAGE_NODES)
    return [
        _pickup(a) for a in lockers.sweep(hub.workspace.hub, hub.workspace.node_ops(), hub.now())
    ]
