"""Stock use cases at a node: receive, write off, count, a stock file. (A walk-in sale is
`rights.sell_walk_in`; a transfer between nodes, `transfers`.)

Each handler opens one unit of work on the node's own database, loads the part of the ledger it
needs, calls one domain method, writes the outbox in the same transaction and commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.kits import refuse_kits, stock_added
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.sale import KeptSale, SaleKeyReused
from microindex.service.catalog import ImportRejected, RowError, refused
from microindex.service.known import require_skus, unknown_sku
from microindex.service.ports import StockLine, UnitOfWork, UnitOfWorkFactory

MOVEMENT_TOPIC = "movement"


def record_movement(
    uow_factory: UnitOfWorkFactory,
    node: str,
    sku: str,
    kind: MovementKind,
    quantity: int,
    at: datetime,
    reference: str = "",
    actor: str = "",
) -> Movement:
    """Record one movement decided at `node` (receive, sell, pick, write-off, ...)."""
    NodeCode(node)
    with uow_factory() as uow:
        ledger = _load_known(uow, node, [sku])
        movement = ledger.record(sku, kind, quantity, at, reference, actor)
        save_movements(uow, ledger, at)
        uow.commit()
    return movement


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a batch: a movement to record at the batch's node."""

    sku: str
    kind: MovementKind
    quantity: int
    at: datetime
    reference: str = ""
    actor: str = ""


def record_batch(
    uow_factory: UnitOfWorkFactory, node: str, entries: Sequence[Entry]
) -> list[Movement]:
    """Record several movements at `node` in one transaction: all of them, or none."""
    NodeCode(node)
    if not entries:
        return []
    with uow_factory() as uow:
        skus = sorted({entry.sku for entry in entries})
        ledger = _load_known(uow, node, skus)
        made = [
            ledger.record(e.sku, e.kind, e.quantity, e.at, e.reference, e.actor) for e in entries
        ]
        save_movements(uow, ledger, entries[-1].at)
        uow.commit()
    return made


def record_batch_once(
    uow_factory: UnitOfWorkFactory, node: str, entries: Sequence[Entry], key: str, asked: str
) -> tuple[list[Movement], bool]:
    """`record_batch` under `key`, kept beside the movements as a walk-in sale's key is
    (ADR 0058) and checked after the node's writer lock, so two deliveries sent at once under
    one key record once: (the movements made, False), or (those made before under the key,
    True) when it asked `asked`; another batch under the key is refused (SaleKeyReused)."""
    NodeCode(node)
    with uow_factory() as uow:
        ledger = _load_known(uow, node, sorted({entry.sku for entry in entries}))
        kept = uow.ledger.kept_sale(node, key)
        if kept is not None:
            if kept.asked != asked:
                raise SaleKeyReused(node, key)
            return uow.ledger.movements(node, kept.first - 1, kept.last - kept.first + 1), True
        made = [
            ledger.record(e.sku, e.kind, e.quantity, e.at, e.reference, e.actor) for e in entries
        ]
        save_movements(uow, ledger, entries[-1].at)
        uow.ledger.keep_sale(KeptSale(node, key, asked, made[0].seq, made[-1].seq))
        uow.commit()
    return made, False


def stock_lines(nodes: Mapping[str, UnitOfWorkFactory], sku: str | None = None) -> list[StockLine]:
    """On-hand across nodes, read from each node's own ledger (SKU, then node order)."""
    lines: list[StockLine] = []
    for code, factory in nodes.items():
        with factory() as uow:
            lines.extend(uow.ledger.stock(code, sku))
    return sorted(lines, key=lambda line: (line.sku, line.node))


def receive(
    uow_factory: UnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    actor: str = "",
) -> Movement:
    return record_movement(
        uow_factory, node, sku, MovementKind.RECEIVE, quantity, at, reference, actor
    )


def write_off(
    uow_factory: UnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    actor: str = "",
) -> Movement:
    return record_movement(
        uow_factory, node, sku, MovementKind.WRITE_OFF, -quantity, at, reference, actor
    )


def count(
    uow_factory: UnitOfWorkFactory,
    node: str,
    sku: str,
    counted: int,
    at: datetime,
    position: int | None = None,
    reference: str = "",
    actor: str = "",
) -> CountResult:
    """Record a stock count taken at ledger `position` (default: now, the ledger's head)."""
    with uow_factory() as uow:
        ledger = _load_known(uow, node, [sku])
        where = ledger.head if position is None else position
        expected = uow.ledger.on_hand_at(node, sku, where)
        result = ledger.count(sku, counted, where, expected, at, reference, actor)
        uow.ledger.record_count(result, at, actor)
        save_movements(uow, ledger, at)
        uow.commit()
    return result


def ledger_head(uow_factory: UnitOfWorkFactory, node: str) -> int:
    """The position a count starts at: read it before counting, pass it to `count`."""
    with uow_factory() as uow:
        return uow.ledger.load(node, []).head


@dataclass(frozen=True, slots=True)
class StockRow:
    sku: str
    quantity: int


