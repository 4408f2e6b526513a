"""Each stored catalog (SQLite, PostgreSQL) reads its own rows back without checking them again
(ADR 0035), and what it reads is the product it was given: the same values, types and scales.
The rows go through each real store, so what a column keeps (SQLite's integers for booleans,
PostgreSQL's numeric and jsonb) is part of what is checked. What a search build reads of each
product (`CatalogStore.searched`, straight from the rows) is what `searched(product)` gives."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Fragility, Product, Size
from microindex.domain.search.searched import searched
from microindex.service.ports import UnitOfWorkFactory

from .samples import full_product


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a checked constructor ran on a row the store wrote itself")


def test_the_catalog_reads_its_rows_without_checking_them_again(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = sorted(
        [full_product(), dataclasses.replace(full_product(), sku=Sku("B-2"), gtin=None)],
        key=lambda p: p.sku.value,
    )
    database = uow_factory
    with database() as uow:
        uow.catalog.upsert(written)
        uow.commit()
    monkeypatch.setattr(Product, "__init__", _refuse)
    for checked in (Sku, Gtin, Money):  # a size is parsed, as rare as it is cheap
        monkeypatch.setattr(checked, "__post_init__", _refuse)
    with database() as uow:
        assert list(uow.catalog.all()) == written
        assert uow.catalog.get("B-2") == written[0]
        assert list(uow.catalog.searched()) == [searched(p) for p in written]


texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=texts.filter(str.strip),
    words=st.lists(texts, min_size=3, max_size=3),
    attributes=st.dictionaries(st.sampled_from(["colour", "size", "fit"]), texts, max_size=3),
    tags=st.lists(texts, max_size=3),
    price=st.decimals(min_value=0, max_value=10_000, places=2),
    sale=st.booleans(),
    weight_g=st.one_of(st.none(), st.integers(0, 10_000)),
    size=st.one_of(st.none(), st.just(Size(1, 2, 3))),
    fragility=st.sampled_from(Fragility),
    preorder=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 1, 1))),
)
def test_a_stored_product_reads_back_as_it_was_written(
    uow_factory: UnitOfWorkFactory,
    title: str,
    words: list[str],
    attributes: dict[str, str],
    tags: list[str],
    price: Decimal,
    sale: bool,
    weight_g: int | None,
    size: Size | None,
    fragility: Fragility,
    preorder: date | None,
) -> None:
    description, brand, category = words
    product = Product(
        Sku("A-1"),
        title,
        Money(price, "GBP"),
        gtin=Gtin.parse("4006381333931"),
        description=description,
        brand=brand,
        category=category,
        attributes=tuple(attributes.items()),
        sale_price=Money(Decimal("0.50"), "GBP") if sale and price >= Decimal("0.50") else None,
        media=("https://example.com/a.jpg",) if tags else (),
        weight_g=weight_g,
        size=size,
        fragility=fragility,
        limited_edition=bool(tags),
        preorder_until=preorder,
        tags=tuple(tags),
        handle=brand,
    )
    database = uow_factory
    with database() as uow:
        uow.catalog.upsert([product])
        uow.commit()
    with database() as uow:
        read = uow.catalog.get("A-1")
        values = list(uow.catalog.searched())
    assert read == product
    assert values == [searched(product)]  # what a search build reads: the same values (ADR 0043)
    assert [tuple(map(repr, v)) for v in values] == [tuple(map(repr, searched(product)))]
    assert [repr(getattr(read, f.name)) for f in dataclasses.fields(Product)] == [
        repr(getattr(product, f.name)) for f in dataclasses.fields(Product)
    ]  # the same types and scales too (Decimal('1.50'), not Decimal('1.5'))
