"""`SKU:QUANTITY` as typed on the command line: one reader for every command that takes lines
(orders, transfers, returns, kits, purchase orders, counts), with the API's bounds."""

from __future__ import annotations

from collections.abc import Iterable

from microindex.domain.errors import InvalidValue
from microindex.domain.movement import MAX_QUANTITY

EXAMPLE = "MUG-TIDE-350:2"


def sku_quantities(
    texts: Iterable[str], field: str = "line", one_if_bare: bool = False
) -> list[tuple[str, int]]:
    """Each text as (SKU, units), in the order typed. A bare SKU is one unit where
    `one_if_bare`. Quantities are ASCII digits (`isdigit` alone takes "²") up to the API's cap;
    whether zero may stand is the service's to say (a count may be zero, an order line not)."""
    how = f"write SKU or SKU:QUANTITY, e.g. {EXAMPLE}" if one_if_bare else None
    found: list[tuple[str, int]] = []
    for text in texts:
        sku, colon, quantity = text.rpartition(":")
        if not colon and one_if_bare:
            sku, quantity = text, "1"
        sku, quantity = sku.strip(), quantity.strip()
        if not sku or not (quantity.isascii() and quantity.isdigit()):
            raise InvalidValue(field, text, how or f"write SKU:QUANTITY, e.g. {EXAMPLE}")
        if int(quantity) > MAX_QUANTITY:  # as the API's schemas: no figure inflates demand
            raise InvalidValue(field, text, f"a line takes at most {MAX_QUANTITY:,} units")
        found.append((sku, int(quantity)))
    return found


def summed(texts: Iterable[str], field: str = "line") -> dict[str, int]:
    """Units by SKU, a SKU typed twice counted once with both quantities."""
    found: dict[str, int] = {}
    for sku, units in sku_quantities(texts, field):
        found[sku] = found.get(sku, 0) + units
    return found
