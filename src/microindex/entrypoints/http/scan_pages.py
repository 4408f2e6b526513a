"""The shopper's pages, at the Digital Link paths the QR codes carry: `/01/{gtin}` (with
qualifiers such as `/10/{lot}` and attributes such as `?17=YYMMDD`) and `/414/{gln}/254/{bin}`.

Public, no sign-in. A page shows the product, the stock at each node holding it, nearest first
(from the scanned shelf; from the shopper with `?lat=&lon=` or the page's location button), and
at each node that can hold it a form to hold units for pickup there (`POST /holds`). The form
may be public because it carries the token of a SameSite cookie set with the page (a post from
another site has no cookie), an idempotency key of its own (a double tap makes one hold), and a
client may place only `HOLDS_PER_CLIENT` holds in `HOLD_WINDOW` (counted in the hub's database,
so every hub process counts together). A scan the hub cannot place is
a 404 page, every refusal a page with its reason; none is a 5xx.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from microindex.adapters.channels.page import display_price, jsonld_text, product_jsonld_at
from microindex.adapters.media.wiring import open_capture
from microindex.adapters.symbols.render import png, qr
from microindex.domain.channels.figures import Confidence, Published
from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.limits import Limit
from microindex.domain.node import Location
from microindex.entrypoints.http.api.orders import KEY_PATTERN
from microindex.entrypoints.http.channel_pages import hub_sources
from microindex.entrypoints.http.context import Hub, hub_of
from microindex.entrypoints.http.errors import status_of
from microindex.entrypoints.http.templating import ago, page
from microindex.service import shopper_scan
from microindex.service.capture_views import published_picture
from microindex.service.nodes import list_nodes
from microindex.service.shopper_scan import Held, NodeStock, ScanView

router = APIRouter(include_in_schema=False)

COOKIE = "microindex_form"
COOKIE_AGE = 24 * 3600
MAX_FORM = 4096
MAX_ADDRESS = 1000
HOLDS_PER_CLIENT = 6
HOLD_WINDOW = timedelta(minutes=30)
HOLD_LIMIT = Limit(HOLDS_PER_CLIENT, HOLD_WINDOW)  # counted in the hub's database
NEAR_KM = 0.2  # a shopper this close to the scanned shelf's node is at it
READY_STEP_MIN = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{32}$")
_SHA256 = re.compile(r"^([0-9a-f]{64})\.jpg$")

STOCK_WORDS = {
    Confidence.EXACT: "{n} in stock",
    Confidence.BUFFERED: "at least {n} in stock",
    Confidence.LIMITED: "limited: perhaps the last one",
}
WHY_NOT = {
    "node_closed": "closed for holds now",
    "no_pickup_here": "no counter to collect from: order online for delivery",
    "not_reservable": "none to hold online: ask in store",
}
REFUSED = {
    "not_reservable": "Not enough left to hold here",
    "node_closed": "Closed for holds right now",
    "no_pickup_here": "No pickup here",
    "cannot_promise": "We could not hold it",
    "idempotency_key_reused": "This form was used for another hold",
    "invalid_value": "That did not look right",
}


@dataclass(frozen=True)
class Row:
    """One node's line on the page, in words."""

    code: str
    name: str
    here: str  # the scanned shelf is at this node: "you are here", or "where you scanned"
    stock: str
    as_of: str
    distance: str
    ready: str  # when a pickup here would be ready, in words ("" where none is)
    reservable: int
    why_not: str
    key: str  # the idempotency key of this line's form


@router.get("/01/{rest:path}", response_class=HTMLResponse)
def product_scan(request: Request, rest: str) -> Response:
    return _scan_page(request)


@router.get("/414/{rest:path}", response_class=HTMLResponse)
def place_scan(request: Request, rest: str) -> Response:
    return _scan_page(request)


@router.get("/media/{name}")
def media(request: Request, name: Annotated[str, Path(max_length=80)]) -> Response:
    """An approved product picture (what channels link to as `<base_url>/media/<sha>.jpg`)."""
    found = _SHA256.match(name)
    ws = hub_of(request).workspace
    tools = open_capture(ws.storage, ws.hub, ws.settings.capture)
    picture = published_picture(tools, found[1]) if found else None
    if picture is None:
        return _missing(request, "no such picture")
    return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


@router.post("/holds", response_class=HTMLResponse)
async def place_hold(request: Request) -> Response:
    body = (await request.body())[:MAX_FORM].decode("utf-8", "replace")
    form = {name: values[0] for name, values in parse_qs(body).items()}
    return await run_in_threadpool(_hold, request, form)


def _scan_page(request: Request) -> Response:
    hub = hub_of(request)
    address = str(request.url)
    try:
        shopper = _shopper(request)
    except InvalidValue as error:
        return _refused(request, "That location did not look right", str(error), 422)
    if len(address) > MAX_ADDRESS:
        return _missing(request, "this address is too long to be one of our codes")
    try:
        view = _view(request, hub, address, shopper)
    except DomainError as error:
        return _missing(request, str(error))
    token = _form_token(request)
    response = _page(
        request,
        "scan.html",
        view=view,
        rows=[_row(line, view) for line in view.stock],
        price=display_price(view.price),
        scan=view.scanned.link.uri(hub.workspace.settings.link_stem),
        back=_back(request),
        shopper=shopper,
        where="in stock near you",
        token=token,
        jsonld=_jsonld(view),
    )
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _view(request: Request, hub: Hub, address: str, shopper: Location | None) -> ScanView:
    """The scan's page: figures with their age, the page rule, approved web images here."""
    ws = hub.workspace
    with hub_sources(hub, str(request.base_url), "web") as sources:
        return shopper_scan.scan_view(sources, ws.hub, ws.node_ops(), address, hub.now(), shopper)


