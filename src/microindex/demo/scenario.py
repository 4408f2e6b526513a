"""Build the demo shop: three nodes, the catalog, stock and eight weeks of sales history."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from microindex.bootstrap import Workspace
from microindex.demo.catalog import demo_products
from microindex.demo.channels import open_sources, push_channels
from microindex.demo.governance import add_governance_history
from microindex.demo.media import add_demo_media
from microindex.demo.nodes_real import NodesAsTheyAre, add_nodes_as_they_are
from microindex.demo.orders import add_order_history
from microindex.domain.codes import NodeCode
from microindex.domain.movement import MovementKind
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.service import catalog as catalog_service
from microindex.service import nodes as node_service
from microindex.service import stock as stock_service
from microindex.service import sync
from microindex.service.stock import Entry

WEEKS = 8
DEMO_LINK_STEM = "https://hackneyclay.example"
HOME = "shopfront"
DEMO_ZONE = "Europe/London"  # the demo shop is in Hackney

NODES: tuple[Node, ...] = (
    Node(
        NodeCode("shopfront"),
        NodeKind.STORE,
        "Hackney shopfront, Broadway Market",
        Location(51.5363, -0.0618),
        OpeningHours((*tuple((d, time(10), time(18)) for d in range(6)), (6, time(11), time(17)))),
        Capabilities(
            pickup=True,
            local_delivery_radius_km=5,
            local_delivery_speed_kmh=15,
            ships=True,
            carrier_cutoff=time(15),
            return_point=True,
            preparation_minutes=20,
        ),
        zone=DEMO_ZONE,
    ),
    Node(
        NodeCode("locker"),
        NodeKind.LOCKER,
        "King's Cross parcel locker",
        Location(51.5317, -0.1240),
        OpeningHours.always(),
        Capabilities(pickup=True, return_point=True, preparation_minutes=60),
        zone=DEMO_ZONE,
    ),
    Node(
        NodeCode("van"),
        NodeKind.VAN,
        "East London delivery van",
        Location(51.5450, -0.0553),
        OpeningHours(tuple((d, time(9), time(19)) for d in range(1, 6))),
        Capabilities(
            local_delivery_radius_km=8, local_delivery_speed_kmh=20, preparation_minutes=45
        ),
        zone=DEMO_ZONE,
    ),
)

# Mean units sold per open day at each node, and how many SKUs each keeps.
DAILY_SALES = {"shopfront": 18.0, "locker": 4.0, "van": 9.0}
RANGE_SIZE = {"shopfront": 10_000, "locker": 40, "van": 60}


@dataclass(frozen=True)
class DemoSummary:
    nodes: int
    products: int
    movements: int
    units_sold: int
    on_hand: dict[str, int]
    real: NodesAsTheyAre  # the locker pickup (and its code), the van's round, the pop-up weekend


def build_demo(workspace: Workspace, seed: int, today: date) -> DemoSummary:
    """Create the demo in an empty workspace: eight weeks of history ending the day before
    `today`; the same seed and day give the same shop."""
    rng = random.Random(seed)
    products = demo_products(seed)
    at = datetime.combine(today - timedelta(weeks=WEEKS), time(8), UTC)
    for node in NODES:
        node_service.add_node(workspace.hub, node)
        workspace.secrets.ensure(node.code.value)
    catalog_service.import_products(
        workspace.hub, catalog_service.ParsedCatalog(products, [], len(products)), at
    )
    add_demo_media(workspace, products, at)
    for node in NODES:
        catalog_service.pull_catalog(workspace.hub, workspace.node(node.code.value))
    history = _History(rng, [p.sku.value for p in products])
    movements = 0
    channels = open_sources(workspace)
    for day in range(WEEKS * 7):  # up to yesterday: nothing in the future
        start = at + timedelta(days=day)
        for code, entries in history.day(start).items():
            movements += len(stock_service.record_batch(workspace.node(code), code, entries))
        push_channels(channels, start + timedelta(days=1, hours=-1))  # 07:00 next morning
    channels.store.close()
    add_governance_history(workspace, seed)
    sync_all(workspace)
    add_order_history(workspace, seed)
    real = add_nodes_as_they_are(workspace, seed)
    keep_listing_accuracy(workspace)
    return DemoSummary(
        nodes=len(NODES),
        products=len(products),
        movements=movements,
        units_sold=history.sold,
        on_hand={code: sum(q.values()) for code, q in history.on_hand.items()},
        real=real,
    )


def keep_listing_accuracy(workspace: Workspace) -> None:
    """The closed days' listing accuracy measured and kept, as the hub's nightly timer would
    have kept it over the weeks the demo's history spans."""
    nodes = {
        n.code.value: workspace.node(n.code.value) for n in node_service.list_nodes(workspace.hub)
    }
    listings = workspace.governance(nodes, reports=False).sources.listings
    if listings is not None:
        listings.keep(workspace.clock())


