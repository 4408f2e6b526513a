"""Identifiers of the trade: SKUs and node codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from microindex.domain.errors import InvalidValue

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
_NODE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,31}$")
# A caller's idempotency key: an order's id, as the API's paths take it, or a till's sale key.
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"


def idempotency_key(key: str) -> str:
    """`key` if an order or a sale may be called that, else InvalidValue."""
    if re.fullmatch(KEY_PATTERN, key) is None:
        raise InvalidValue("key", key, "letters, digits and . _ - after a letter or digit")
    return key


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit: 1-64 characters, letters, digits and . _ - /, starting alphanumeric."""

    value: str

    def __post_init__(self) -> None:
        if not _SKU.match(self.value):
            raise InvalidValue("sku", self.value, "use 1-64 letters, digits, '.', '_', '-' or '/'")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class NodeCode:
    """A node's code, also the `store_code` the channels see: lowercase, digits and '-'."""

    value: str

    def __post_init__(self) -> None:
        if not _NODE.match(self.value):
            raise InvalidValue(
                "node",
                self.value,
                "use 1-32 lowercase letters, digits or '-', starting alphanumeric",
            )

    def __str__(self) -> str:
        return self.value
