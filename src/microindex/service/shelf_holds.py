"""A shopper scans a shelf (or a product's) QR and holds the item for pickup at that node.

The hold is an ordinary pickup order at the scanned node with a short lease: it spends the
hub's online rights there, and release_lapsed gives them back if it is not confirmed or
collected in time. A shelf link (`/414/{gln}/254/{bin}`) names the node and SKU through the
shelf slots the hub knows; a product link (`/01/{gtin}`) needs the node it was scanned at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.keys import Gln
from microindex.domain.gs1.scan import read_scan
from microindex.domain.node import Node
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.promise_ports import CandidateStates, PromiseUnitOfWorkFactory
from microindex.service.resolver import UnknownGtin

HOLD = timedelta(minutes=30)
HOLDS = (timedelta(minutes=1), timedelta(days=1))  # the shortest and longest hold asked


@dataclass(eq=False)
class UnknownShelf(DomainError):
    gln: str
    bin: str
    code = "unknown_shelf"

    def __str__(self) -> str:
        return f"no shelf slot {self.bin!r} known at GLN {self.gln}"


def add_shelf(ops: NodeOpsFactory, gln: str, bin_: str, node: str, sku: str) -> None:
    """Name the node and SKU of the shelf label `/414/{gln}/254/{bin_}`: refused unless such a
    label can be printed and scanned (a GLN with its check digit, a bin AI 254 takes)."""
    DigitalLink.location(Gln(gln).digits, bin_)
    with ops() as uow:
        uow.shelves.put(gln, bin_, node, sku)
        uow.commit()


def scanned_item(
    hub: PromiseUnitOfWorkFactory, ops: NodeOpsFactory, scan: str, node: str | None = None
) -> tuple[str, str]:
    """(node, SKU) a shelf or product scan names."""
    link = read_scan(scan)
    if link.key.ai == "414":
        bin_ = link.get("254") or ""
        with ops() as uow:
            found = uow.shelves.find(link.key.value, bin_)
        if found is None:
            raise UnknownShelf(link.key.value, bin_)
        return found
    if link.key.ai == "01" and node:
        with hub() as uow:
            product = uow.catalog.by_gtin(link.key.value)
        if product is None:
            raise UnknownGtin(link.key.value)
        return node, product.sku.value
    raise InvalidValue("scan", scan, "scan a shelf label, or a product at a named node")


def hold_from_scan(
    hub: PromiseUnitOfWorkFactory,
    ops: NodeOpsFactory,
    key: str,
    scan: str,
    nodes: Sequence[Node],
    at: datetime,
    quantity: int = 1,
    node: str | None = None,
    hold: timedelta = HOLD,
    states: CandidateStates | None = None,
) -> promise.Placed:
    """Hold the scanned item for pickup at its node for `hold` (a short lease)."""
    where, sku = scanned_item(hub, ops, scan, node)
    return hold_item(hub, key, sku, where, nodes, at, quantity, hold, states)


def hold_item(
    hub: PromiseUnitOfWorkFactory,
    key: str,
    sku: str,
    node: str,
    nodes: Sequence[Node],
    at: datetime,
    quantity: int = 1,
    hold: timedelta = HOLD,
    states: CandidateStates | None = None,
) -> promise.Placed:
    """Hold `quantity` of `sku` for pickup at `node` for `hold`: a pickup order, short lease
    (`states`: the workspace's candidate state, as for any order)."""
    asked = OrderRequest((OrderLine(sku, quantity),), Method.PICKUP, at, pickup_node=node)
    settings = promise.PromiseSettings(lease=hold)
    return promise.place_order(hub, key, asked, nodes, settings, states)


def bins(ops: NodeOpsFactory, node: str) -> dict[str, list[str]]:
    """Where each SKU is kept at `node`: the bins its shelf slots name."""
    with ops() as uow:
        return uow.shelves.bins(node)