def set_stock(
    uow_factory: UnitOfWorkFactory,
    node: str,
    rows: Sequence[StockRow],
    at: datetime,
    reference: str,
    actor: str = "",
) -> list[Movement]:
    """Make on-hand equal to each row's quantity (an imported stock file), in one transaction.

    New stock is recorded as received, differences as count adjustments, so the ledger says why.
    """
    with uow_factory() as uow:
        skus = [row.sku for row in rows]
        ledger = _load_known(uow, node, skus)
        made: list[Movement] = []
        for row in rows:
            held = ledger.available(row.sku)
            delta = row.quantity - held
            if delta == 0:
                continue
            kind = MovementKind.RECEIVE if held == 0 and delta > 0 else MovementKind.COUNT_ADJUST
            made.append(ledger.record(row.sku, kind, delta, at, reference, actor))
        save_movements(uow, ledger, at)
        uow.commit()
    return made


@dataclass(frozen=True, slots=True)
class ParsedStock:
    """A stock file read: good rows (with their spreadsheet row numbers) and bad ones."""

    stock: list[StockRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    row_numbers: list[int] = field(default_factory=list)


def import_stock(
    uow_factory: UnitOfWorkFactory,
    node: str,
    parsed: ParsedStock,
    at: datetime,
    reference: str,
    skip_bad_rows: bool = False,
    actor: str = "",
) -> list[Movement]:
    """Set a node's stock from a file: any bad row (or SKU not in the catalog) refuses it all,
    unless `skip_bad_rows`, and then the good rows go in one transaction."""
    with uow_factory() as uow:
        missing = uow.catalog.missing(row.sku for row in parsed.stock)
    unknown = [
        RowError(number, "sku", "not in the catalog", row.sku)
        for number, row in zip(parsed.row_numbers, parsed.stock, strict=True)
        if row.sku in missing
    ]
    errors = sorted([*parsed.errors, *unknown], key=lambda error: error.row)
    if refused(errors, skip_bad_rows):
        raise ImportRejected(errors)
    rows = [row for row in parsed.stock if row.sku not in missing]
    return set_stock(uow_factory, node, rows, at, reference, actor)


def require_stockable(uow_factory: UnitOfWorkFactory, skus: Collection[str], act: str) -> None:
    """UnknownSku for the first of `skus` no product has, else KitHoldsNoStock (naming `act`:
    what to do with its parts instead) for a kit: what the edges check of goods asked to
    move (a transfer requested) before any ledger is written."""
    require_skus(uow_factory, skus)
    with uow_factory() as uow:
        refuse_kits(dict.fromkeys(skus, act), uow.catalog.kits_among(skus))


def _require_skus(uow: UnitOfWork, skus: Sequence[str]) -> None:
    """InvalidValue for the first SKU not spelt as one, else UnknownSku for the catalog's
    first missing one (in sort order). A SKU the catalog holds was checked when it went in, so only
    the missing ones are checked here (a stock file of 10,000 rows skips 10,000 checks)."""
    missing = uow.catalog.missing(skus)
    if missing:
        for sku in skus:
            if sku in missing:
                Sku(sku)
        raise unknown_sku(uow, sorted(missing)[0])


def _load_known(uow: UnitOfWork, node: str, skus: Sequence[str]) -> Ledger:
    """The ledger of `skus` at `node`, loaded (and locked) once the catalog is known to hold
    them all: one statement where the store can, the catalog check then the load where not."""
    ledger = uow.ledger.load_known(node, skus)
    if ledger is not None:
        return ledger
    _require_skus(uow, skus)  # says which is missing (or none, added to the catalog since)
    return uow.ledger.load(node, skus)


def save_movements(uow: UnitOfWork, ledger: Ledger, at: datetime) -> None:
    """Append the ledger's new movements and say so in the outbox, in the same transaction:
    one message per save, naming the node and the sequence numbers it appended (ADR 0012).
    The ledger is the log: a reader reads the movements there, by sequence number. Units put
    under a kit's own SKU (received, counted, transferred or returned) are refused
    (KitHoldsNoStock): a kit holds no stock of its own, its parts do (ADR 0009)."""
    if not ledger.new:
        return
    added = stock_added(ledger.new)
    before = {sku: ledger.available(sku) for sku in added}
    for m in ledger.new:
        if m.sku in before and m.kind is not MovementKind.GRANT:
            before[m.sku] -= m.quantity
    # a kit holds none: a SKU in stock before these movements is no kit (and reads none)
    added = {sku: act for sku, act in added.items() if before[sku] <= 0}
    if added:  # so a sale, or a delivery of goods in stock, reads no kits
        refuse_kits(added, uow.catalog.kits_among(added))
    append_movements(uow, ledger, at)


def append_movements(uow: UnitOfWork, ledger: Ledger, at: datetime) -> None:
    """`save_movements` unchecked: what the hub asked of this node (a request it queued,
    then checked as the node would check it), applied as asked, so a sync never sticks."""
    if not ledger.new:
        return
    first, last = ledger.new[0].seq, ledger.new[-1].seq
    uow.ledger.save(ledger)
    uow.outbox.add(
        MOVEMENT_TOPIC,
        movements_key(ledger.node, first, last),
        {"node": ledger.node, "first": first, "last": last},
        at,
    )


def movements_key(node: str, first: int, last: int) -> str:
    """The outbox key of the movements `first`..`last` of `node`: `shop#7`, `shop#7-106`."""
    return f"{node}#{first}" if first == last else f"{node}#{first}-{last}"