def sync_all(workspace: Workspace) -> None:
    """Every node pushes its ledger to the hub and takes its share of the stock rights."""
    endpoint = workspace.hub_endpoint()
    for node in NODES:
        code = node.code.value
        sync.sync_node(
            workspace.node(code), code, workspace.link(code, endpoint), workspace.clock()
        )


class _History:
    """Simulates the shop day by day, keeping its own on-hand so it never oversells."""

    def __init__(self, rng: random.Random, skus: list[str]) -> None:
        self.rng = rng
        self.weights = {sku: rng.lognormvariate(0, 0.9) for sku in skus}
        ranked = sorted(skus, key=lambda s: -self.weights[s])
        self.ranges = {
            code: ranked[: RANGE_SIZE[code]] if code != HOME else list(skus) for code in DAILY_SALES
        }
        self.targets = {
            code: {s: max(1, round(self.weights[s] * (3 if code == HOME else 1.5))) for s in r}
            for code, r in self.ranges.items()
        }
        self.on_hand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.sold = 0

    def day(self, start: datetime) -> dict[str, list[Entry]]:
        entries: dict[str, list[Entry]] = defaultdict(list)
        if start.weekday() == 0 or not self.on_hand:
            self._replenish(start, entries)
        for node in NODES:
            code = node.code.value
            if not node.opening_hours.is_open(start.weekday(), time(12)):
                continue
            for _ in range(_poisson(self.rng, DAILY_SALES[code])):
                self._sell(code, start, entries)
        return {code: sorted(lines, key=lambda e: e.at) for code, lines in entries.items()}

    def _replenish(self, start: datetime, entries: dict[str, list[Entry]]) -> None:
        week = f"{start:%G-W%V}"
        for sku, target in self.targets[HOME].items():
            need = target * 2 - self.on_hand[HOME][sku]
            if need > 0:
                self._move(
                    HOME, sku, MovementKind.RECEIVE, need, start, f"bench-delivery:{week}", entries
                )
        for code in ("locker", "van"):
            when = start + timedelta(hours=1)
            for sku, target in self.targets[code].items():
                need = min(target - self.on_hand[code][sku], self.on_hand[HOME][sku])
                if need > 0:
                    ref = f"transfer:{HOME}->{code}:{week}"
                    self._move(HOME, sku, MovementKind.TRANSFER_OUT, -need, when, ref, entries)
                    self._move(code, sku, MovementKind.TRANSFER_IN, need, when, ref, entries)

    def _sell(self, code: str, start: datetime, entries: dict[str, list[Entry]]) -> None:
        skus = self.ranges[code]
        sku = self.rng.choices(skus, weights=[self.weights[s] for s in skus])[0]
        if self.on_hand[code][sku] <= 0:
            return  # a shopper found it gone: a lost sale, not an oversell
        when = start + timedelta(hours=2, minutes=self.rng.randrange(8 * 60))
        self._move(code, sku, MovementKind.SELL, -1, when, f"till:{code}", entries)
        self.sold += 1

    def _move(
        self,
        code: str,
        sku: str,
        kind: MovementKind,
        quantity: int,
        at: datetime,
        reference: str,
        entries: dict[str, list[Entry]],
    ) -> None:
        self.on_hand[code][sku] += quantity
        entries[code].append(Entry(sku, kind, quantity, at, reference, actor="demo"))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of one node's day."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
