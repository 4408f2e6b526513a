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
from microindex.domain.popup import PopUp
from microindex.entrypoints.http.api.common import lines_out, router
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.api.transfers import NodeTransferOut, transfer_out
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import LineOut, NodeText, Request
from microindex.service import popups

api = router("pop-ups")


class PopUpIn(Request):
    node: NodeText
    home: NodeText = Field(description="The node that stocks it.")
    opens_on: date = Field(description="First day of trading.")
    closes_on: date = Field(description="Last day of trading.")


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


class PlanOut(BaseModel):
    popup: PopUpOut
    basis: str = Field(description="`triage` (its own sales) or `best sellers` (the network's).")
    wanted: list[LineOut] = Field(description="The assortment: units for the whole event.")
    transfer: NodeTransferOut | None = Field(description="The fill from home; null: none needed.")


class CloseOut(BaseModel):
    popup: PopUpOut
    transfer: NodeTransferOut | None = Field(description="The rest, home; null: nothing left.")


def _popup(popup: PopUp, today: date) -> PopUpOut:
    return PopUpOut(
        node=popup.node,
        home=popup.home,
        opens_on=popup.opens_on,
        closes_on=popup.closes_on,
        days=popup.days,
        open_today=popup.is_open(today),
    )


def _today(hub: Hub) -> date:
    return hub.now().date()


@api.post(
    "/popups",
    response_model=PopUpOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record a pop-up's dates and home (again: new dates)",
)
def add_popup(body: PopUpIn, hub: HubDep, token: TokenDep) -> PopUpOut:
    require(token.grant, Action.MANAGE_NODES)
    wanted = PopUp(body.node, body.home, body.opens_on, body.closes_on)
    return _popup(popups.add(hub.hub, hub.workspace.rounds(), wanted), _today(hub))


@api.get("/popups", response_model=list[PopUpOut], summary="The pop-ups")
def list_popups(hub: HubDep, token: TokenDep) -> list[PopUpOut]:
    require(token.grant, Action.READ_NODES)
    return [_popup(p, _today(hub)) for p in popups.listed(hub.workspace.rounds())]


@api.get("/popups/{node}", response_model=PopUpOut, summary="One pop-up")
def show_popup(node: NodePath, hub: HubDep, token: TokenDep) -> PopUpOut:
    require(token.grant, Action.READ_NODES)
    return _popup(popups.get(hub.workspace.rounds(), node), _today(hub))


@api.post(
    "/popups/{node}/plan",
    response_model=PlanOut,
    summary="Plan the assortment and request the transfer that fills it (once)",
)
def plan_popup(node: NodePath, hub: HubDep, token: TokenDep, body: PlanIn | None = None) -> PlanOut:
    require(token.grant, Action.MANAGE_NODES)
    ws, size = hub.workspace, (body or PlanIn()).size
    made = popups.plan(ws.hub, hub.nodes(), ws.rounds(), ws.node_ops(), node, hub.now(), size)
    return PlanOut(
        popup=_popup(made.popup, _today(hub)),
        basis=made.basis,
        wanted=lines_out(made.wanted),
        transfer=None if made.transfer is None else transfer_out(made.transfer),
    )


@api.post(
    "/popups/{node}/close",
    response_model=CloseOut,
    summary="Request the transfer that takes everything left at the pop-up home",
)
def close_popup(node: NodePath, hub: HubDep, token: TokenDep) -> CloseOut:
    require(token.grant, Action.MANAGE_NODES)
    ws = hub.workspace
    popup = popups.get(ws.rounds(), node)
    made = popups.close(hub.ledgers(), ws.rounds(), ws.node_ops(), node, hub.now())
    return CloseOut(
        popup=_popup(popup, _today(hub)),
        transfer=None if made is None else transfer_out(made),
    )
