"""The products table's attributes column is `json.dumps` of the pairs, for any text."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from microindex.adapters.sqlite.stores import PRODUCT_COLUMNS, product_row
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product

names = st.text(min_size=1).filter(lambda n: n.strip().lower() not in ("condition", "restock_date"))


@given(st.dictionaries(names, st.text(), max_size=6))
def test_attributes_are_written_as_json_dumps_writes_them(attributes: dict[str, str]) -> None:
    pairs = tuple(attributes.items())
    product = Product(Sku("A-1"), "Mug", Money(Decimal("1.00"), "GBP"), attributes=pairs)
    written = product_row(product)[PRODUCT_COLUMNS.index("attributes")]
    assert written == json.dumps(pairs)
    assert [tuple(pair) for pair in json.loads(written)] == list(pairs)
