"""The HTTP API against the same reads made in-process, on the demo shop, in the same run.

    python -m bench.api                 # 500 requests per operation
    python -m bench.api --requests 2000 --json
    python -m bench.api --products 100000   # the demo plus 100,000 generated products

The hub is served by uvicorn in a second process on a free loopback port (no access log); one
httpx client with keep-alive sends the requests one after another, each with an admin token.
In-process, the same service calls run against the same workspace files. Operations:
- stock read: GET /api/v1/stock?node=van&sku=... (on-hand at one node, with the title), against
  `stock_lines` + `products_by_sku`;
- product lookup: GET /api/v1/products/{sku}, against `products_by_sku`;
- product listing: GET /api/v1/products?q=bowl&limit=50, against `find_products`;
- search: GET /api/v1/search?q=...&limit=10 (the hub's index, caught up before each query, with
  facets), against `catch_up` + `search` on an index of the same workspace in this process;
- order promise: POST /api/v1/orders (one unit, shipped, a fresh Idempotency-Key), against
  `promise.place_order`. Each promise spends a unit of the hub's rights, so this operation runs
  at most ORDER_CAP times each way, over units drawn in turn from what the hub may promise for
  shipping (its stock rights at the nodes that ship: a unit on the van is not one).
Each row gives requests per second and p50/p99 latency both ways, and the ratio of in-process
rate to HTTP rate: what the HTTP edge (parsing, auth, JSON, loopback) costs per request.

Then listing (with q=bowl, and without) against a stock read, one request of each in turn,
with wall p50/p99 and CPU per request (the server's, from /proc, over HTTP; this process's
in-process), and listing's p99 as a multiple of the stock read's (target: at most 3x).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import httpx

from bench.catalog import generate
from microindex.adapters.search.files import load_synonyms
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import build_demo
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.search.request import SearchRequest
from microindex.entrypoints.access import token_store
from microindex.service import access, promise
from microindex.service.browse import ProductFilter, find_products
from microindex.service.catalog import ParsedCatalog, import_products, products_by_sku
from microindex.service.indexing import catch_up
from microindex.service.nodes import list_nodes
from microindex.service.rights import held_online
from microindex.service.search import search
from microindex.service.stock import stock_lines
from microindex.settings import Settings

SERVER = """
import sys
from pathlib import Path
import uvicorn
from microindex.bootstrap import bootstrap
from microindex.entrypoints.http import create_app
from microindex.settings import Settings
app = create_app(bootstrap(Settings(Path(sys.argv[1]))))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


ORDER_CAP = 400  # the hub may ship about 1,400 of the demo's units: both sides and warm-ups fit
WORDS = ["mug", "blue bowl", "plate", "cobalt", "jug", "vase", "butter dish", "moss", "tide"]
CUSTOMER = Location(51.545, -0.055)


@dataclass(frozen=True)
class Timing:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Row:
    operation: str
    http: Timing
    in_process: Timing

    @property
    def ratio(self) -> float:
        return self.in_process.rate / self.http.rate


def measure(
    http: Callable[[int], object], local: Callable[[int], object], n: int, turn: int = 10
) -> tuple[Timing, Timing]:
    """Both ways in turns of `turn` calls, so a slow spell of the shared machine weighs on
    both alike: (HTTP, in-process)."""
    for i in range(min(20, n)):  # warm up connections and caches
        http(i)
        local(i)
    latencies: tuple[list[float], list[float]] = ([], [])
    for start in range(0, n, turn):
        for call, kept in zip((http, local), latencies, strict=True):
            for i in range(start, min(n, start + turn)):
                began = time.perf_counter()
                call(i)
                kept.append(time.perf_counter() - began)
    return _timing(latencies[0]), _timing(latencies[1])


def _timing(latencies: list[float]) -> Timing:
    cuts = statistics.quantiles(latencies, n=100)
    return Timing(len(latencies) / sum(latencies), cuts[49] * 1000, cuts[98] * 1000)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API server did not start")


def warmed(client: httpx.Client, wait_s: float = 900) -> None:
    """Wait for the server's first index build (run in the background at start-up: until it
    ends a search answers 503 `IndexWarming`), so that the search row times searches."""
    deadline = time.monotonic() + wait_s
    while client.get("/api/v1/search", params={"q": WORDS[0], "limit": 1}).status_code == 503:
        if time.monotonic() > deadline:
            raise SystemExit(f"the server's search index was still warming after {wait_s:.0f} s")
        time.sleep(0.5)


def checked(response: httpx.Response) -> httpx.Response:
    response.raise_for_status()
    return response


