"""Every route the hub's web application serves, called on the demo shop on either hub: its own
SQLite file or PostgreSQL (issue 17: "every API endpoint that works on a SQLite hub works on a
PostgreSQL hub").

Each backend's demo is built once, as `microindex demo` builds it; then one sweep calls every
path and method of the app in a fixed order, each with a valid request that names the demo's
own things (a real node and SKU, an order, a transfer, a locker code, a shelf placed earlier
in the sweep), as an admin or as a shopper's phone would. What each call answered (its status,
and the shape of its JSON: its keys and value types; a page's content type and the ids of its
parts; a CSV file's columns) must be the same on both hubs. The sweep records which route answered each call, so a route added to the app that
the sweep does not call fails `test_the_sweep_calls_every_route_of_the_app`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import access_stores, token_store
from microindex.entrypoints.http import create_app
from microindex.service import access, sync
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.e2e.test_cli_examples import build_demo
from tests.http.conftest import bearer
from tests.postgres import SchemaPool

Route = tuple[str, str]  # (method, path as the app declares it)
GLN = "9520123456788"
EAST = {"lat": 51.545, "lon": 0.04}  # only the van delivers here
ROUND_DAY = "2030-01-07"
STOP = {"arrives": "2030-01-07T09:00:00Z", "leaves": "2030-01-07T10:00:00Z", "lat": 51.5, "lon": 0}
DEMO_SHELF = "/414/5069412000010/254/A1"  # the demo's shelf QR at the shopfront
FORM = re.compile(r'<form method="post" action="/holds" class="hold">(.*?)</form>', re.S)
HTML_ID = re.compile(r'\bid="([^"]+)"')
PICTURE = re.compile(r"/media/([0-9a-f]{64}\.jpg)")


class RouteRecorder:
    """The app, noting the route that answered each request (FastAPI sets it in the scope)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.last: Route | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.last = None
        await self.app(scope, receive, send)
        if scope["type"] != "http":
            return
        route = scope.get("route")
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        if path is None:  # Starlette's own routes (the API's documents) and the static files
            path = "/static" if scope["path"].startswith("/static/") else scope["path"]
        self.last = (scope["method"], path)


@dataclass(frozen=True)
class Answer:
    """What one call answered, in the terms compared across hubs."""

    status: int
    shape: Any

    @staticmethod
    def of(status: int, content_type: str, body: Any) -> Answer:
        if "json" in content_type:
            return Answer(status, shape_of(body))
        if "html" in content_type:  # the page's parts: the ids of its sections
            return Answer(status, (content_type, tuple(sorted(set(HTML_ID.findall(body))))))
        if "csv" in content_type:  # its columns
            return Answer(status, (content_type, body.partition("\n")[0]))
        return Answer(status, content_type)


def shape_of(value: Any) -> Any:
    """A JSON value's keys and value types, a list's by its first item."""
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape_of(value[0])] if value else []
    return type(value).__name__


