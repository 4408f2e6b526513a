"""Sample products, nodes and times the contract tests store and read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.product import Fragility, Product, Size

AT = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


def later(seconds: int) -> datetime:
    return AT + timedelta(seconds=seconds)


def product(sku: str = "MUG-1", title: str = "Stoneware mug", price: str = "12.50") -> Product:
    return Product(Sku(sku), title, Money(Decimal(price), "GBP"))


def full_product() -> Product:
    """Every field set, none to its default."""
    return Product(
        sku=Sku("TEE/ORG-L.2"),
        title="Organic tee — large",
        price=Money(Decimal("24.00"), "EUR"),
        gtin=Gtin.parse("4006381333931"),
        description="Heavy cotton, printed in Lyon.\nSecond line: ümlauts & “quotes”.",
        brand="Atelier Nord",
        category="Apparel > Shirts",
        attributes=(("colour", "indigo"), ("size", "L"), ("fit", "boxy")),
        sale_price=Money(Decimal("19.90"), "EUR"),
        media=("media/ab12.jpg", "media/cd34.mp4"),
        weight_g=220,
        size=Size(300, 250, 20),
        fragility=Fragility.VERY_FRAGILE,
        limited_edition=True,
        preorder_until=date(2026, 5, 1),
        tags=("summer", "organic"),
        handle="organic-tee",
    )


def node(code: str = "shop", name: str = "Shopfront") -> Node:
    return Node(
        code=NodeCode(code),
        kind=NodeKind.VAN,
        name=name,
        location=Location(51.507351, -0.127758),
        opening_hours=OpeningHours(((0, time(9), time(17, 30)), (5, time(10), time(14)))),
        capabilities=Capabilities(
            pickup=True,
            local_delivery_radius_km=7.5,
            local_delivery_speed_kmh=18.0,
            ships=True,
            carrier_cutoff=time(15, 45),
            return_point=True,
            preparation_minutes=20,
        ),
    )
