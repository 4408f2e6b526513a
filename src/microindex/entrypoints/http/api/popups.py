"""Pop-ups: record one's dates, plan its assortment and the transfer that fills it from home,
and at the close the transfer that takes the rest home.

The node itself is registered first (`POST /api/v1/nodes`, kind `popup`). Planning and closing
only request transfers; home packs and ships them, and the pop-up receives them, through
`/api/v1/transfers`. Anyone who may read the nodes reads pop-ups; an admin runs them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import status
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.node import OpeningHours
from microindex.domain.popup import PopUp
from microindex.entrypoints.http.api.common import lines_out, router
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.api.transfers import NodeTransferOut, transfer_out
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import HOURS_PATTERN, LineOut, NodeText, Request
from microindex.service import popups, triage

api = router("pop-ups")


class PopUpIn(Request):
    node: NodeText
    home: NodeText = Field(description="The node that stocks it.")
    opens_on: date = Field(description="First day of trading.")
    closes_on: date = Field(description="Last day of trading.")
    opening_hours: Annotated[
        str | None,
        Field(
            max_length=500,
            pattern=HOURS_PATTERN,
            description="Its trading hours 'DAY HH:MM-HH:MM;...' with 0=Monday (left out: kept).",
            examples=["5 09:00-17:00;6 10:00-16:00"],
        ),
    ] = None
    pickup: bool | None = Field(
        default=None, description="Customers collect online orders there (left out: kept)."
    )


class PlanIn(Request):
    size: Annotated[int, Field(strict=True, ge=1, le=500, description="SKUs to take.")] = (
        popups.ASSORTMENT
    )


class PopUpOut(BaseModel):
    node: str
    home: str
    opens_on: date
    closes_on: date
    days: int
    open_today: bool
    over: bool = Field(description="Its last day has passed.")
    opening_hours: str
    pickup: bool
    transfers: list[NodeTransferOut] = Field(description="Fills from home and take-homes.")


class PlanOut(BaseModel):
    popup: PopUpOut
    basis: str = Field(
        description="`targets` (its accepted stock targets), `triage` (its own sales) or"
        " `best sellers` (the network's)."
    )
    wanted: list[LineOut] = Field(description="The assortment: units for the whole event.")
    transfer: NodeTransferOut | None = Field(description="The fill from home; null: none needed.")
    short: list[LineOut] = Field(description="Still wanted, and home can release none of it.")
    why_nothing: str = Field(description="With no transfer: why.")


class CloseOut(BaseModel):
    popup: PopUpOut
    transfer: NodeTransferOut | None = Field(description="The rest, home; null: nothing left.")


def _popup(hub: Hub, node: str) -> PopUpOut:
    ws, today = hub.workspace, _today(hub)
    shown = popups.show(hub.hub, ws.rounds(), ws.node_ops(), node)
    popup = shown.popup
    return PopUpOut(
        node=popup.node,
        home=popup.home,
        opens_on=popup.opens_on,
        closes_on=popup.closes_on,
        days=popup.days,
        open_today=popup.is_open(today),
        over=popup.closes_on < today,
        opening_hours=shown.node.opening_hours.to_text(),
        pickup=shown.node.capabilities.pickup,
        transfers=[transfer_out(t) for t in shown.transfers],
    )


def _today(hub: Hub) -> date:
    return hub.now().astimezone(hub.workspace.settings.zone).date()  # the shop's day


@api.post(
    "/popups",
    response_model=PopUpOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record a pop-up's dates and home (again: new dates)",
)
def add_popup(body: PopUpIn, hub: HubDep, token: TokenDep) -> PopUpOut:
    require(token.grant, Action.MANAGE_NODES)
    wanted = PopUp(body.node, body.home, body.opens_on, body.closes_on)
    hours = None if body.opening_hours is None else OpeningHours.from_text(body.opening_hours)
    popups.add(hub.hub, hub.workspace.rounds(), wanted, None, hours, body.pickup)
    return _popup(hub, body.node)


@api.get("/popups", response_model=list[PopUpOut], summary="The pop-ups")
def list_popups(hub: HubDep, token: TokenDep) -> list[PopUpOut]:
    require(token.grant, Action.READ_NODES)
    return [_popup(hub, p.node) for p in popups.listed(hub.workspace.rounds())]


@api.get("/popups/{node}", response_model=PopUpOut, summary="One pop-up")
def show_popup(node: NodePath, hub: HubDep, token: TokenDep) -> PopUpOut:
    require(token.grant, Action.READ_NODES)
    return _popup(hub, node)


@api.post(
    "/popups/{node}/plan",
    response_model=PlanOut,
    summary="Plan the assortment and request the transfer that fills it (once)",
)
def plan_popup(node: NodePath, hub: HubDep, token: TokenDep, body: PlanIn | None = None) -> PlanOut:
    require(token.grant, Action.MANAGE_NODES)
    ws, size = hub.workspace, (body or PlanIn()).size
    governed = ws.governance(hub.nodes(), reports=False).sources.nodes
    targets = (
        {t.sku: t.target for t in triage.targets(governed[node], node)}
        if node in governed
        else None
    )
    made = popups.plan(
        ws.hub,
        hub.nodes(),
        ws.rounds(),
        ws.node_ops(),
        node,
        hub.now(),
        ws.settings.zone,
        size,
        targets,
    )
    return PlanOut(
        popup=_popup(hub, node),
        basis=made.basis,
        wanted=lines_out(made.wanted),
        transfer=None if made.transfer is None else transfer_out(made.transfer),
        short=lines_out(made.short),
        why_nothing=made.why_nothing,
    )


@api.post(
    "/popups/{node}/close",
    response_model=CloseOut,
    summary="Request the transfer that takes everything left at the pop-up home",
)
def close_popup(node: NodePath, hub: HubDep, token: TokenDep) -> CloseOut:
    require(token.grant, Action.MANAGE_NODES)
    ws = hub.workspace
    made = popups.close(hub.ledgers(), ws.rounds(), ws.node_ops(), node, hub.now())
    return CloseOut(
        popup=_popup(hub, node),
        transfer=None if made is None else transfer_out(made),
    )
