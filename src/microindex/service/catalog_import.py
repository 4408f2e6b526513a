"""A catalog import that also sets a node's stock (Shopify's Variant Inventory Qty).

Two databases, the hub's catalog and the node's ledger, so two transactions. Whatever can be
refused (a bad row, a node the hub does not know) is refused before either is written. The
hub's transaction also records the import as unfinished for that node (file name and digest,
in the hub's meta), and the node's stock is then set to the file's quantities (idempotent: on
hand becomes the figure, whatever it was). Only then is the record cleared. An import stopped
in between (killed, the node's file locked) leaves the record: the same file run again
resumes, says so, and ends as one uninterrupted run would; another file says which one is
still unfinished.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from microindex.service.catalog import CatalogRows, ImportReport, import_products
from microindex.service.nodes import get_node
from microindex.service.ports import CatalogHub, UnitOfWorkFactory
from microindex.service.stock import StockRow, set_stock

UNFINISHED = "import_unfinished:"  # + node code: the hub meta key of an unfinished import


@dataclass(frozen=True, slots=True)
class StockFile:
    """The stock a catalog file carries for one node, and which file it is."""

    node: str
    rows: Sequence[StockRow]  # of the products imported; read once the catalog is written
    name: str  # the file's name: the ledger's reference and what messages call it
    digest: str  # of the file's bytes: the same file run again resumes its import


@dataclass(frozen=True, slots=True)
class Unfinished:
    name: str
    digest: str
    at: str


@dataclass(frozen=True, slots=True)
class StockImportReport:
    catalog: ImportReport
    stock_changed: int  # ledger movements made at the node
    resumed: bool  # this file's earlier import had stopped before the stock
    replaced: Unfinished | None  # another file's import that had stopped before the stock


def import_with_stock(
    hub: CatalogHub,
    node_database: Callable[[str], UnitOfWorkFactory],
    parsed: CatalogRows,
    stock: StockFile,
    at: datetime,
    skip_bad_rows: bool = False,
) -> StockImportReport:
    """Import the products at the hub, then set `stock.node`'s stock from the file (its
    catalog copy brought up to the hub's first, by `node_database`)."""
    get_node(hub, stock.node)  # an unknown node is refused before anything is written
    key = UNFINISHED + stock.node
    earlier = unfinished(hub, stock.node)
    mark = {"name": stock.name, "digest": stock.digest, "at": at.isoformat()}
    report = import_products(hub, parsed, at, skip_bad_rows, note=(key, json.dumps(mark)))
    with hub() as uow:  # a row skipped for a GTIN the catalog gives another product
        absent = uow.catalog.missing(row.sku for row in stock.rows)
    rows = [row for row in stock.rows if row.sku not in absent]
    made = set_stock(node_database(stock.node), stock.node, rows, at, f"import:{stock.name}")
    with hub() as uow:
        uow.meta.put(key, "")
        uow.commit()
    resumed = earlier is not None and earlier.digest == stock.digest
    replaced = None if earlier is None or resumed else earlier
    return StockImportReport(report, len(made), resumed, replaced)


def unfinished(hub: UnitOfWorkFactory, node: str) -> Unfinished | None:
    """The import into `node` that stopped after the catalog and before the stock, if any."""
    with hub() as uow:
        text = uow.meta.get(UNFINISHED + node)
    if not text:
        return None
    found = json.loads(text)
    return Unfinished(str(found["name"]), str(found["digest"]), str(found["at"]))
