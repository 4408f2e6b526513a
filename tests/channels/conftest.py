"""A small shop for the channel tests: three products, two nodes, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.channels.wiring import channel_sources
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.channels.items import FeedSettings, ShippingOption
from microindex.domain.codes import NodeCode, Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.product import Product
from microindex.service import catalog as catalog_service
from microindex.service import nodes as node_service
from microindex.service.channels import ChannelSources
from microindex.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
SETTINGS = FeedSettings(
    "https://shop.example", (ShippingOption("GB", "Standard", Money(Decimal("4.95"), "GBP")),)
)


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def products() -> list[Product]:
    return [
        Product(
            Sku("MUG-BLUE"),
            "Blue stoneware mug",
            gbp("12.50"),
            gtin=Gtin.parse("5012345678900"),
            brand="Hackney Clay",
            description="A blue mug.",
            category="Kitchen",
        ),
        Product(
            Sku("PLATE-1"),
            "Dinner plate",
            gbp("20"),
            sale_price=gbp("15.00"),
            attributes=(("sale_start", "2026-03-01"), ("sale_end", "2026-03-31")),
            brand="Hackney Clay",
        ),
        Product(
            Sku("VASE-9"),
            "Tall vase",
            gbp("45.00"),
            preorder_until=date(2026, 4, 1),
            tags=("backorder",),
        ),
    ]


NODES = (
    Node(
        NodeCode("shop"),
        NodeKind.STORE,
        "High Street shop",
        Location(51.5363, -0.0618),
        OpeningHours.every_day(time(9), time(18)),
        Capabilities(pickup=True, preparation_minutes=20),
    ),
    Node(
        NodeCode("van"),
        NodeKind.VAN,
        "Delivery van",
        Location(51.5450, -0.0553),
        OpeningHours.always(),
        Capabilities(local_delivery_radius_km=8, local_delivery_speed_kmh=20),
    ),
)


@dataclass
class Shop:
    workspace: Workspace
    sources: ChannelSources
    clock: list[datetime]

    def now(self) -> datetime:
        return self.clock[0]

    def at(self, moment: datetime) -> None:
        self.clock[0] = moment


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    clock = [T0]
    ws = bootstrap(Settings(tmp_path / "ws", link_stem="https://shop.example"), lambda: clock[0])
    for node in NODES:
        node_service.add_node(ws.hub, node)
    parsed = catalog_service.ParsedCatalog(products(), [], 3)
    catalog_service.import_products(ws.hub, parsed, T0 - timedelta(days=1))
    files = {}
    for node in NODES:
        code = node.code.value
        catalog_service.pull_catalog(ws.hub, ws.node(code))
        files[code] = ws.settings.nodes_dir / f"{code}.sqlite"
    sources = channel_sources(ws.storage, files, NODES, SETTINGS)
    yield Shop(ws, sources, clock)
    sources.store.close()
    ws.close()
