"""Keeping a search index current with the catalog and the ledgers it is derived from.

An index follows three logs, each with a high-water mark stored with the index itself (in the
same commit as the documents they bring it up to, so a crash can only repeat work):

- the database's outbox, for products written here (catalog imports at the hub);
- the catalog mark `pull_catalog` keeps at a node: when it moves, the catalog copy is compared
  with what the index holds of each product (`SearchIndex.differing`);
- each followed node's ledger, by sequence number: a movement re-indexes its SKU's stock.

Applying a change re-reads the product and its on-hand as committed now, so applying it twice
changes nothing. `search` calls `catch_up` before each query, so answers are never behind what
was committed when the query arrived; `rebuild` starts over from the catalog and ledgers. Both
run as the index's one writer (`SearchIndex.writing`), so hub workers, a node agent and a CLI
search on one index take turns; one that waits too long reads the last commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from microindex.domain.errors import DomainError
from microindex.service.catalog import CATALOG_MARK, PRODUCT_TOPIC
from microindex.service.collector import cyclic_gc_paused
from microindex.service.ports import DatabaseReads, UnitOfWork
from microindex.service.search import IndexEntry, SearchIndex

BUILT = "built"
OUTBOX = "outbox"
CATALOG = "catalog"
LEDGER = "ledger:"
_PAGE = 5000

Told = Callable[[int, int], None]  # (products indexed so far, of how many): progress


@dataclass(eq=False)
class IndexWarming(DomainError):
    """A search index is being built for the first time, in the background: ask again soon."""

    index: str  # "hub" or a node's code
    indexed: int
    of: int
    code = "index_warming"

    def __str__(self) -> str:
        return (
            f"the {self.index} search index is being built ({self.indexed} of {self.of} "
            "products): try again in a few seconds"
        )


@dataclass(eq=False)
class IndexBehind(IndexWarming):
    """A built index is catching up with what was committed (a catalog import, a pulled
    catalog) and did not finish in time: ask again soon, rather than read a stale page."""

    def __str__(self) -> str:
        return (
            f"the {self.index} search index is catching up with recent changes: "
            "try again in a few seconds"
        )


def _silent(done: int, total: int) -> None:
    """No one watching."""


def followed_nodes(uow: UnitOfWork, node: str | None) -> list[str]:
    """A node's index follows its own ledger; the hub's follows every registered node."""
    return [node] if node else [n.code.value for n in uow.nodes.all()]


def rebuild(
    index: SearchIndex,
    uow_factory: DatabaseReads,
    node: str | None,
    progress: Told = _silent,
) -> int:
    """Index the catalog and on-hand from scratch, in batches (`progress` told after each).
    Returns the number of products indexed."""
    while True:  # waits for another writer as long as it writes: two writers would fail
        with index.writing() as writer:
            if writer:
                return _rebuild(index, uow_factory, node, progress)


def _rebuild(
    index: SearchIndex, uow_factory: DatabaseReads, node: str | None, progress: Told
) -> int:
    """A build from scratch (`rebuild`, and a first `catch_up`), the collector paused."""
    with cyclic_gc_paused():  # a build's rows, entries and documents (ADR 0063)
        return _build(index, uow_factory, node, progress)


def _build(index: SearchIndex, uow_factory: DatabaseReads, node: str | None, progress: Told) -> int:
    with uow_factory.reading() as uow:
        nodes = followed_nodes(uow, node)
        marks = {
            BUILT: "1",
            OUTBOX: str(_outbox_end(uow, 0)),
            CATALOG: uow.meta.get(CATALOG_MARK) or "",
        }
        marks.update({LEDGER + n: str(uow.ledger.head(n)) for n in nodes})
        stock: dict[str, dict[str, int]] = {}
        for line in _stock_lines(uow, nodes):
            stock.setdefault(line[1], {})[line[0]] = line[2]
        index.clear()
        count, total = 0, uow.catalog.count()
        progress(0, total)
        products = uow.catalog.searched()
        while chunk := list(islice(products, _PAGE)):
            index.upsert([IndexEntry(v, stock.get(v[0], {})) for v in chunk])
            count += len(chunk)
            progress(count, max(total, count))
    index.commit(marks)
    return count


def catch_up(
    index: SearchIndex,
    uow_factory: DatabaseReads,
    node: str | None,
    progress: Told = _silent,
) -> int:
    """Apply what was committed since the index's marks (building it first if it never was).
    Returns the number of SKUs re-indexed (none when another process kept the index's writer
    too long: its last commit is read)."""
    with index.writing() as writer:
        return apply_changes(index, uow_factory, node, progress) if writer else 0


def holding_every_commit(
    index: SearchIndex, uow_factory: DatabaseReads, node: str | None, tries: int = 3
) -> None:
    """Bring the index up to every commit made before the call, as its writer or by reading
    another process's commit that holds them; `IndexBehind` when another process kept the
    writer through `tries` waits and its last commit is behind (never a stale read silently)."""
    for _ in range(tries):
        with index.writing() as writer:
            if writer:
                apply_changes(index, uow_factory, node)
                return
        if is_current(index, uow_factory, node):
            return
    raise IndexBehind(node or "hub", 0, 0)


def is_built(index: SearchIndex) -> bool:
    """Whether the index was ever built: a catch-up then only applies what changed since."""
    return BUILT in index.marks()


def is_current(index: SearchIndex, database: DatabaseReads, node: str | None) -> bool:
    """Whether the index's last commit (as this handle loaded it) holds every change committed
    to the database so far: a few one-row reads in a read-only unit of work, so a writer that
    holds the database (a node agent applying a long sync) is not waited for."""
    marks = index.marks()
    if BUILT not in marks:
        return False
    with database.reading() as uow:
        if uow.outbox.after(int(marks.get(OUTBOX) or 0), 1):
            return False
        if (uow.meta.get(CATALOG_MARK) or "") != marks.get(CATALOG, ""):
            return False
        return not any(
            uow.ledger.movements(n, int(marks.get(LEDGER + n) or 0), 1)
            for n in followed_nodes(uow, node)
        )


def apply_changes(
    index: SearchIndex, uow_factory: DatabaseReads, node: str | None, progress: Told = _silent
) -> int:
    """`catch_up`'s work, for a caller already inside `index.writing()` as its writer: every
    change committed before it reads the database is applied."""
    marks = index.marks()
    if BUILT not in marks:
        return _rebuild(index, uow_factory, node, progress)
    with uow_factory.reading() as uow:
        nodes = followed_nodes(uow, node)
        fresh = dict(marks)
        changed = _products_written(uow, fresh)
        changed |= _catalog_copy_changes(uow, index, fresh)
        changed |= _stock_moved(uow, nodes, fresh)
        if fresh == marks:
            return 0
        entries, gone = _entries(uow, sorted(changed), nodes)
    index.upsert(entries)
    index.delete(gone)
    index.commit(fresh)
    return len(changed)


def _products_written(uow: UnitOfWork, marks: dict[str, str]) -> set[str]:
    changed: set[str] = set()
    mark = int(marks.get(OUTBOX) or 0)
    while messages := uow.outbox.after(mark, _PAGE):
        changed.update(m.key for m in messages if m.topic == PRODUCT_TOPIC)
        mark = messages[-1].id
    marks[OUTBOX] = str(mark)
    return changed


def _catalog_copy_changes(uow: UnitOfWork, index: SearchIndex, marks: dict[str, str]) -> set[str]:
    seen = uow.meta.get(CATALOG_MARK) or ""
    if seen == marks.get(CATALOG, ""):
        return set()
    marks[CATALOG] = seen
    return index.differing(uow.catalog.all())


def _stock_moved(uow: UnitOfWork, nodes: list[str], marks: dict[str, str]) -> set[str]:
    changed: set[str] = set()
    for node in nodes:
        mark = int(marks.get(LEDGER + node) or 0)
        while movements := uow.ledger.movements(node, mark, _PAGE):
            changed.update(m.sku for m in movements)
            mark = movements[-1].seq
        marks[LEDGER + node] = str(mark)
    return changed


def _entries(
    uow: UnitOfWork, skus: list[str], nodes: list[str]
) -> tuple[list[IndexEntry], list[str]]:
    entries: list[IndexEntry] = []
    gone: list[str] = []
    followed = set(nodes)
    for sku in skus:
        product = uow.catalog.get(sku)
        if product is None:
            gone.append(sku)
            continue
        lines = uow.ledger.stock(nodes[0] if len(nodes) == 1 else None, sku)
        stock = {s.node: s.on_hand for s in lines if s.on_hand > 0 and s.node in followed}
        entries.append(IndexEntry.of(product, stock))
    return entries, gone


def _outbox_end(uow: UnitOfWork, mark: int) -> int:
    while messages := uow.outbox.after(mark, _PAGE):
        mark = messages[-1].id
    return mark


def _stock_lines(uow: UnitOfWork, nodes: list[str]) -> Iterator[tuple[str, str, int]]:
    followed = set(nodes)
    for line in uow.ledger.stock(nodes[0] if len(nodes) == 1 else None):
        if line.on_hand > 0 and line.node in followed:
            yield line.node, line.sku, line.on_hand
