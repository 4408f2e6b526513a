"""A walk-in sale's idempotency key: a till that retries a sale after a timeout sends the same
key, and the node records the sale once (ADR 0058).

The key is the till's, as an order's key is the shop's: it follows the order key's rule
(`codes.KEY_PATTERN`) and is kept beside the sale's movements with what the sale asked,
never in the reference a person types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from microindex.domain.codes import idempotency_key
from microindex.domain.errors import DomainError
from microindex.domain.sync.node import Override

sale_key = idempotency_key  # `key` if a walk-in sale may be called that (as an order may)


def sale_asked(
    lines: Mapping[str, int], reference: str = "", override: Override | None = None
) -> str:
    """What a sale asked, as one text: a retry under the same key must ask exactly this."""
    said = None if override is None else [override.actor, override.reason]
    return json.dumps([sorted(lines.items()), reference, said], separators=(",", ":"))


@dataclass(eq=False)
class SaleKeyReused(DomainError):
    """The same sale key came with a different sale."""

    node: str
    key: str
    code = "idempotency_key_reused"

    def __str__(self) -> str:
        return f"sale key {self.key!r} was already used at {self.node} for a different sale"


@dataclass(frozen=True, slots=True)
class KeptSale:
    """A keyed sale as its node keeps it: what it asked, and its movements `first`..`last`
    (a sale's lines are one transaction's movements, in a row)."""

    node: str
    key: str
    asked: str
    first: int
    last: int