@dataclass
class Sweep:
    """One backend's sweep: each call's answer by name, and the route each name reached."""

    client: TestClient
    recorder: RouteRecorder
    admin: dict[str, str]
    answers: dict[str, Answer] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)

    def call(
        self,
        name: str,
        method: str,
        path: str,
        expect: int = 200,
        *,
        as_admin: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Call, record, check the status the SQLite hub answers (a wrong request in the sweep
        shows here, named, on either backend); return the JSON body or the text."""
        headers = {**(self.admin if as_admin else {}), **kwargs.pop("headers", {})}
        response = self.client.request(
            method, path, headers=headers, follow_redirects=False, **kwargs
        )
        kind = response.headers.get("content-type", "")
        body = response.json() if "json" in kind else response.text
        self.answers[name] = Answer.of(response.status_code, kind, body)
        if self.recorder.last is not None:
            self.routes[name] = self.recorder.last
        assert response.status_code == expect, f"{name}: {method} {path}: {response.text[:500]}"
        return body


def app_routes(app: FastAPI) -> set[Route]:
    """Every (method, path) the app serves, the pages and the API, HEAD aside."""
    found: set[Route] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found.add(("GET", str(route.path)))
            continue
        path = str(context.path_format or getattr(route, "path_format", ""))
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def _top(stock: list[dict[str, Any]], key: str, avoid: set[str] | None = None) -> str:
    lines = [line for line in stock if line["sku"] not in (avoid or set())]
    return str(max(lines, key=lambda line: (line[key], line["sku"]))["sku"])


def sweep_api(s: Sweep, locker_code: str) -> None:
    """Every /api/v1 route, as an admin, on things the demo has or the sweep made before."""
    api = "/api/v1"
    s.call("nodes", "GET", f"{api}/nodes")
    s.call("node", "GET", f"{api}/nodes/van")
    s.call("node settings", "PATCH", f"{api}/nodes/locker", json={"zone": "Europe/London"})
    pop = {"code": "sweep-pop", "kind": "popup", "name": "Sweep pop-up", "lat": 51.5, "lon": 0.0}
    s.call("add node", "POST", f"{api}/nodes", 201, json=pop)

    products = s.call("products", "GET", f"{api}/products")
    product = products["items"][0]
    s.call("product", "GET", f"{api}/products/{product['sku']}")
    s.call("code", "GET", f"{api}/codes/{product['gtin']}")
    s.call("catalog export", "GET", f"{api}/catalog/export")
    imported = "sku,title,price,currency\nSWEEP-1,Sweep jug,1.00,GBP\n"
    s.call("catalog import", "POST", f"{api}/catalog/import", content=imported.encode())

    s.call("stock", "GET", f"{api}/stock")
    shop = s.call("shopfront stock", "GET", f"{api}/stock", params={"node": "shopfront"})
    sku = _top(shop, "on_hand")
    node = f"{api}/nodes/shopfront"
    s.call("receive", "POST", f"{node}/receive", json={"sku": sku, "quantity": 3})
    s.call("sell", "POST", f"{node}/sell", json={"sku": sku, "quantity": 1})
    sweep_sale_retried(s, node, sku)
    s.call("write off", "POST", f"{node}/write-off", json={"sku": sku, "quantity": 1})
    s.call("count", "POST", f"{node}/count", json={"sku": sku, "counted": 5})
    moved = {"to": "van", "sku": sku, "quantity": 1}
    s.call("stock transfer", "POST", f"{node}/transfers", json=moved)
    s.call("stock import", "POST", f"{node}/stock/import", content=f"sku,quantity\n{sku},9\n")
    s.call("stock export", "GET", f"{node}/stock/export")
    s.call("head", "GET", f"{node}/head")
    s.call("movements", "GET", f"{node}/movements", params={"after": 0})
    s.call("counts today", "GET", f"{node}/counts-today")

    s.call("search", "GET", f"{api}/search", params={"q": "mug"})
    near = {"q": "mug", "lat": 51.5317, "lon": -0.124}
    s.call("search near", "GET", f"{api}/search/near", params=near)

    s.call("tokens", "GET", f"{api}/tokens")
    issued = s.call("issue token", "POST", f"{api}/tokens", 201, json={"role": "channel"})
    s.call("revoke token", "DELETE", f"{api}/tokens/{issued['id']}")

    van = s.call("van stock", "GET", f"{api}/stock", params={"node": "van"})
    van_sku = _top(van, "online")
    order = {"lines": [{"sku": van_sku, "quantity": 1}], "method": "local_delivery"}
    for key in ("sweep-step", "sweep-cancel"):
        placed = s.call(
            f"place order {key}",
            "POST",
            f"{api}/orders",
            201,
            json={**order, "customer": EAST},
            headers={"Idempotency-Key": key},
        )
        assert [part["node"] for part in placed["parts"]] == ["van"], placed
    s.call("orders", "GET", f"{api}/orders")
    s.call("order", "GET", f"{api}/orders/sweep-step")
    step = {"node": "van", "step": "picked"}
    s.call("order step", "POST", f"{api}/orders/sweep-step/steps", json=step)
    s.call("order cancel", "POST", f"{api}/orders/sweep-cancel/cancel")
    sweep_playbook(s, api, order)

    locker = f"{api}/nodes/locker"
    held = s.call("locker stock", "GET", f"{api}/stock", params={"node": "locker"})
    pickup = {
        "lines": [{"sku": _top(held, "online"), "quantity": 1}],
        "method": "pickup",
        "pickup_node": "locker",
    }
    keyed = {"Idempotency-Key": "sweep-locker"}
    s.call("place pickup", "POST", f"{api}/orders", 201, json=pickup, headers=keyed)
    s.call("compartments", "GET", f"{locker}/compartments")
    room = {"length_mm": 900, "width_mm": 900, "height_mm": 900}
    s.call("add compartment", "PUT", f"{locker}/compartments/SW1", json=room)
    s.call("assign pickup", "POST", f"{locker}/pickups", 201, json={"order": "sweep-locker"})
    s.call("collect pickup", "POST", f"{locker}/pickups/collect", json={"code": locker_code})
    s.call("sweep lockers", "POST", f"{api}/lockers/sweep")

    sweep_transfers(s, api, sku)
    sweep_nodes_at_work(s, api)
    shelf = f"https://hackneyclay.example/414/{GLN}/254/SW1"
    s.call("name shelf", "PUT", f"{api}/shelves/{GLN}/SW1", json={"node": "shopfront", "sku": sku})
    keyed = {"Idempotency-Key": "sweep-hold"}
    made = s.call("hold", "POST", f"{api}/reservations", 201, json={"scan": shelf}, headers=keyed)
    s.call("collect hold", "POST", f"{api}/reservations/{made['id']}/collect")
    s.call("expire holds", "POST", f"{api}/reservations/expire")
    sweep_purchasing(s, api)


def sweep_sale_retried(s: Sweep, node: str, sku: str) -> None:
    """A till retries a sale under its Idempotency-Key: one sale, the first answer again; the
    key with another sale is refused (ADR 0058)."""

    def head() -> int:
        return int(s.client.get(f"{node}/head", headers=s.admin).json()["head"])

    key, sale = {"Idempotency-Key": "till-0001"}, {"sku": sku, "quantity": 1}
    before = head()
    first = s.call("sell keyed", "POST", f"{node}/sell", json=sale, headers=key)
    again = s.call("sell keyed again", "POST", f"{node}/sell", json=sale, headers=key)
    other = {"sku": sku, "quantity": 2}
    refused = s.call("sell key reused", "POST", f"{node}/sell", 409, json=other, headers=key)
    assert again == first and head() == before + 1  # one movement
    assert refused["error"]["code"] == "idempotency_key_reused"


def sweep_purchasing(s: Sweep, api: str) -> None:
    """A kit of two of the shopfront's products (the product the sweep imported), sold there;
    a purchase order drafted, sent, received, closed; a reorder point set and removed; VAT
    set and prices shown; the accountant's two files."""
    shop = s.call("shopfront stock again", "GET", f"{api}/stock", params={"node": "shopfront"})
    first = _top(shop, "on_hand")
    second = _top(shop, "on_hand", {first})
    parts = {"parts": [{"sku": first, "quantity": 1}, {"sku": second, "quantity": 1}]}
    s.call("set kit", "PUT", f"{api}/kits/SWEEP-1", json=parts)
    s.call("kits", "GET", f"{api}/kits")
    s.call("kit stock", "GET", f"{api}/kits/SWEEP-1/stock")
    s.call("sell kit", "POST", f"{api}/nodes/shopfront/kits/SWEEP-1/sell", json={"quantity": 1})
    kit_sale, key = f"{api}/nodes/shopfront/kits/SWEEP-1/sell", {"Idempotency-Key": "till-k1"}
    sold = s.call("sell kit keyed", "POST", kit_sale, json={"quantity": 1}, headers=key)
    resold = s.call("sell kit keyed again", "POST", kit_sale, json={"quantity": 1}, headers=key)
    assert resold == sold  # the parts' sales made once, answered again
    s.call("remove kit", "DELETE", f"{api}/kits/SWEEP-1")
    po = f"{api}/purchase-orders/SWEEP-PO"
    order = {"id": "SWEEP-PO", "supplier": "Sweep supplies", "node": "shopfront"}
    s.call("draft po", "POST", f"{api}/purchase-orders", 201, json=order)
    line = {"sku": first, "quantity": 4, "unit_cost": "1.50"}
    s.call("po line", "POST", f"{po}/lines", json=line)
    s.call("send po", "POST", f"{po}/send")
    arrived = {"lines": [{"sku": first, "quantity": 3}]}
    s.call("receive po", "POST", f"{po}/receipts", 201, json=arrived)
    s.call("close po", "POST", f"{po}/close")
    s.call("po", "GET", po)
    s.call("pos", "GET", f"{api}/purchase-orders")
    point = f"{api}/nodes/shopfront/reorder-points/{first}"
    s.call("set reorder point", "PUT", point, json={"point": 1000, "target": 1200})
    s.call("low stock", "GET", f"{api}/reorder-points/low")
    s.call("remove reorder point", "DELETE", point)
    s.call("vat mode", "PUT", f"{api}/vat", json={"mode": "inclusive", "standard_rate": "20"})
    s.call("vat rate", "PUT", f"{api}/vat/rates/{first}", json={"rate": "5"})
    s.call("vat prices", "GET", f"{api}/vat/prices")
    period = {"from": "2020-01-01", "to": "2040-12-31"}
    s.call("sales csv", "GET", f"{api}/accounts/sales.csv", params=period)
    s.call("stock value csv", "GET", f"{api}/accounts/stock-value.csv")


def sweep_playbook(s: Sweep, api: str, order: dict[str, Any]) -> None:
    """Packing, returns and governance (issue 23): a van order packed, returned, and triage."""
    van = f"{api}/nodes/van"
    box = {"length_mm": 600, "width_mm": 500, "height_mm": 400, "max_weight_g": 30000,
           "cost": "1.20", "padding_mm": 20}  # fmt: skip
    s.call("add package", "PUT", f"{van}/packages/sweep-box", json=box)
    s.call("packages", "GET", f"{van}/packages")
    keyed = {"Idempotency-Key": "sweep-pack"}
    s.call("place to pack", "POST", f"{api}/orders", 201, json={**order, "customer": EAST},
           headers=keyed)  # fmt: skip
    s.call("pack order", "POST", f"{api}/orders/sweep-pack/pack", json={"node": "van"})
    s.call("packages used", "GET", f"{api}/packages/used", params={"node": "van"})
    sku = order["lines"][0]["sku"]
    opened = {"sold_at": "van", "reference": "sweep-pack", "kind": "order",
              "lines": [{"sku": sku, "quantity": 1}], "reason": "changed-mind"}  # fmt: skip
    ret = s.call("open return", "POST", f"{api}/returns", 201, json=opened)
    returned = f"{api}/returns/{ret['id']}"
    s.call("returns", "GET", f"{api}/returns")
    s.call("return", "GET", returned)
    s.call("check in return", "POST", f"{returned}/check-in", json={"scan": sku})
    decided = {"sku": sku, "condition": "as-new"}
    s.call("return disposition", "POST", f"{returned}/disposition", json=decided)
    s.call("return alerts", "GET", f"{api}/returns/alerts")
    s.call("triage", "GET", f"{van}/triage", params={"view": "weighted", "limit": 20})
    s.call("accept triage", "POST", f"{van}/targets", json={"limit": 20})
    s.call("targets", "GET", f"{van}/targets")
    sales = f"date,sku,quantity\n2026-11-01,{sku},3\n"
    s.call("import sales", "POST", f"{api}/nodes/market-stall/sales/import", content=sales)
    s.call("pruning", "GET", f"{api}/pruning")
    s.call("accept pruning", "POST", f"{api}/pruning/accept", json={"only": [], "dry_run": True})
    s.call("jobs", "GET", f"{api}/jobs")
    s.call("run job", "POST", f"{api}/jobs/monthly-health-audit/run")
    s.call("dry run job", "POST", f"{api}/jobs/weekly-report/run", params={"dry_run": True})
    s.call("job runs", "GET", f"{api}/jobs/runs")
    s.call("kpis", "GET", f"{api}/kpis")
    s.call("feed accuracy", "GET", f"{api}/feeds/accuracy", params={"days": 30})


def sweep_transfers(s: Sweep, api: str, sku: str) -> None:
    """A transfer order from the shopfront to the van through each of its steps."""
    for ident in ("sweep-t-1", "sweep-t-2"):
        asked = {"id": ident, "sender": "shopfront", "receiver": "van"}
        lines = [{"sku": sku, "quantity": 1}]
        s.call(f"request {ident}", "POST", f"{api}/transfers", 201, json={**asked, "lines": lines})
    s.call("transfers", "GET", f"{api}/transfers")
    s.call("transfer", "GET", f"{api}/transfers/sweep-t-1")
    s.call("pack", "POST", f"{api}/transfers/sweep-t-1/pack")
    s.call("ship", "POST", f"{api}/transfers/sweep-t-1/ship")
    s.call("receive transfer", "POST", f"{api}/transfers/sweep-t-1/receive")
    s.call("cancel transfer", "POST", f"{api}/transfers/sweep-t-2/cancel")


def sweep_nodes_at_work(s: Sweep, api: str) -> None:
    """The van's round, the demo's market stall closed out, a pop-up planned and closed."""
    van = f"{api}/nodes/van"
    s.call("set round", "PUT", f"{van}/rounds/{ROUND_DAY}", json={"stops": [STOP]})
    s.call("round", "GET", f"{van}/rounds/{ROUND_DAY}")
    area = {"lat": 51.545, "lon": -0.055, "radius_km": 8}
    s.call("set service area", "PUT", f"{van}/service-area", json=area)
    s.call("service area", "GET", f"{van}/service-area")
    s.call("position", "GET", f"{van}/position")
    s.call("meet", "GET", f"{van}/meet", params={"lat": 51.545, "lon": -0.055})
    stall = s.call("stall stock", "GET", f"{api}/stock", params={"node": "market-stall"})
    counts = [{"sku": line["sku"], "quantity": line["on_hand"]} for line in stall[:2]]
    s.call("closeout", "POST", f"{api}/nodes/market-stall/closeout", json={"counts": counts})
    plan: dict[str, object] = {"node": "sweep-pop", "home": "shopfront", "opens_on": "2030-01-05"}
    plan = {**plan, "opening_hours": "5 09:00-17:00", "pickup": True}
    s.call("add popup", "POST", f"{api}/popups", 201, json={**plan, "closes_on": "2030-01-06"})
    s.call("popups", "GET", f"{api}/popups")
    s.call("popup", "GET", f"{api}/popups/sweep-pop")
    s.call("plan popup", "POST", f"{api}/popups/sweep-pop/plan")
    s.call("close popup", "POST", f"{api}/popups/sweep-pop/close")


def sweep_channels(s: Sweep) -> None:
    """What channels point to (a product's page, a store's page, the feed files), the voice
    answer in both forms, and webhooks subscribed, listed, given up on and unsubscribed."""
    api = "/api/v1"
    product = s.client.get(f"{api}/products", headers=s.admin).json()["items"][0]
    handle = product.get("handle") or product["sku"]
    s.call("product page", "GET", f"/products/{quote(handle, safe='')}", as_admin=False)
    s.call("store page", "GET", "/stores/shopfront", as_admin=False)
    s.call("feed file", "GET", "/feeds/google.xml")
    asked = {"q": "mug", "lat": 51.5317, "lon": -0.124}
    s.call("voice", "GET", f"{api}/voice", params=asked)
    s.call("voice ssml", "GET", f"{api}/voice", params={**asked, "format": "ssml"})
    hook = {"url": "http://127.0.0.1:9/hook"}
    made = s.call("subscribe", "POST", f"{api}/webhooks", 201, json=hook)
    s.call("subscriptions", "GET", f"{api}/webhooks")
    s.call("dead letters", "GET", f"{api}/webhooks/dead")
    s.call("unsubscribe", "DELETE", f"{api}/webhooks/{made['id']}")


def sweep_pages(s: Sweep, ws: Workspace, secret: str) -> None:
    """The pages outside /api: sign-in, the dashboard, the staff page, a shopper's scans and
    hold form, a published picture, the API's documents and the static files."""
    for path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
        s.call(path, "GET", path, as_admin=False)
    s.call("static", "GET", "/static/style.css", as_admin=False)
    s.call("login page", "GET", "/login", as_admin=False)
    s.call("login", "POST", "/login", 303, as_admin=False, content=f"token={secret}".encode())
    s.call("dashboard", "GET", "/", as_admin=False)
    s.call("staff page", "GET", "/staff/van", as_admin=False)
    s.call("logout", "POST", "/logout", 303, as_admin=False)
    code = access.issue_login_link(access_stores(ws).links, ws.clock()).code
    s.call("login link", "GET", f"/login/once/{code}", 303, as_admin=False)
    s.client.cookies.clear()

    s.call("place scan", "GET", DEMO_SHELF, as_admin=False)
    gtin = s.client.get("/api/v1/products", headers=s.admin).json()["items"][0]["gtin"]
    page = s.call("product scan", "GET", f"/01/{gtin}", as_admin=False)
    picture = PICTURE.search(page)
    assert picture is not None, "the product page shows no published picture"
    s.call("picture", "GET", f"/media/{picture[1]}", as_admin=False)
    forms = [dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)) for form in FORM.findall(page)]
    form = next(form for form in forms if form.get("node") == "shopfront")
    filled = "&".join(f"{name}={quote(value)}" for name, value in form.items())
    s.call("shopper hold", "POST", "/holds", 201, as_admin=False, content=filled.encode())