def units_promisable(ws: Workspace) -> list[str]:
    """One SKU per unit the hub may promise for shipping now (its stock rights held at the
    nodes that ship parcels: a unit on a van, or kept at the shopfront for walk-ins, is not
    one), interleaved so that consecutive orders differ."""
    shipping = [n.code.value for n in list_nodes(ws.hub) if n.capabilities.ships]
    skus = {line.sku for node in shipping for line in stock_lines({node: ws.node(node)})}
    by_sku = {
        sku: sum(held.get(node, 0) for node in shipping)
        for sku, held in held_online(ws.hub, skus).items()
    }
    units: list[str] = []
    while any(by_sku.values()):
        for sku in sorted(by_sku):
            if by_sku[sku]:
                units.append(sku)
                by_sku[sku] -= 1
    return units


def search_and_promise(
    ws: Workspace, client: httpx.Client, index: TantivyIndex
) -> list[tuple[str, Callable[[int], object], Callable[[int], object]]]:
    synonyms = load_synonyms(ws.settings.workspace)
    units = iter(units_promisable(ws))
    keys = iter(range(10**9))

    def search_in_process(i: int) -> object:
        catch_up(index, ws.hub, None)
        return search(index, SearchRequest(WORDS[i % len(WORDS)]), None, synonyms)

    def order_over_http(i: int) -> object:
        body = {
            "lines": [{"sku": next(units), "quantity": 1}],
            "method": "ship",
            "customer": {"lat": CUSTOMER.lat, "lon": CUSTOMER.lon},
        }
        headers = {"Idempotency-Key": f"bench-http-{next(keys)}"}
        return checked(client.post("/api/v1/orders", json=body, headers=headers))

    def order_in_process(i: int) -> object:
        line = OrderLine(next(units), 1)
        request = OrderRequest((line,), Method.SHIP, ws.clock(), CUSTOMER)
        key = f"bench-local-{next(keys)}"
        return promise.place_order(ws.hub, key, request, list_nodes(ws.hub))

    return [
        (
            "search",
            lambda i: checked(
                client.get("/api/v1/search", params={"q": WORDS[i % len(WORDS)], "limit": 10})
            ),
            search_in_process,
        ),
        ("order promise", order_over_http, order_in_process),
    ]


def run(ws: Workspace, client: httpx.Client, n: int, index: TantivyIndex) -> list[Row]:
    van = {"van": ws.node("van")}
    skus = [line.sku for line in stock_lines(van)]

    def pick(i: int) -> str:
        return skus[i % len(skus)]

    def stock_in_process(i: int) -> object:
        lines = stock_lines(van, pick(i))
        return products_by_sku(ws.hub, [line.sku for line in lines])

    operations: list[tuple[str, Callable[[int], object], Callable[[int], object]]] = [
        (
            "stock read",
            lambda i: checked(client.get("/api/v1/stock", params={"node": "van", "sku": pick(i)})),
            stock_in_process,
        ),
        (
            "product lookup",
            lambda i: checked(client.get(f"/api/v1/products/{pick(i)}")),
            lambda i: products_by_sku(ws.hub, [pick(i)]),
        ),
        (
            "product listing",
            lambda i: checked(client.get("/api/v1/products", params={"q": "bowl", "limit": 50})),
            lambda i: find_products(ws.hub, ProductFilter("bowl"), "", 50),
        ),
    ]
    operations += search_and_promise(ws, client, index)
    return [
        Row(name, *measure(http, local, count))
        for name, http, local in operations
        for count in [min(n, ORDER_CAP) if name == "order promise" else n]
    ]


LISTING_TARGET = 3.0


@dataclass(frozen=True)
class Paired:
    operation: str
    way: str  # "HTTP" or "in-process"
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # per request


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alternate(
    calls: Mapping[str, Callable[[int], object]], n: int, cpu: Callable[[], float], way: str
) -> list[Paired]:
    """One call of each operation in turn, n times; wall per call, CPU summed per operation."""
    walls: dict[str, list[float]] = {name: [] for name in calls}
    cpus = dict.fromkeys(calls, 0.0)
    for i in range(n + 20):
        for name, call in calls.items():
            cpu_before, began = cpu(), time.perf_counter()
            call(i)
            wall, spent = time.perf_counter() - began, cpu() - cpu_before
            if i >= 20:  # the first rounds warm caches and connections
                walls[name].append(wall)
                cpus[name] += spent
    found = []
    for name, times in walls.items():
        cuts = statistics.quantiles(times, n=100)
        found.append(Paired(name, way, cuts[49] * 1000, cuts[98] * 1000, cpus[name] / n * 1000))
    return found


