from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.packaging_memory import MemoryPackagingStore
from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.errors import UnknownSku
from microindex.domain.money import Money
from microindex.domain.packaging import (
    MissingPackingData,
    NoPackageFits,
    PackageTemplate,
    PackageUsed,
    PackItem,
    choose_package,
)
from microindex.domain.product import Fragility, Size
from microindex.domain.shipping import Carriage, NoShippingRule, Shipment, band, choose_carriage
from microindex.service.packaging import (
    Destination,
    OrderLine,
    PackagingStore,
    PackRequest,
    pack_order,
)

from .samples import product

AT = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


def box(
    code: str,
    inner: str,
    max_g: int,
    cost: str,
    padding: int = 0,
    low_waste: bool = False,
    tare: int = 50,
) -> PackageTemplate:
    return PackageTemplate(
        code, code, Size.parse(inner), max_g, Money(Decimal(cost), "GBP"), padding, low_waste, tare
    )


TEMPLATES = [
    box("mailer-s", "220x160x60", 1000, "0.40"),
    box("box-s", "200x150x120", 5000, "0.80", padding=20),
    box("box-s-eco", "200x150x120", 5000, "0.80", padding=20, low_waste=True),
    box("box-m", "350x250x200", 15000, "1.50", padding=30),
    box("box-heavy", "400x300x300", 30000, "3.20", padding=30),
]


def item(size: str, grams: int, fragility: Fragility = Fragility.STURDY, n: int = 1) -> PackItem:
    return PackItem(f"SKU-{size}-{grams}", Size.parse(size), grams, fragility, n)


def test_a_small_sturdy_item_goes_in_the_cheapest_mailer() -> None:
    choice = choose_package([item("150x100x40", 200)], TEMPLATES)
    assert choice.template.code == "mailer-s"
    assert choice.weight_g == 250
    assert choice.padding_mm == 0


def test_a_fragile_item_needs_a_padded_package() -> None:
    choice = choose_package([item("150x100x40", 200, Fragility.FRAGILE)], TEMPLATES)
    assert choice.template.code in {"box-s", "box-s-eco"}
    assert choice.padding_mm == 20


def test_equal_cost_and_size_prefers_the_low_waste_package() -> None:
    choice = choose_package([item("150x100x40", 200, Fragility.FRAGILE)], TEMPLATES)
    assert choice.template.low_waste


def test_a_very_fragile_item_gets_double_padding() -> None:
    choice = choose_package([item("150x100x60", 300, Fragility.VERY_FRAGILE)], TEMPLATES)
    assert choice.template.code == "box-m"
    assert choice.padding_mm == 60


def test_a_heavy_order_moves_up_to_a_box_that_takes_the_weight() -> None:
    assert choose_package([item("150x100x40", 1500, n=9)], TEMPLATES).template.code == "box-m"
    choice = choose_package([item("150x100x40", 1500, n=11)], TEMPLATES)
    assert choice.template.code == "box-heavy"
    assert choice.weight_g == 16_550


def test_a_mixed_order_is_padded_for_its_most_fragile_item() -> None:
    items = [item("120x90x90", 350, n=2), item("180x120x60", 500, Fragility.FRAGILE)]
    choice = choose_package(items, TEMPLATES)
    assert choice.template.code == "box-m"
    assert choice.padding_mm == 30
    assert 0 < choice.fill <= 0.85


def test_prefer_low_waste_wins_over_cost() -> None:
    templates = [
        box("cheap", "300x200x150", 5000, "0.50"),
        box("eco", "300x200x150", 5000, "0.90", low_waste=True),
    ]
    assert choose_package([item("100x100x100", 300)], templates).template.code == "cheap"
    chosen = choose_package([item("100x100x100", 300)], templates, prefer_low_waste=True)
    assert chosen.template.code == "eco"


def test_an_order_nothing_takes_is_refused_with_each_packages_reason() -> None:
    with pytest.raises(NoPackageFits) as refused:
        choose_package([item("600x100x100", 200)], TEMPLATES)
    assert set(refused.value.reasons) == {t.code for t in TEMPLATES}
    assert "larger than" in refused.value.reasons["box-heavy"]


def test_a_product_without_size_or_weight_cannot_be_packed() -> None:
    with pytest.raises(MissingPackingData, match="size"):
        PackItem.of(product(1, size=None), 1)
    with pytest.raises(MissingPackingData, match="weight_g"):
        PackItem.of(product(1, weight_g=None), 1)