def sweep_sync(s: Sweep, ws: Workspace) -> None:
    """A node pushes its ledger over HTTP (its copy in the hub's workspace, as `sync` does)."""

    class Kept:  # the sweep's client, which the transport must not close
        def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Any:
            response = s.client.post(url, content=content, headers=headers)
            s.answers["sync push"] = Answer(response.status_code, response.headers["content-type"])
            if s.recorder.last is not None:
                s.routes["sync push"] = s.recorder.last
            return response

        def close(self) -> None:
            pass

    link = HttpTransport("http://testserver", "locker", ws.secrets.ensure("locker"), Kept())
    sync.sync_node(ws.node("locker"), "locker", link, ws.clock())
    assert s.answers["sync push"].status == 200


@dataclass
class Swept:
    sweep: Sweep
    served: set[Route]


def run_sweep(folder: Path, hub_url: str | None) -> Swept:
    told = build_demo(folder, hub_url)
    code = re.search(r"code (\d{6})", told)
    assert code is not None, told
    environ = {"MICROINDEX_HUB_URL": hub_url} if hub_url else {}
    ws = bootstrap(Settings.load(folder, environ=environ), Clock(DEMO_NOW))
    try:
        secret = access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), DEMO_NOW, "sweep").secret
        app = create_app(ws)
        recorder = RouteRecorder(app)
        with TestClient(recorder) as client:  # an ASGI app
            sweep = Sweep(client, recorder, bearer(secret))
            sweep_api(sweep, code[1])
            sweep_channels(sweep)
            sweep_pages(sweep, ws, secret)
            sweep_sync(sweep, ws)
        return Swept(sweep, app_routes(app))
    finally:
        ws.close()


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    return run_sweep(tmp_path_factory.mktemp("sweep-sqlite") / "demo", None)