def _shopper(request: Request) -> Location | None:
    """Where the shopper said they are (`lat` and `lon`), if they did."""
    lat, lon = request.query_params.get("lat"), request.query_params.get("lon")
    if lat is None and lon is None:
        return None
    try:
        where = float(lat or ""), float(lon or "")
    except ValueError:
        text = f"{lat or ''},{lon or ''}"[:40]
        raise InvalidValue("location", text, "a latitude and a longitude") from None
    return Location(*where)


def _row(line: NodeStock, view: ScanView) -> Row:
    figure = line.page.figure
    code = line.node.code.value
    here = ""
    if code == view.scanned.shelf:  # the shopper stands there unless they said otherwise
        near = line.distance_km is None or line.distance_km < NEAR_KM
        here = "you are here" if near else "where you scanned"
    no_pickup = line.refusal == "no_pickup_here"
    return Row(
        code,
        line.node.name,
        here,
        _stock_words(figure),
        f"as of {line.as_of:%H:%M} ({ago(view.at - line.as_of)})",
        _distance(line.distance_km),
        "" if no_pickup else _when(ready_time(line.ready_by), view.at),
        line.reservable,
        WHY_NOT.get(line.refusal, ""),
        f"hold-{secrets.token_hex(8)}",
    )


def ready_time(moment: datetime | None) -> datetime | None:
    """A pickup's ready time as a shop says it: the next five minutes ("18:20", not "18:19")."""
    if moment is None:
        return None
    step = timedelta(minutes=moment.minute % READY_STEP_MIN, seconds=moment.second)
    floor = moment - step - timedelta(microseconds=moment.microsecond)
    return moment if floor == moment else floor + timedelta(minutes=READY_STEP_MIN)


def _distance(km: float | None) -> str:
    return "" if km is None or km < 0.05 else f"{km:.1f} km"  # none for the shelf's own node


def _stock_words(figure: Published) -> str:
    if figure.confidence is Confidence.WITHHELD:
        return "stock not known"
    if figure.quantity <= 0:
        return "none in stock"
    return STOCK_WORDS[figure.confidence].format(n=figure.quantity)


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "not open soon"
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days  # on the node's clock
    day = {0: "today", 1: "tomorrow"}.get(days, f"{moment:%a %d %b}")
    return f"{day} {moment:%H:%M %Z}".rstrip()


def _jsonld(view: ScanView) -> str:
    pages = [line.page for line in view.stock]
    return jsonld_text(product_jsonld_at(pages)) if pages else ""


def _back(request: Request) -> str:
    """The page's own address on this hub (a refusal links back to it)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def _form_token(request: Request) -> str:
    token = request.cookies.get(COOKIE, "")
    return token if _TOKEN.match(token) else secrets.token_urlsafe(24)


def _from_our_page(request: Request, token: str) -> bool:
    """The form came from our own page: its token is the cookie's, and no other site sent it
    (the browser's Sec-Fetch-Site and Origin say so, when it sends them; with the pages'
    no-referrer policy, a browser's Origin is "null")."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin", "null")
    if origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        return False
    cookie = request.cookies.get(COOKIE, "")
    return bool(_TOKEN.match(cookie)) and secrets.compare_digest(cookie, token)


def _hold(request: Request, form: dict[str, str]) -> Response:
    hub = hub_of(request)
    back = form.get("back", "")
    back = back if back.startswith(("/01/", "/414/")) else ""
    if not _from_our_page(request, form.get("csrf", "")):
        problem = "This form is out of date or did not come from our page: scan the code again."
        return _refused(request, "This form has expired", problem, 403, back)
    key = form.get("key", "")
    if not re.match(KEY_PATTERN, key):
        return _refused(request, REFUSED["invalid_value"], "the form has no hold key", 400, back)
    ws, now = hub.workspace, hub.now()
    client = request.client.host if request.client else "unknown"
    try:
        quantity = _quantity(form.get("quantity", "1"))
        limit: Limit = request.app.state.hold_limit
        if not shopper_scan.placed_before(ws.hub, key) and not hub.limits.take(
            "shelf-hold", client, limit, now
        ):
            problem = "This phone has held several items in the last half hour. Ask in store."
            return _refused(request, "Too many holds", problem, 429, back)
        nodes = list_nodes(ws.hub)
        scan, node = form.get("scan", "")[:500], form.get("node", "")[:32]
        held = shopper_scan.hold(
            ws.hub, ws.node_ops(), nodes, key, scan, node, quantity, now, ws.candidate_states()
        )
    except DomainError as error:
        title = REFUSED.get(error.code, "We could not hold it")
        return _refused(request, title, str(error), status_of(error), back)
    return _confirmation(request, held, now)


def _quantity(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidValue("quantity", text[:20], "a whole number of units") from None


def _confirmation(request: Request, held: Held, now: datetime) -> Response:
    picture = base64.b64encode(png(qr(held.reference), module_px=6)).decode("ascii")
    return _page(
        request,
        "scan_held.html",
        status=201 if held.created else 200,
        held=held,
        ready=_when(ready_time(held.ready_by), now),
        until=_when(held.until, now),
        qr=f"data:image/png;base64,{picture}",
    )


def _missing(request: Request, problem: str) -> Response:
    return _page(request, "scan_missing.html", status=404, problem=problem)


def _refused(request: Request, title: str, problem: str, status: int, back: str = "") -> Response:
    return _page(
        request, "scan_refused.html", status=status, title=title, problem=problem, back=back
    )


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A shopper's page, under the shop's own name."""
    shop = hub_of(request).workspace.settings.shop_name
    return page(request, name, status=status, shop_name=shop, **context)
