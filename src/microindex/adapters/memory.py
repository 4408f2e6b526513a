"""In-memory storage: the fake that service tests use, held to the same contract as SQLite."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from types import TracebackType
from typing import Any, Self

from microindex.domain.kits import Kit, KitPart
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement, MovementKind, movement_of
from microindex.domain.node import Node
from microindex.domain.popup import PopUp
from microindex.domain.product import Product
from microindex.domain.sale import KeptSale
from microindex.domain.search.searched import Searched, searched
from microindex.service.ports import (
    OutboxMessage,
    ProductFilter,
    ReadRow,
    Repeat,
    SalesHistory,
    StockLine,
    Taken,
    UnitOfWorkFactory,
)
from microindex.service.records import product_record


@dataclass
class _State:
    products: dict[str, Product] = field(default_factory=dict)
    kits: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    heads: dict[str, int] = field(default_factory=dict)
    movements: dict[tuple[str, int], Movement] = field(default_factory=dict)
    on_hand: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: list[tuple[CountResult, datetime, str]] = field(default_factory=list)
    sales: dict[tuple[str, str], KeptSale] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    popups: dict[str, PopUp] = field(default_factory=dict)


class MemoryCatalog:
    def __init__(self, state: _State) -> None:
        self._s = state

    def set_kits(self, kits: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        for kit, parts in kits.items():
            if parts:
                self._s.kits[kit] = tuple(parts)
            else:
                self._s.kits.pop(kit, None)

    def kits_among(self, skus: Iterable[str]) -> dict[str, Kit]:
        found = ((sku, self._s.kits.get(sku)) for sku in sorted(set(skus)))
        return {sku: Kit(sku, tuple(KitPart(*p) for p in parts)) for sku, parts in found if parts}

    def upsert(self, products: Sequence[Product]) -> None:
        gtins = {p.gtin: sku for sku, p in self._s.products.items() if p.gtin}
        for product in products:
            owner = gtins.get(product.gtin) if product.gtin else None
            if owner is not None and owner != product.sku.value:
                raise ValueError(f"GTIN {product.gtin} already belongs to {owner}")
            self._s.products[product.sku.value] = product
            if product.gtin:
                gtins[product.gtin] = product.sku.value

    def get(self, sku: str) -> Product | None:
        return self._s.products.get(sku)

    def by_gtin(self, gtin: str) -> Product | None:
        return next(
            (p for p in self._s.products.values() if p.gtin and p.gtin.digits == gtin), None
        )

    def all(self) -> Iterator[Product]:
        return iter([self._s.products[k] for k in sorted(self._s.products)])

    def searched(self) -> Iterator[Searched]:
        return map(searched, self.all())

    def page(self, where: ProductFilter, after: str, limit: int) -> list[Product]:
        found = (p for p in self.all() if p.sku.value > after and where.matches(p))
        return list(islice(found, limit))

    def with_handle(self, handle: str) -> list[Product]:
        return [p for p in self.all() if p.handle == handle]

    def missing(self, skus: Iterable[str]) -> set[str]:
        return {s for s in skus if s not in self._s.products}

    def gtin_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        wanted = set(gtins)
        return {
            p.gtin.digits: sku
            for sku, p in self._s.products.items()
            if p.gtin is not None and p.gtin.digits in wanted
        }

    def count(self, where: ProductFilter | None = None) -> int:
        return sum(1 for p in self._s.products.values() if where is None or where.matches(p))


class MemoryNodes:
    def __init__(self, state: _State) -> None:
        self._s = state

    def add(self, node: Node) -> None:
        if node.code.value in self._s.nodes:
            raise ValueError(f"node {node.code} exists")
        self._s.nodes[node.code.value] = node

    def update(self, node: Node) -> None:
        if node.code.value in self._s.nodes:
            self._s.nodes[node.code.value] = node

    def get(self, code: str) -> Node | None:
        return self._s.nodes.get(code)

    def all(self) -> list[Node]:
        return [self._s.nodes[k] for k in sorted(self._s.nodes)]


class MemoryLedger:
    def __init__(self, state: _State) -> None:
        self._s = state

    def head(self, node: str) -> int:
        return self._s.heads.get(node, 0)

    def load(self, node: str, skus: Iterable[str]) -> Ledger:
        on_hand = {sku: self._s.on_hand.get((node, sku), 0) for sku in skus}
        return Ledger(node, self._s.heads.get(node, 0), on_hand)

    def load_known(self, node: str, skus: Iterable[str]) -> Ledger | None:
        wanted = list(skus)
        if any(sku not in self._s.products for sku in wanted):
            return None
        return self.load(node, wanted)

    def save(self, ledger: Ledger) -> None:
        ledger.new += map(movement_of, ledger.rows)  # kept as movements here
        ledger.rows.clear()
        for m in ledger.new:
            if (m.node, m.seq) in self._s.movements:
                raise ValueError(f"movement {m.node}#{m.seq} exists")
            self._s.movements[(m.node, m.seq)] = m
            if m.kind is not MovementKind.GRANT:  # a grant's SKU need not be loaded
                self._s.on_hand[(ledger.node, m.sku)] = ledger.on_hand[m.sku]
        if ledger.new:
            self._s.heads[ledger.node] = ledger.head
        ledger.new.clear()

    def movement(self, node: str, seq: int) -> Movement | None:
        return self._s.movements.get((node, seq))

    def movements(self, node: str, after: int = 0, limit: int = 1000) -> list[Movement]:
        head = self._s.heads.get(node, 0)
        found = (self._s.movements.get((node, s)) for s in range(after + 1, head + 1))
        return [m for m in found if m is not None][:limit]

    def on_hand_at(self, node: str, sku: str, position: int) -> int:
        return sum(
            m.on_hand_delta
            for (n, seq), m in self._s.movements.items()
            if n == node and m.sku == sku and seq <= position
        )

    def sales(self, node: str) -> SalesHistory:
        mine = [m for (n, _), m in self._s.movements.items() if n == node]
        sold: dict[str, int] = {}
        for m in mine:
            if m.kind is MovementKind.SELL:
                sold[m.sku] = sold.get(m.sku, 0) - m.quantity
        times = [m.at for m in mine]
        return SalesHistory(sold, min(times, default=None), max(times, default=None))

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]:
        lines = [
            StockLine(n, s, q)
            for (n, s), q in self._s.on_hand.items()
            if (node is None or n == node) and (sku is None or s == sku)
        ]
        return sorted(lines, key=lambda line: (line.sku, line.node))

    def record_count(self, result: CountResult, at: datetime, actor: str) -> None:
        self._s.counts.append((result, at, actor))

    def kept_sale(self, node: str, key: str) -> KeptSale | None:
        return self._s.sales.get((node, key))

    def keep_sale(self, sale: KeptSale) -> None:
        if (sale.node, sale.key) in self._s.sales:
            raise ValueError(f"sale key {sale.key!r} at {sale.node} exists")
        self._s.sales[(sale.node, sale.key)] = sale

    def prune_sale_keys(self, before: datetime) -> int:
        old = [
            (sale.node, sale.key)
            for sale in self._s.sales.values()
            if (m := self._s.movements.get((sale.node, sale.last))) is not None and m.at < before
        ]
        for found in old:
            del self._s.sales[found]
        return len(old)


class MemoryOutbox:
    def __init__(self, state: _State) -> None:
        self._s = state

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self._s.outbox.append(
            OutboxMessage(len(self._s.outbox) + 1, topic, key, copy.deepcopy(payload), at)
        )

    def add_many(
        self, topic: str, messages: Iterable[tuple[str, dict[str, Any]]], at: datetime
    ) -> None:
        for key, payload in messages:
            self.add(topic, key, payload, at)

    def after(self, last_id: int, limit: int = 1000) -> list[OutboxMessage]:
        return self._s.outbox[last_id : last_id + limit]

    def of_topic(
        self, topic: str, last_id: int, limit: int = 1000
    ) -> tuple[list[OutboxMessage], int]:
        messages = [m for m in self._s.outbox[last_id:] if m.topic == topic][:limit]
        if len(messages) == limit:
            return messages, messages[-1].id
        return messages, max(last_id, len(self._s.outbox))


class MemoryMeta:
    def __init__(self, state: _State) -> None:
        self._s = state

    def get(self, key: str) -> str | None:
        return self._s.meta.get(key)

    def put(self, key: str, value: str) -> None:
        self._s.meta[key] = value


class MemoryPopUps:
    def __init__(self, state: _State) -> None:
        self._s = state

    def save(self, popup: PopUp) -> None:
        self._s.popups[popup.node] = popup

    def get(self, node: str) -> PopUp | None:
        return self._s.popups.get(node)

    def listed(self) -> list[PopUp]:
        return sorted(self._s.popups.values(), key=lambda p: (p.opens_on, p.node))


class MemoryDatabase:
    """A database in a dict. A unit of work works on a copy and swaps it in on commit."""

    def __init__(self) -> None:
        self.state = _State()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    unit_of_work = __call__

    def reading(self) -> MemoryUnitOfWork:
        """`ports.DatabaseReads.reading`: a copy, as every unit of work here."""
        return MemoryUnitOfWork(self)

    def staging(self) -> MemoryStaging:
        return MemoryStaging(self)


class MemoryUnitOfWork:
    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database
        self._work = copy.deepcopy(database.state)
        self.catalog = MemoryCatalog(self._work)
        self.nodes = MemoryNodes(self._work)
        self.ledger = MemoryLedger(self._work)
        self.outbox = MemoryOutbox(self._work)
        self.meta = MemoryMeta(self._work)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self._db.state = self._work
        self._work = copy.deepcopy(self._work)
        self.__init_views()

    def rollback(self) -> None:
        self._work = copy.deepcopy(self._db.state)
        self.__init_views()

    def __init_views(self) -> None:
        self.catalog = MemoryCatalog(self._work)
        self.nodes = MemoryNodes(self._work)
        self.ledger = MemoryLedger(self._work)
        self.outbox = MemoryOutbox(self._work)
        self.meta = MemoryMeta(self._work)


class MemoryStaging:
    """`ports.CatalogStaging` in a dict: the rows staged, read and merged through the units
    of work of any in-memory database (`MemoryDatabase`, the sync fakes)."""

    def __init__(self, database: UnitOfWorkFactory) -> None:
        self._db = database
        self._rows: dict[int, ReadRow] = {}
        self._dropped: set[int] = set()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._rows.clear()

    def stage(self, rows: Sequence[ReadRow]) -> None:
        self._rows.update((row.row, row) for row in rows)

    def repeats(self) -> list[Repeat]:
        found: list[Repeat] = []
        for what in ("sku", "gtin"):
            first: dict[str, int] = {}
            for row in sorted(self._rows.values(), key=lambda r: r.row):
                key = row.sku if what == "sku" else row.gtin
                if key is not None and first.setdefault(key, row.row) != row.row:
                    found.append(Repeat(row.row, what, key, first[key]))
        return sorted(found, key=lambda r: r.row)

    def _products(self) -> list[tuple[int, Product]]:
        return [
            (number, row.product)
            for number, row in sorted(self._rows.items())
            if row.product is not None and number not in self._dropped
        ]

    def taken(self) -> list[Taken]:
        staged = {p.sku.value for _, p in self._products()}
        with self._db() as uow:
            owners = uow.catalog.gtin_owners(p.gtin.digits for _, p in self._products() if p.gtin)
        found: list[Taken] = []
        for number, product in self._products():
            owner = owners.get(product.gtin.digits, "") if product.gtin else ""
            if owner and owner != product.sku.value and owner not in staged:
                found.append(Taken(number, str(product.gtin), owner))
        return found

    def drop(self, rows: Collection[int]) -> None:
        self._dropped.update(rows)

    def merge(self, topic: str, at: datetime, note: tuple[str, str] | None) -> tuple[int, int]:
        products = [p for _, p in self._products()]
        with self._db() as uow:
            kept = (uow.catalog.get(p.sku.value) for p in products)
            moved = [  # a GTIN the file moves off a product is free for another row of it
                replace(old, gtin=None)
                for old, p in zip(kept, products, strict=True)
                if old is not None and old.gtin is not None and old.gtin != p.gtin
            ]
            uow.catalog.upsert(moved)
            new = uow.catalog.missing(p.sku.value for p in products)
            uow.catalog.upsert(products)
            uow.outbox.add_many(topic, ((p.sku.value, product_record(p)) for p in products), at)
            if note is not None:
                uow.meta.put(*note)
            uow.commit()
        return len(new), len(products) - len(new)
