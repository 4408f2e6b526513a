"""Product exports of other shop tools, known by their header so the plain catalog reader
refuses them by name instead of reading the columns it shares with them and guessing the rest
(Etsy's `PRICE` in `CURRENCY_CODE` dollars read as the shop's pounds, its comma-separated
`TAGS` read as one tag). Each is told which plain columns to rename its own to.

The headers, as the tools write them: Etsy's "Currently for sale listings" download (`TITLE`,
`PRICE`, `CURRENCY_CODE`, `QUANTITY`, `TAGS`, `IMAGE1`...), WooCommerce's product exporter
(`ID`, `Type`, `SKU`, `Name`, `Regular price`...) and Square's item library export (`Token`,
`Item Name`, `Variation Name`, `SKU`, `Price`...).
"""

from __future__ import annotations

from collections.abc import Iterable

_KNOWN: tuple[tuple[frozenset[str], str, str], ...] = (
    (
        frozenset({"currency_code", "quantity", "image1"}),
        "Etsy's listings export",
        "rename CURRENCY_CODE to currency and IMAGE1 to media, and write TAGS with '|'"
        " between tags (its stock goes in with `stock import`)",
    ),
    (
        frozenset({"type", "name", "regular price"}),
        "WooCommerce's product export",
        "rename Name to title and Regular price to price, one row per SKU (a variable"
        " product's own row out, its variations in)",
    ),
    (
        frozenset({"token", "item name", "variation name"}),
        "Square's item library export",
        "rename Item Name to title, one row per variation with its own SKU",
    ),
)


def foreign_export(header: Iterable[str]) -> str | None:
    """Why a plain catalog reader refuses a file with this header: another tool's export,
    named with what to change; None for any other header."""
    names = {name.casefold() for name in header}
    for columns, tool, change in _KNOWN:
        if columns <= names:
            return f"this is {tool}, not a plain catalog: {change}"
    return None
