"""Catalog use cases at the hub: import products all-or-nothing, and hand changes to the nodes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from microindex.domain.errors import DomainError
from microindex.domain.product import Product
from microindex.service.ports import (
    CatalogHub,
    ReadRow,
    Repeat,
    Taken,
    UnitOfWorkFactory,
)
from microindex.service.records import product_from_record

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
    sku_column: str = "sku"

    @property
    def read(self) -> Iterator[ReadRow]:
        """The products as rows read (each on its `row_of` row, else one after another)."""
        for i, p in enumerate(self.products):
            gtin = p.gtin.digits if p.gtin is not None else None
            yield ReadRow(self.row_of.get(p.sku.value, i + 2), p.sku.value, gtin, p)


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


def refused(errors: Sequence[RowError], skip_bad_rows: bool) -> bool:
    """Whether a file with `errors` is refused whole: any error, unless bad rows are to be
    skipped; a problem with the header (row 1: a column missing, an empty file, a workbook)
    always, since it is no row to skip and every row would be read wrong or not at all."""
    return bool(errors) and (not skip_bad_rows or any(e.row == 1 for e in errors))


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    skipped: list[RowError]


class CatalogRows(Protocol):
    """A catalog file's rows and its bad rows: a `ParsedCatalog`, or a file being read
    (csvio's `read_*`), whose rows come as they are parsed and whose errors grow meanwhile."""

    @property
    def read(self) -> Iterable[ReadRow]: ...
    @property
    def errors(self) -> list[RowError]: ...
    @property
    def sku_column(self) -> str: ...
    @property
    def gtin_column(self) -> str: ...


IMPORT_BATCH = 1000  # rows read, checked and staged at a time: what an import holds


def import_products(
    hub: CatalogHub,
    rows: CatalogRows,
    at: datetime,
    skip_bad_rows: bool = False,
    note: tuple[str, str] | None = None,
) -> ImportReport:
    """Upsert the products all-or-nothing (with `note`, a hub meta key and value written in
    the same transaction: what an import still has to do elsewhere).

    The file is staged a batch at a time beside the catalog (memory stays flat whatever its
    size, and no lock is held on the catalog meanwhile); the staged rows are checked there (a
    SKU or GTIN on two rows, a GTIN the catalog gives another product), then merged in one
    short transaction. A bad row anywhere refuses the whole file, nothing committed, and the
    refusal names every bad row; with `skip_bad_rows` the good rows are merged."""
    with hub.staging() as staged:
        for batch in _batches(rows.read, IMPORT_BATCH):
            staged.stage(batch)
        repeated = staged.repeats()
        staged.drop({r.row for r in repeated})
        taken = staged.taken()
        errors = [*rows.errors, *(_repeat_error(r, rows) for r in repeated)]
        errors += [_taken_error(t, rows.gtin_column) for t in taken]
        errors.sort(key=lambda e: e.row)
        if refused(errors, skip_bad_rows):
            raise ImportRejected(errors)
        staged.drop({t.row for t in taken})
        created, updated = staged.merge(PRODUCT_TOPIC, at, note)
    return ImportReport(created, updated, errors)


def _repeat_error(repeat: Repeat, rows: CatalogRows) -> RowError:
    what, column = ("SKU", rows.sku_column) if repeat.what == "sku" else ("GTIN", rows.gtin_column)
    reason = f"duplicate {what}, first on row {repeat.first}"
    return RowError(repeat.row, column, reason, repeat.key)


def _taken_error(taken: Taken, column: str) -> RowError:
    reason = f"already the GTIN of SKU {taken.owner!r} in the catalog"
    return RowError(taken.row, column, reason, taken.gtin)


def _batches(rows: Iterable[ReadRow], size: int) -> Iterator[list[ReadRow]]:
    items = iter(rows)
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
            changes, upto = remote.outbox.of_topic(PRODUCT_TOPIC, mark, batch)
        if upto == mark:
            return applied
        with node() as local:
            latest = {m.key: product_from_record(m.payload) for m in changes}
            local.catalog.upsert(list(latest.values()))
            local.catalog.set_kits(kits_in(m.payload for m in changes))
            local.meta.put(CATALOG_MARK, str(upto))
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
