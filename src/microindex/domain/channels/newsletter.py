"""Newsletter entries: new drops (a product's first appearance) and restocks (back from zero).

Entries come from history that never changes (the catalog's outbox, the nodes' ledgers), so
each has a stable id, a tag URI (RFC 4151) naming the change, and the date of the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from microindex.domain.movement import Movement, MovementKind

RESTOCKING = frozenset(
    {MovementKind.RECEIVE, MovementKind.TRANSFER_IN, MovementKind.RETURN_RESTOCK}
)


class Change(StrEnum):
    NEW_DROP = "new-drop"
    RESTOCK = "restock"


@dataclass(frozen=True, slots=True)
class Restock:
    node: str
    seq: int
    sku: str
    quantity: int  # on hand after the restock
    at: datetime


@dataclass(frozen=True, slots=True)
class FeedEntry:
    guid: str
    change: Change
    sku: str
    title: str
    summary: str
    link: str
    at: datetime
    node: str = ""
    image: str = ""


def restocks(movements: Iterable[Movement], on_hand: MutableMapping[str, int]) -> Iterator[Restock]:
    """Movements (in ledger order) that bring a SKU from nothing on hand to some; `on_hand`
    holds the on-hand before the first of them and is kept current."""
    for movement in movements:
        before = on_hand.get(movement.sku, 0)
        after = before + movement.on_hand_delta
        on_hand[movement.sku] = after
        if before <= 0 < after and movement.kind in RESTOCKING:
            yield Restock(movement.node, movement.seq, movement.sku, after, movement.at)


def tag_uri(base_url: str, at: datetime, specific: str) -> str:
    """`tag:shop.example,2025-03-01:restock/van/42`: stable for as long as the change is."""
    authority = urlsplit(base_url).hostname or "microindex.invalid"
    return f"tag:{authority},{at:%Y-%m-%d}:{specific}"


def drop_entry(base_url: str, sku: str, title: str, link: str, at: datetime) -> FeedEntry:
    guid = tag_uri(base_url, at, f"drop/{sku}")
    return FeedEntry(guid, Change.NEW_DROP, sku, f"New: {title}", f"{title} is new.", link, at)


def restock_entry(
    base_url: str, restock: Restock, title: str, node_name: str, link: str
) -> FeedEntry:
    guid = tag_uri(base_url, restock.at, f"restock/{restock.node}/{restock.seq}")
    summary = f"{title} is back in stock at {node_name}."
    return FeedEntry(
        guid,
        Change.RESTOCK,
        restock.sku,
        f"Back in stock: {title}",
        summary,
        link,
        restock.at,
        restock.node,
    )