def listing_against_stock(ws: Workspace, client: httpx.Client, n: int, server: int) -> list[Paired]:
    van = {"van": ws.node("van")}
    skus = [line.sku for line in stock_lines(van)]
    http = {
        "stock read": lambda i: checked(
            client.get("/api/v1/stock", params={"node": "van", "sku": skus[i % len(skus)]})
        ),
        "product listing": lambda i: checked(
            client.get("/api/v1/products", params={"q": "bowl", "limit": 50})
        ),
        "listing, no q": lambda i: checked(client.get("/api/v1/products", params={"limit": 50})),
    }
    local = {
        "stock read": lambda i: products_by_sku(
            ws.hub, [line.sku for line in stock_lines(van, skus[i % len(skus)])]
        ),
        "product listing": lambda i: find_products(ws.hub, ProductFilter("bowl"), "", 50),
        "listing, no q": lambda i: find_products(ws.hub, ProductFilter(), "", 50),
    }
    return [
        *alternate(http, n, lambda: server_cpu_s(server), "HTTP"),
        *alternate(local, n, time.process_time, "in-process"),
    ]


def report_listing(pairs: list[Paired], products: int) -> None:
    print(f"\nlisting against a stock read, alternating, on {products} products")
    print(f"{'operation':<16} {'way':<11} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>11}")
    for p in pairs:
        print(f"{p.operation:<16} {p.way:<11} {p.p50_ms:>7.2f} {p.p99_ms:>7.2f} {p.cpu_ms:>11.2f}")
    for way in ("HTTP", "in-process"):
        by = {p.operation: p for p in pairs if p.way == way}
        for listing in ("product listing", "listing, no q"):
            ratio = by[listing].p99_ms / by["stock read"].p99_ms
            print(
                f"{way}: {listing} p99 = {ratio:.1f}x the stock read's"
                f" (target <= {LISTING_TARGET:.0f}x)"
            )


def add_products(ws: Workspace, count: int) -> None:
    """`count` generated products (bench/catalog.py) beside the demo's, imported as the CLI does."""
    for start in range(0, count, 20_000):
        batch = generate(min(20_000, count - start), seed=start + 1)
        renamed = [
            replace(p, sku=Sku(f"GEN{start + i:07d}"), gtin=None) for i, p in enumerate(batch)
        ]
        import_products(ws.hub, ParsedCatalog(renamed), ws.clock())


def report(rows: list[Row], n: int, as_json: bool) -> None:
    if as_json:
        print(json.dumps([{**asdict(r), "ratio": r.ratio} for r in rows], indent=2))
        return
    print(f"{n} requests per operation (orders: at most {ORDER_CAP}), one client, keep-alive\n")
    head = f"{'operation':<16} {'HTTP req/s':>10} {'p50 ms':>7} {'p99 ms':>7}   "
    print(head + f"{'in-proc /s':>10} {'p50 ms':>7} {'p99 ms':>7}   {'ratio':>6}")
    for r in rows:
        h, p = r.http, r.in_process
        print(
            f"{r.operation:<16} {h.rate:>10.0f} {h.p50_ms:>7.2f} {h.p99_ms:>7.2f}   "
            f"{p.rate:>10.0f} {p.p50_ms:>7.2f} {p.p99_ms:>7.2f}   {r.ratio:>5.1f}x"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="Requests per operation.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.add_argument("--products", type=int, default=0, help="Generated products to add.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shop"
        ws = bootstrap(Settings(root))
        build_demo(ws, seed=7, today=ws.clock().date())
        add_products(ws, args.products)
        total = products_in(ws)
        secret = access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), ws.clock()).secret
        index = TantivyIndex(Path(tmp) / "bench-index")  # the server keeps its own
        port = free_port()
        server = serve(root, port)
        try:
            headers = {"Authorization": f"Bearer {secret}"}
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                pairs = listing_against_stock(ws, client, args.requests, server.pid)
                if not args.json:  # first: it is what --products is for
                    report_listing(pairs, total)
                warmed(client)
                rows = run(ws, client, args.requests, index)
        finally:
            server.terminate()
            server.wait(timeout=10)
            index.close()
            ws.close()
    if args.json:
        print(
            json.dumps(
                {
                    "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
                    "listing": [asdict(p) for p in pairs],
                    "products": total,
                },
                indent=2,
            )
        )
        return 0
    report(rows, args.requests, args.json)
    return 0


def products_in(ws: Workspace) -> int:
    with ws.hub() as uow:
        return uow.catalog.count()


if __name__ == "__main__":
    sys.exit(main())