RULES = (
    band("royal-mail", "large-letter", frozenset({"GB"}), 750),
    band("dpd", "next-day", frozenset({"GB"}), 30_000, from_g=750, not_postcodes=("ZE", "HS")),
    band("parcelforce", "islands", frozenset({"GB"}), 30_000, from_g=750),
    band("dhl", "europe", frozenset({"FR", "DE"}), 31_500),
)


@pytest.mark.parametrize(
    ("country", "postcode", "grams", "expected"),
    [
        ("GB", "E8 1AA", 500, Carriage("royal-mail", "large-letter")),
        ("GB", "E8 1AA", 2000, Carriage("dpd", "next-day")),
        ("GB", "ze1 0aa", 2000, Carriage("parcelforce", "islands")),
        ("FR", "75011", 2000, Carriage("dhl", "europe")),
    ],
)
def test_shipping_rules_choose_by_country_postcode_prefix_and_weight_band(
    country: str, postcode: str, grams: int, expected: Carriage
) -> None:
    assert choose_carriage(Shipment(country, postcode, grams), RULES) == expected


def test_a_shipment_no_rule_takes_is_refused() -> None:
    with pytest.raises(NoShippingRule):
        choose_carriage(Shipment("US", "10001", 40_000), RULES)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PackagingStore]:
    if request.param == "memory":
        yield MemoryPackagingStore()
        return
    database = SqliteDatabase(tmp_path / "node.sqlite")
    database.migrate()
    yield SqlitePackagingStore(database.connection())
    database.close()


def test_templates_are_stored_per_node(store: PackagingStore) -> None:
    for template in TEMPLATES:
        store.save_template("shopfront", template)
    assert store.templates("shopfront") == sorted(TEMPLATES, key=lambda t: t.code)
    assert store.templates("van") == []


def test_packages_used_are_recorded_and_replaced_on_repacking(store: PackagingStore) -> None:
    first = PackageUsed("ORD-1", "shopfront", "box-s", False, 800, 2, AT)
    store.record(first)
    store.record(PackageUsed("ORD-2", "van", "mailer-s", True, 300, 1, AT))
    assert store.for_order("ORD-1") == first
    repacked = PackageUsed("ORD-1", "shopfront", "box-m", False, 900, 2, AT)
    store.record(repacked)
    assert store.for_order("ORD-1") == repacked
    assert [u.order_ref for u in store.used("shopfront")] == ["ORD-1"]
    assert len(store.used()) == 2


@pytest.fixture
def catalog() -> MemoryDatabase:
    database = MemoryDatabase()
    with database() as uow:
        uow.catalog.upsert(
            [
                product(1, "120x90x90", 350),
                product(2, "180x120x60", 500, Fragility.FRAGILE),
                product(3, "150x100x40", 1500),
            ]
        )
        uow.commit()
    return database


def test_packing_an_order_records_the_package_type_and_picks_the_carriage(
    catalog: MemoryDatabase, store: PackagingStore
) -> None:
    for template in TEMPLATES:
        store.save_template("shopfront", template)
    lines = [OrderLine("MUG-1", 2), OrderLine("MUG-2", 1)]
    plan = pack_order(
        catalog, store, PackRequest("shopfront", "ORD-9", lines, AT, Destination("GB", "E8 1AA"))
    )
    assert plan.choice.template.code == "box-m"
    assert plan.carriage == Carriage("royal-mail", "tracked-48-parcel")
    assert store.for_order("ORD-9") == plan.used
    assert plan.used.package_type == "box-m" and plan.used.items == 3


def test_packing_a_heavy_order_at_a_node(catalog: MemoryDatabase) -> None:
    store = MemoryPackagingStore()
    for template in TEMPLATES:
        store.save_template("van", template)
    plan = pack_order(catalog, store, PackRequest("van", "ORD-10", [OrderLine("MUG-3", 11)], AT))
    assert plan.used.package_type == "box-heavy"
    assert plan.carriage is None


def test_packing_an_unknown_sku_is_refused(catalog: MemoryDatabase) -> None:
    with pytest.raises(UnknownSku):
        request = PackRequest("van", "O", [OrderLine("NOPE", 1)], AT)
        pack_order(catalog, MemoryPackagingStore(), request)
