"""The SQLite catalog reads its own rows back without checking them again (ADR 0035): every
value was checked when the product was made, before `upsert` wrote it."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.contract.samples import full_product

from microindex.adapters.sqlite.stores import PRODUCT_COLUMNS, _stored, product_row
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Fragility, Product, Size


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a checked constructor ran on a row the store wrote itself")


def test_the_catalog_reads_its_rows_without_checking_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = sorted(
        [full_product(), dataclasses.replace(full_product(), sku=Sku("B-2"), gtin=None)],
        key=lambda p: p.sku.value,
    )
    database = SqliteDatabase(tmp_path / "node.sqlite")
    database.migrate()
    with database() as uow:
        uow.catalog.upsert(written)
        uow.commit()
    monkeypatch.setattr(Product, "__init__", _refuse)
    for checked in (Sku, Gtin, Money):  # a size is parsed, as rare as it is cheap
        monkeypatch.setattr(checked, "__post_init__", _refuse)
    with database.reading() as uow:
        assert list(uow.catalog.all()) == written
        assert uow.catalog.get("B-2") == written[0]
    database.close()


prices = st.decimals(min_value=0, max_value=10_000, places=2).map(lambda d: Money(d, "GBP"))


@given(
    title=st.text(min_size=1, max_size=40).filter(str.strip),
    texts=st.lists(st.text(max_size=30), min_size=3, max_size=3),
    attributes=st.dictionaries(st.sampled_from(["colour", "size", "fit"]), st.text(), max_size=3),
    tags=st.lists(st.text(max_size=10), max_size=3),
    price=prices,
    sale=st.one_of(st.none(), st.just(Money(Decimal("0.50"), "GBP"))),
    weight_g=st.one_of(st.none(), st.integers(0, 10_000)),
    size=st.one_of(st.none(), st.just(Size(1, 2, 3))),
    fragility=st.sampled_from(Fragility),
    preorder=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 1, 1))),
)
def test_a_stored_row_reads_back_as_the_checked_product(
    title: str,
    texts: list[str],
    attributes: dict[str, str],
    tags: list[str],
    price: Money,
    sale: Money | None,
    weight_g: int | None,
    size: Size | None,
    fragility: Fragility,
    preorder: date | None,
) -> None:
    description, brand, category = texts
    product = Product(
        Sku("A-1"),
        title,
        price,
        gtin=Gtin.parse("4006381333931"),
        description=description,
        brand=brand,
        category=category,
        attributes=tuple(attributes.items()),
        sale_price=sale if sale and sale.amount <= price.amount else None,
        media=("https://example.com/a.jpg",) if tags else (),
        weight_g=weight_g,
        size=size,
        fragility=fragility,
        limited_edition=bool(tags),
        preorder_until=preorder,
        tags=tuple(tags),
        handle=brand,
    )
    row = product_row(product)[: len(PRODUCT_COLUMNS)]
    read = _stored(tuple(int(v) if isinstance(v, bool) else v for v in row))  # as SQLite keeps it
    assert read == product
    assert [repr(getattr(read, f.name)) for f in dataclasses.fields(Product)] == [
        repr(getattr(product, f.name)) for f in dataclasses.fields(Product)
    ]  # the same types and scales too (Decimal('1.50'), not Decimal('1.5'))
