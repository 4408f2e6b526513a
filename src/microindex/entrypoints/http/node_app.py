"""A node's own web application, served by its agent (`microindex node run CODE --serve-port`).

The staff page at /staff, over the node's OWN SQLite database: its ledger, its stock rights,
its catalog copy and its search index, so a locker or a van keeps selling with the hub out of
reach. It answers the few API paths the staff page's script uses (the hub's paths, so the same
page and script work here), guarded by one node-local staff token. A walk-in sale spends the
node's local rights (`service.rights.sell_walk_in`); beyond them the page says the units are
promised to online orders and sells only on an override with a reason (an overdraft); the
agent's sync loop takes the movements up. A pop-up's agent refuses to sell or receive after it
closed (409 popup_closed, as the hub's edges), by the dates its syncs brought.
Here the page also closes out the day (count what is left, settle with the hub when it can be
reached, report the day); the picks of online orders are the hub's page's.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles

from microindex.adapters.governance_wiring import governance_database
from microindex.adapters.search.files import load_synonyms, open_index
from microindex.adapters.sync.secrets import SecretFiles
from microindex.domain.access import Unauthenticated
from microindex.domain.codes import NodeCode
from microindex.domain.errors import UnknownNode
from microindex.domain.kits import UnknownKit
from microindex.domain.node import time_zone
from microindex.domain.search.request import MAX_LIMIT, Filters, SearchRequest
from microindex.domain.sync.node import Override
from microindex.entrypoints.http import errors
from microindex.entrypoints.http.api.common import count_out, lines_of
from microindex.entrypoints.http.api.kits import KitSaleIn, KitStockOut
from microindex.entrypoints.http.api.rounds import CloseOutIn, DayReportOut, day_report_out
from microindex.entrypoints.http.api.search import SearchOut, to_search_out
from microindex.entrypoints.http.kept_index import KeptIndex
from microindex.entrypoints.http.schemas import (
    SKU_PATTERN,
    CountIn,
    CountOut,
    HeadOut,
    KitPartOut,
    MovementIn,
    MovementOut,
    MovementPageOut,
    ProductOut,
    SaleIn,
    SaleKey,
    StockLineOut,
    override_of,
)
from microindex.entrypoints.http.staff import NODE_FEATURES, CountLineOut, ToCountOut, count_lines
from microindex.entrypoints.http.templating import page
from microindex.service import closeout, cycle_counts, kits, popups, rights
from microindex.service import stock as stock_service
from microindex.service.browse import product_by_code
from microindex.service.catalog import products_by_sku
from microindex.service.kits import KitStore
from microindex.service.known import products_named, registered, require_skus
from microindex.service.records import movement_record, product_record
from microindex.service.search import search
from microindex.service.sync_ports import SyncTransport, SyncUnitOfWorkFactory
from microindex.settings import DEFAULT_ZONE

STATIC = Path(__file__).parent / "static"
ACTOR = "staff"
STAFF_DIR = "keys/staff"
STAFF_TOKEN_ENV = "MICROINDEX_STAFF_TOKEN"


def staff_token(workspace: Path, code: str) -> str:
    """The node's staff token from the workspace's key file, made on first use (owner-only)."""
    return SecretFiles(workspace / STAFF_DIR).ensure(code).decode()


@dataclass(frozen=True, slots=True)
class NodeSite:
    """What the node's app serves from: its database, its workspace folder, its staff token."""

    database: SyncUnitOfWorkFactory
    code: str
    workspace: Path
    staff_secret: str
    clock: Callable[[], datetime]
    name: str = ""
    ask: rights.AskHub | None = None  # ask the hub for rights now (None: offline only)
    link: SyncTransport | None = None  # settle a close-out with the hub (None: offline only)
    kits: KitStore | None = None  # the kits in its catalog copy (they come with its syncs)
    zone: str = DEFAULT_ZONE  # the time zone its days begin in (the workspace's `time_zone`)


@dataclass(frozen=True, slots=True)
class _Shown:
    code: NodeCode
    name: str


bearer = HTTPBearer(auto_error=False, description="The node's staff token.")


def _site(request: Request) -> NodeSite:
    site: NodeSite = request.app.state.site
    return site


