from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service.search import IndexEntry

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the catalog generator lives in bench/, shared with the bench


def product(sku: str, title: str, price: str = "10.00", **extra: object) -> Product:
    return Product(Sku(sku), title, Money(Decimal(price), "GBP"), **extra)  # type: ignore[arg-type]


CATALOG = [
    product(
        "MUG-1",
        "Harlow Stoneware Mug in Navy",
        "12.00",
        brand="Kiln Co",
        category="Kitchen",
        attributes=(("colour", "navy"), ("material", "stoneware")),
        description="A heavy mug for long mornings.",
        gtin=Gtin.parse("5012345678900"),
    ),
    product(
        "MUG-2",
        "Ashby Porcelain Mug",
        "8.50",
        brand="Kiln Co",
        category="Kitchen",
        attributes=(("colour", "white"), ("material", "porcelain")),
    ),
    product(
        "SOF-1",
        "Chesterfield Velvet Sofa",
        "899.00",
        brand="Wade Logan",
        category="Sofas",
        attributes=(("colour", "navy"), ("material", "velvet")),
        description="Deep buttoned velvet sofa with rolled arms.",
    ),
    product(
        "LMP-1",
        "Brass Table Lamp",
        "45.00",
        brand="Lumen",
        category="Lighting",
        attributes=(("colour", "gold"), ("material", "brass")),
    ),
    product(
        "CHR-1",
        "Wingback Armchair",
        "349.00",
        brand="Wade Logan",
        category="Accent Chairs",
        attributes=(("colour", "sage"), ("material", "linen")),
    ),
    product(
        "RUG-1",
        "Jute Area Rug",
        "120.00",
        brand="Loom House",
        category="Area Rugs",
        attributes=(("colour", "natural"), ("material", "jute")),
    ),
]


@pytest.fixture
def index() -> TantivyIndex:
    built = TantivyIndex()
    stock = {"MUG-1": {"shopfront": 4}, "SOF-1": {"van": 1}, "LMP-1": {"shopfront": 2}}
    built.upsert([IndexEntry.of(p, stock.get(p.sku.value, {})) for p in CATALOG])
    built.commit({"built": "1"})
    return built
