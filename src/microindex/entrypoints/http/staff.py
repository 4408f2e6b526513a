"""The staff page for a phone at `/staff/{node}`: scan, then receive, sell or count; today's
picks, packing them (the package scanned or chosen, recorded with the order) and today's
cycle counts.

The page is a shell: its script signs in with a staff token (kept in sessionStorage) and
does everything through the JSON API, so the API's access rules are the page's too. The few
API paths only the page uses are here, with what they read and write; the node agent
(`node_app.py`) answers the same paths over the node's own database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from microindex.adapters.governance_wiring import governance_database
from microindex.domain.access import Action, require
from microindex.domain.errors import DomainError
from microindex.domain.node import time_zone
from microindex.entrypoints.http.api.common import router as api_router
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import hub_of
from microindex.entrypoints.http.session import COOKIE, admin_session
from microindex.entrypoints.http.templating import page
from microindex.service import access, cycle_counts, remote_nodes, shelf_holds
from microindex.service.cycle_counts import ToCount
from microindex.service.nodes import get_node

router = APIRouter(include_in_schema=False)
api = api_router("staff")

# What the page shows besides scanning: the hub knows the orders; a node agent closes its day.
HUB_FEATURES = ("picks", "packing", "counts")
NODE_FEATURES = ("counts", "closeout")


@router.get("/staff/{node}", response_class=HTMLResponse)
def staff_page(request: Request, node: Annotated[str, Path(max_length=32)]) -> Response:
    """The page; an admin signed in to the dashboard is signed in here too, with a session of
    its own (the dashboard's cookie stays HttpOnly), and never asked for the node's secret."""
    hub = hub_of(request)
    try:
        found = get_node(hub.hub, node)
    except DomainError as error:
        return page(request, "missing.html", status=404, problem=str(error))
    admin = admin_session(request)
    session = ""
    if admin is not None:
        session = access.sign_in(hub.tokens, request.cookies.get(COOKIE), hub.now()).secret
    return page(request, "staff.html", node=found, features=HUB_FEATURES, session=session)


class CountLineOut(BaseModel):
    sku: str
    title: str
    bins: list[str] = Field(description="Where it is kept, when the shelf slots say.")
    reasons: list[str] = Field(description="Why it is on today's list.")
    score: float = Field(description="Its risk: the list is riskiest first.")


def count_lines(sheet: list[ToCount]) -> list[CountLineOut]:
    return [
        CountLineOut(
            sku=line.sku,
            title=line.title,
            bins=list(line.bins),
            reasons=list(line.reasons),
            score=line.score,
        )
        for line in sheet
    ]


@api.get(
    "/nodes/{node}/counts-today",
    response_model=list[CountLineOut],
    summary="Today's cycle counts at a node: the riskiest SKUs not counted yet today, and why",
)
def counts_today(node: NodePath, hub: HubDep, token: TokenDep) -> list[CountLineOut]:
    require(token.grant, Action.READ_LEDGER, node)
    node_db = governance_database(hub.node_here(node, remote_nodes.COUNTS_TODAY))
    bins = shelf_holds.bins(hub.workspace.node_ops(), node)
    zone = time_zone(get_node(hub.hub, node).zone)  # the day begins at the node's midnight
    return count_lines(cycle_counts.count_sheet(node_db, node, hub.now(), zone, bins))


class ToCountOut(BaseModel):
    sku: str
    title: str