def _signed_in(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> NodeSite:
    site = _site(request)
    given = credentials.credentials.encode() if credentials is not None else b""
    if not hmac.compare_digest(given, site.staff_secret.encode()):
        raise Unauthenticated("not this node's staff token")
    return site


SiteDep = Annotated[NodeSite, Depends(_signed_in)]
api = APIRouter(prefix="/api/v1")
pages = APIRouter(include_in_schema=False)


def _here(site: NodeSite, node: str) -> str:
    """`node` when it is this node; else refused in every edge's words (service/known.py),
    its own code the near miss a typo suggests (this app serves only its own node)."""
    return registered({site.code: node}, node)


@pages.get("/staff", response_class=HTMLResponse)
def staff_home(request: Request) -> Response:
    return RedirectResponse(f"/staff/{_site(request).code}")


@pages.get("/staff/{node}", response_class=HTMLResponse)
def staff_page(request: Request, node: str) -> Response:
    site = _site(request)
    try:
        _here(site, node)
    except UnknownNode as error:  # in the words of the hub's page and every edge
        return page(request, "missing.html", status=404, problem=str(error))
    shown = _Shown(NodeCode(site.code), site.name or site.code)
    return page(request, "staff.html", node=shown, features=NODE_FEATURES)


@api.get("/nodes/{node}/head", response_model=HeadOut)
def head(node: str, site: SiteDep) -> HeadOut:
    return HeadOut(node=node, head=stock_service.ledger_head(site.database, _here(site, node)))


@api.get("/nodes/{node}/movements", response_model=MovementPageOut)
def movements(
    node: str,
    site: SiteDep,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> MovementPageOut:
    with site.database() as uow:
        top = uow.ledger.load(_here(site, node), []).head
        found = uow.ledger.movements(node, after, limit)
    items = [MovementOut(**movement_record(m)) for m in found]
    return MovementPageOut(
        node=node, head=top, items=items, next_after=found[-1].seq if found else after
    )


def _kits(site: NodeSite, sku: str) -> KitStore:
    """The kits as the hub defined them, in this node's copy of the catalog."""
    if site.kits is None:
        raise UnknownKit(sku)
    return site.kits


@api.get("/codes/{code:path}", response_model=ProductOut)
def resolve_code(code: str, site: SiteDep) -> ProductOut:
    found = ProductOut.model_validate(
        product_record(product_by_code(site.database, code, site.clock().date()))
    )
    kit = site.kits.kits().get(found.sku) if site.kits is not None else None
    if kit is not None:
        found.kit = [KitPartOut(sku=p.sku, quantity=p.quantity) for p in kit.parts]
    return found


@api.get("/kits/{sku:path}/stock", response_model=list[KitStockOut])
def kit_stock(sku: str, site: SiteDep, node: str | None = None) -> list[KitStockOut]:
    """How many of the kit this node's parts in hand make (and the hub may promise online)."""
    here = {_here(site, node or site.code): site.database}
    found = kits.availability(_kits(site, sku), site.database, here, sku)
    return [KitStockOut(node=a.node, on_hand=a.on_hand, online=a.online) for a in found]


@api.post("/nodes/{node}/kits/{sku:path}/sell", response_model=list[MovementOut])
def sell_kit(
    node: str, sku: str, body: KitSaleIn, site: SiteDep, idempotency_key: SaleKey = None
) -> list[MovementOut]:
    """A walk-in kit sale here, as the hub's: one sale per part, all or none, from local
    rights (else asked of the hub), 409 promised_online beyond them unless overridden."""
    given = body.override
    override = None if given is None else Override(given.actor or ACTOR, given.reason)
    popups.refuse_closed(
        site.database, _here(site, node), site.clock(), time_zone(site.zone), popups.SELL
    )
    made = kits.sell(
        _kits(site, sku), site.database, node, sku, body.quantity, site.clock(),
        body.reference, site.ask, ACTOR, override, idempotency_key,
    )  # fmt: skip
    return [MovementOut(**movement_record(m)) for m in made]


@api.get("/stock", response_model=list[StockLineOut])
def show_stock(
    site: SiteDep,
    node: str,
    sku: Annotated[str | None, Query(pattern=SKU_PATTERN)] = None,
) -> list[StockLineOut]:
    here = _here(site, node)
    lines = stock_service.stock_lines({here: site.database}, sku)
    if sku is not None and not lines:  # as the hub: a mistyped SKU is refused, not blank
        require_skus(site.database, [sku])
    titles = products_by_sku(site.database, sorted({line.sku for line in lines}))
    granted = rights.granted_here(site.database, here)
    return [
        StockLineOut(
            sku=line.sku,
            title=titles[line.sku].title if line.sku in titles else "",
            node=line.node,
            on_hand=line.on_hand,
            online=granted.get(line.sku, 0),
        )
        for line in lines
    ]


@api.post("/nodes/{node}/receive", response_model=MovementOut)
def receive(node: str, body: MovementIn, site: SiteDep) -> MovementOut:
    popups.refuse_closed(
        site.database, _here(site, node), site.clock(), time_zone(site.zone), popups.RECEIVE
    )
    made = stock_service.receive(
        site.database,
        node,
        body.sku,
        body.quantity,
        site.clock(),
        body.reference,
        ACTOR,
    )
    return MovementOut(**movement_record(made))


@api.post("/nodes/{node}/sell", response_model=MovementOut)
def sell(node: str, body: SaleIn, site: SiteDep, idempotency_key: SaleKey = None) -> MovementOut:
    """A walk-in sale: from local rights, else rights asked of the hub; beyond them 409
    promised_online (the units are promised to online orders) unless the body carries an
    override with a reason, recorded as an overdraft; 409 out_of_stock beyond on hand.
    A till's retry under the same Idempotency-Key is answered with the sale first made."""
    popups.refuse_closed(
        site.database, _here(site, node), site.clock(), time_zone(site.zone), popups.SELL
    )
    with products_named(site.database):  # a typo is no product, not a shortfall: as the hub
        made = rights.sell_walk_in(
            site.database,
            node,
            body.sku,
            body.quantity,
            site.clock(),
            body.reference,
            site.ask,
            ACTOR,
            override_of(body, ACTOR),
            idempotency_key,
        )
    return MovementOut(**movement_record(made))


@api.post("/nodes/{node}/count", response_model=CountOut)
def count(node: str, body: CountIn, site: SiteDep) -> CountOut:
    result = stock_service.count(
        site.database,
        _here(site, node),
        body.sku,
        body.counted,
        site.clock(),
        body.position,
        body.reference,
        ACTOR,
    )
    return count_out(result)


@api.get("/nodes/{node}/counts-today", response_model=list[CountLineOut])
def counts_today(node: str, site: SiteDep) -> list[CountLineOut]:
    """Today's cycle counts from the node's own ledger and counts (bins are the hub's)."""
    node_db = governance_database(site.database)
    sheet = cycle_counts.count_sheet(node_db, _here(site, node), site.clock(), time_zone(site.zone))
    return count_lines(sheet)


@api.get("/nodes/{node}/closeout", response_model=list[ToCountOut])
def to_count(node: str, site: SiteDep) -> list[ToCountOut]:
    """What a close-out counts: every SKU the node's ledger holds."""
    skus = closeout.to_count(site.database, _here(site, node))
    titles = products_by_sku(site.database, skus)
    return [ToCountOut(sku=s, title=titles[s].title if s in titles else "") for s in skus]


@api.post("/nodes/{node}/closeout", response_model=DayReportOut)
def close_out(node: str, body: CloseOutIn, site: SiteDep) -> DayReportOut:
    """Count what is left, settle with the hub if it can be reached, report the day (as the
    hub's close-out does)."""
    now = site.clock()
    since = body.since or closeout.day_began(time_zone(site.zone), now)
    counted = lines_of(body.counts)
    day = closeout.close_out(
        site.database, _here(site, node), counted, site.link, since, now, ACTOR, body.complete
    )
    return day_report_out(day)


@api.get("/search", response_model=SearchOut)
def find(
    request: Request,
    site: SiteDep,
    q: Annotated[str, Query(max_length=500)] = "",
    in_stock: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
) -> SearchOut:
    """The node's own search index (its catalog copy and its ledger), caught up in the
    background (`KeptIndex`): a catalog pull's digest comparison never runs in the request."""
    wanted = SearchRequest(q, Filters(in_stock), limit=limit)
    index = request.app.state.index.current()
    result = search(index, wanted, site.code, load_synonyms(site.workspace))
    return to_search_out(result, None)


def create_node_app(site: NodeSite) -> FastAPI:
    """The node's app; close its search index with `app.state.index.close()` when done."""
    app = FastAPI(title=f"microindex node {site.code}", version="1")
    app.state.site = site
    app.state.index = KeptIndex(open_index(site.workspace, site.code), site.database, site.code)
    errors.install(app)
    app.include_router(api)
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
