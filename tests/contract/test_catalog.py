"""The catalog store, the same on every adapter."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from microindex.domain.money import Money
from microindex.service.catalog import (
    PRODUCT_TOPIC,
    ParsedCatalog,
    import_products,
    list_products,
    products_by_sku,
)
from microindex.service.ports import CatalogHub, UnitOfWorkFactory
from microindex.service.records import product_record

from .samples import AT, full_product, product


def test_a_product_reads_back_with_every_field(uow_factory: UnitOfWorkFactory) -> None:
    stored = full_product()
    with uow_factory() as uow:
        uow.catalog.upsert([stored])
        uow.commit()
    with uow_factory() as uow:
        found = uow.catalog.get(stored.sku.value)
    assert found == stored
    assert found is not None
    assert product_record(found) == product_record(stored)  # same scale of prices, same order


def test_upsert_replaces_every_field_of_a_known_sku(uow_factory: UnitOfWorkFactory) -> None:
    first = full_product()
    second = dataclasses.replace(
        first,
        title="Organic tee",
        gtin=None,
        sale_price=None,
        attributes=(),
        media=(),
        size=None,
        weight_g=None,
        preorder_until=None,
        limited_edition=False,
        price=Money(Decimal("0.00"), "EUR"),
    )
    with uow_factory() as uow:
        uow.catalog.upsert([first])
        uow.commit()
    with uow_factory() as uow:
        uow.catalog.upsert([second])
        uow.commit()
    with uow_factory() as uow:
        assert uow.catalog.get(first.sku.value) == second
        assert uow.catalog.count() == 1


def test_all_lists_products_by_sku_in_code_point_order(uow_factory: UnitOfWorkFactory) -> None:
    skus = ["b-2", "A10", "a-1", "B/3", "A9", "a.1"]
    with uow_factory() as uow:
        uow.catalog.upsert([product(s) for s in skus])
        uow.commit()
    with uow_factory() as uow:
        assert [p.sku.value for p in uow.catalog.all()] == sorted(skus)
        assert uow.catalog.count() == len(skus)


def test_missing_names_only_the_unknown_skus(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.catalog.upsert([product("A"), product("B")])
        assert uow.catalog.missing(["A", "X", "B", "Y", "X"]) == {"X", "Y"}
        assert uow.catalog.missing(s for s in ["B"]) == set()
        assert uow.catalog.missing([]) == set()


def test_missing_takes_any_spelling_and_any_number_of_skus(uow_factory: UnitOfWorkFactory) -> None:
    held = ["0042", "A/B.C_D", *(f"S-{i:04d}" for i in range(1200))]
    typed = ["42", "CAFÉ-1", 'QUOTE"1', "A/B.C", "S-1200", ""]  # typed text, spelt any way
    with uow_factory() as uow:
        uow.catalog.upsert([product(sku) for sku in held])
        assert uow.catalog.missing([*held, *typed]) == set(typed)
        assert uow.catalog.missing(held) == set()
        assert [uow.catalog.missing([sku]) for sku in ("0042", "42")] == [set(), {"42"}]


def test_an_unknown_sku_is_none_and_an_empty_catalog_counts_zero(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.catalog.get("NOPE") is None
        assert uow.catalog.count() == 0
        assert list(uow.catalog.all()) == []


def test_import_creates_then_updates_and_tells_the_nodes(uow_factory: CatalogHub) -> None:
    first = import_products(uow_factory, ParsedCatalog([product("A"), product("B")]), AT)
    again = import_products(
        uow_factory, ParsedCatalog([product("B", "Renamed mug"), product("C")]), AT
    )
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated) == (1, 1)
    assert [p.title for p in list_products(uow_factory)] == [
        "Stoneware mug", "Renamed mug", "Stoneware mug",
    ]  # fmt: skip
    assert set(products_by_sku(uow_factory, ["A", "Z"])) == {"A"}
    with uow_factory() as uow:
        messages = uow.outbox.after(0)
    assert [(m.topic, m.key) for m in messages] == [
        (PRODUCT_TOPIC, "A"), (PRODUCT_TOPIC, "B"), (PRODUCT_TOPIC, "B"), (PRODUCT_TOPIC, "C"),
    ]  # fmt: skip
    assert messages[2].payload == product_record(product("B", "Renamed mug"))


def test_a_product_is_found_by_its_gtin_and_an_unknown_gtin_finds_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    stored = full_product()
    with uow_factory() as uow:
        uow.catalog.upsert([stored, product("PLAIN-1")])
        assert stored.gtin is not None
        assert uow.catalog.by_gtin(stored.gtin.digits) == stored
        assert uow.catalog.by_gtin("00000000000000") is None