@pytest.fixture(scope="module")
def on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, postgres_schemas: SchemaPool
) -> Iterator[Swept]:
    schema = postgres_schemas.take()
    joiner = "&" if "?" in postgres_url else "?"
    hub_url = f"{postgres_url}{joiner}options={quote(f'-csearch_path={schema}')}"
    try:
        yield run_sweep(tmp_path_factory.mktemp("sweep-postgres") / "demo", hub_url)
    finally:
        postgres_schemas.give_back(schema)


def test_the_sweep_calls_every_route_of_the_app(on_sqlite: Swept) -> None:
    called = set(on_sqlite.sweep.routes.values())
    assert on_sqlite.served - called == set(), "routes the sweep does not call"
    assert called <= on_sqlite.served


@pytest.mark.postgres
def test_every_route_answers_alike_on_both_hubs(on_sqlite: Swept, on_postgres: Swept) -> None:
    sqlite, postgres = on_sqlite.sweep, on_postgres.sweep
    assert sorted(postgres.answers) == sorted(sqlite.answers)
    differ = {
        name: (sqlite.answers[name], postgres.answers[name])
        for name in sqlite.answers
        if sqlite.answers[name] != postgres.answers[name]
    }
    assert differ == {}
    assert set(postgres.routes.values()) == on_postgres.served
