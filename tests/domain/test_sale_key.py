"""A walk-in sale's key follows the order key's rule, and what a sale asked is compared whole."""

import re

import pytest

from microindex.domain.errors import InvalidValue
from microindex.domain.sale import sale_asked, sale_key
from microindex.domain.sync.node import Override


@pytest.mark.parametrize("key", ["till1-0001", "a", "T.2_x-9", "9" * 64])
def test_a_sale_key_takes_what_an_order_key_takes(key: str) -> None:
    assert sale_key(key) == key


@pytest.mark.parametrize("key", ["", "-till", "till 1", "till/1", "9" * 65, "tíll"])
def test_a_sale_key_refuses_what_an_order_key_refuses(key: str) -> None:
    with pytest.raises(
        InvalidValue, match=re.escape("letters, digits and . _ - after a letter or digit")
    ):
        sale_key(key)


def test_a_retry_asks_the_same_only_with_the_same_lines_reference_and_override() -> None:
    asked = sale_asked({"MUG": 2, "JUG": 1}, "till", Override("sam", "customer waiting"))
    assert sale_asked({"JUG": 1, "MUG": 2}, "till", Override("sam", "customer waiting")) == asked
    others = [
        sale_asked({"MUG": 2, "JUG": 2}, "till", Override("sam", "customer waiting")),
        sale_asked({"MUG": 2, "JUG": 1}, "till 2", Override("sam", "customer waiting")),
        sale_asked({"MUG": 2, "JUG": 1}, "till", Override("sam", "another reason")),
        sale_asked({"MUG": 2, "JUG": 1}, "till"),
    ]
    assert asked not in others and len(set(others)) == len(others)
