"""Catalog use cases at the hub: import products all-or-nothing, and hand changes to the nodes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from microindex.domain.errors import DomainError
from microindex.domain.product import Product
from microindex.service.ports import CatalogStore, UnitOfWorkFactory
from microindex.service.records import product_from_record, product_record

PRODUCT_TOPIC = "product"
KIT_FIELD = "kit"  # in a product's catalog message: a kit's parts, [] when no longer a kit
CATALOG_MARK = "catalog_high_water"


@dataclass(frozen=True, slots=True)
class RowError:
    """Where a file went wrong: 1-based row as a spreadsheet shows it (the header is row 1)."""

    row: int
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (got {self.value!r})" if self.value else ""
        return f"row {self.row}, column {self.column!r}: {self.reason}{shown}"


@dataclass(frozen=True, slots=True)
class ParsedCatalog:
    products: list[Product] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    row_of: Mapping[str, int] = field(default_factory=dict)  # each SKU's row in its file
    gtin_column: str = "gtin"  # what the file calls the GTIN


@dataclass(eq=False)
class ImportRejected(DomainError):
    """A file with errors changes nothing unless the user asked to skip bad rows."""

    errors: list[RowError]
    code = "import_rejected"

    def __str__(self) -> str:
        lines = [f"import refused, nothing changed: {len(self.errors)} bad row(s)"]
        lines += [f"  {error}" for error in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  ... and {len(self.errors) - 50} more")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    skipped: list[RowError]


class CatalogRows(Protocol):
    """Products to import and the file's bad rows: a `ParsedCatalog`, or a file being read
    (csvio's `read_*`), whose products come as they are parsed and whose errors grow meanwhile."""

    @property
    def products(self) -> Iterable[Product]: ...
    @property
    def errors(self) -> list[RowError]: ...
    @property
    def row_of(self) -> Mapping[str, int]: ...
    @property
    def gtin_column(self) -> str: ...


IMPORT_BATCH = 1000  # products read, checked and written at a time: what an import holds


def import_products(
    uow_factory: UnitOfWorkFactory,
    rows: CatalogRows,
    at: datetime,
    skip_bad_rows: bool = False,
    note: tuple[str, str] | None = None,
) -> ImportReport:
    """Upsert the products in one transaction, written a batch at a time as they are read,
    so that memory stays flat whatever the file's size (with `note`, a hub meta key and value
    written in the same transaction: what an import still has to do elsewhere).

    A bad row anywhere refuses the whole file: nothing is committed, and the rest of the file
    is still read (not written) so that the refusal names every bad row."""
    created = updated = 0
    taken: list[RowError] = []  # GTINs the catalog gives to other products
    with uow_factory() as uow:
        for batch in _batches(rows.products, IMPORT_BATCH):
            if (rows.errors or taken) and not skip_bad_rows:
                continue
            refused = _gtins_taken(uow.catalog, batch, rows)
            taken += refused.values()
            batch = [p for p in batch if p.sku.value not in refused]
            new = uow.catalog.missing(p.sku.value for p in batch)
            uow.catalog.upsert(batch)
            records = ((p.sku.value, product_record(p)) for p in batch)
            uow.outbox.add_many(PRODUCT_TOPIC, records, at)
            created, updated = created + len(new), updated + len(batch) - len(new)
        errors = sorted([*rows.errors, *taken], key=lambda e: e.row)
        if errors and not skip_bad_rows:
            raise ImportRejected(errors)
        if note is not None:
            uow.meta.put(*note)
        uow.commit()
    return ImportReport(created, updated, errors)


def _gtins_taken(
    catalog: CatalogStore, batch: list[Product], rows: CatalogRows
) -> dict[str, RowError]:
    """By SKU, the products of `batch` whose GTIN the catalog gives to another product (one
    not in the batch, which might give it up), each as its row's error."""
    owners = catalog.gtin_owners(p.gtin.digits for p in batch if p.gtin is not None)
    skus = {p.sku.value for p in batch}
    found: dict[str, RowError] = {}
    for product in batch:
        owner = owners.get(product.gtin.digits, "") if product.gtin is not None else ""
        if owner and owner != product.sku.value and owner not in skus:
            reason = f"already the GTIN of SKU {owner!r} in the catalog"
            row = rows.row_of.get(product.sku.value, 0)
            found[product.sku.value] = RowError(row, rows.gtin_column, reason, str(product.gtin))
    return found


def _batches(products: Iterable[Product], size: int) -> Iterator[list[Product]]:
    items = iter(products)
    while batch := list(islice(items, size)):
        yield batch


def pull_catalog(hub: UnitOfWorkFactory, node: UnitOfWorkFactory, batch: int = 5000) -> int:
    """Bring a node's catalog copy up to the hub's: changes after the node's high-water mark.

    The mark is stored in the same transaction as the products it covers, so a cut between
    batches resumes where it stopped and a batch applied twice changes nothing.
    """
    applied = 0
    while True:
        with node() as local:
            mark = int(local.meta.get(CATALOG_MARK) or 0)
        with hub() as remote:
            messages = remote.outbox.after(mark, batch)
        changes = [m for m in messages if m.topic == PRODUCT_TOPIC]
        if not messages:
            return applied
        with node() as local:
            latest = {m.key: product_from_record(m.payload) for m in changes}
            local.catalog.upsert(list(latest.values()))
            local.catalog.set_kits(kits_in(m.payload for m in changes))
            local.meta.put(CATALOG_MARK, str(messages[-1].id))
            local.commit()
        applied += len(changes)


def list_products(uow_factory: UnitOfWorkFactory) -> list[Product]:
    with uow_factory() as uow:
        return list(uow.catalog.all())


def products_by_sku(uow_factory: UnitOfWorkFactory, skus: Sequence[str]) -> dict[str, Product]:
    with uow_factory() as uow:
        found = (uow.catalog.get(sku) for sku in skus)
        return {p.sku.value: p for p in found if p is not None}


def kits_in(records: Iterable[Mapping[str, Any]]) -> dict[str, list[tuple[str, int]]]:
    """The kits that catalog messages define (or undefine: no parts), by SKU, latest kept."""
    return {
        str(r["sku"]): [(str(part), int(quantity)) for part, quantity in r[KIT_FIELD]]
        for r in records
        if KIT_FIELD in r
    }
