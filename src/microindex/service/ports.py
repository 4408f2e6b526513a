"""Ports: what the use cases need from storage, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from microindex.domain.kits import Kit
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement
from microindex.domain.node import Node
from microindex.domain.product import Product
from microindex.domain.sale import KeptSale
from microindex.domain.search.searched import Searched


def folded(text: str) -> str:
    """Text as the catalog's filters compare it: case-blind (Unicode casefold). Stores keep
    each product's title, SKU, category and brand folded, so that they filter with indexes."""
    return text.casefold()


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Every given condition must hold: `text` is part of the title or SKU, `category` and
    `brand` are equal, all case-blind (`folded`); `gtin` is the product's 14 digits."""

    text: str = ""
    category: str = ""
    brand: str = ""
    gtin: str = ""

    def matches(self, product: Product) -> bool:
        text = folded(self.text)
        return (
            (not text or text in folded(product.title) or text in folded(product.sku.value))
            and (not self.category or folded(product.category) == folded(self.category))
            and (not self.brand or folded(product.brand) == folded(self.brand))
            and (not self.gtin or (product.gtin is not None and product.gtin.digits == self.gtin))
        )


@dataclass(frozen=True, slots=True)
class StockLine:
    node: str
    sku: str
    on_hand: int


@dataclass(frozen=True, slots=True)
class SalesHistory:
    """A node's whole ledger in brief: units sold by SKU (sell movements), and the times of
    its earliest and latest movement of any kind (None for an empty ledger)."""

    sold: dict[str, int]
    first: datetime | None
    last: datetime | None

    @property
    def span_s(self) -> float:
        return (self.last - self.first).total_seconds() if self.first and self.last else 0.0


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    topic: str
    key: str
    payload: dict[str, Any]
    created_at: datetime


class CatalogStore(Protocol):
    def upsert(self, products: Sequence[Product]) -> None: ...
    def set_kits(self, kits: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        """The parts (SKU, quantity) of these kits, as the hub defined them (an empty list:
        no longer a kit); a node's copy, so its staff sell kits with the hub out of reach."""
        ...

    def kits_among(self, skus: Iterable[str]) -> dict[str, Kit]:
        """The kits among `skus` (by SKU), each with its parts in their stored order."""
        ...

    def get(self, sku: str) -> Product | None: ...
    def by_gtin(self, gtin: str) -> Product | None:
        """The product with this GTIN (14 digits), if any."""
        ...

    def all(self) -> Iterator[Product]: ...
    def searched(self) -> Iterator[Searched]:
        """Every product's `searched` values, in SKU order, read from its row without making
        a `Product` (a search index's build: ADR 0043)."""
        ...

    def page(self, where: ProductFilter, after: str, limit: int) -> list[Product]:
        """Up to `limit` products matching `where` whose SKUs sort after `after` (code point
        order), in SKU order: a keyset page, read through indexes."""
        ...

    def with_handle(self, handle: str) -> list[Product]:
        """The products sharing a handle (one product's variants), in SKU order."""
        ...

    def missing(self, skus: Iterable[str]) -> set[str]: ...
    def gtin_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        """The SKU each of `gtins` (14 digits) belongs to, for those some product has."""
        ...

    def count(self, where: ProductFilter | None = None) -> int: ...


class NodeRegistry(Protocol):
    def add(self, node: Node) -> None: ...
    def update(self, node: Node) -> None:
        """Replace a registered node's settings (its code stays)."""
        ...

    def get(self, code: str) -> Node | None: ...
    def all(self) -> list[Node]: ...


class LedgerStore(Protocol):
    def load(self, node: str, skus: Iterable[str]) -> Ledger:
        """The ledger's head and the on-hand of `skus`, locked for this unit of work."""
        ...

    def load_known(self, node: str, skus: Iterable[str]) -> Ledger | None:
        """`load`, if the catalog holds every one of `skus`; else None (and nothing locked).
        One statement where the store can: an append's catalog check and locking read."""
        ...

    def save(self, ledger: Ledger) -> None:
        """Append `ledger.new` and update on-hand, in the unit of work's transaction."""
        ...

    def head(self, node: str) -> int:
        """The node's last sequence number (0 before its first movement), read without
        locking: a reading unit of work may ask it."""
        ...

    def movement(self, node: str, seq: int) -> Movement | None: ...
    def movements(self, node: str, after: int = 0, limit: int = 1000) -> list[Movement]: ...
    def on_hand_at(self, node: str, sku: str, position: int) -> int: ...
    def sales(self, node: str) -> SalesHistory:
        """Summed by the store (the hub's first split of a node reads no movement rows)."""
        ...

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]: ...
    def record_count(self, result: CountResult, at: datetime, actor: str) -> None: ...
    def kept_sale(self, node: str, key: str) -> KeptSale | None:
        """The walk-in sale recorded at `node` under `key`, if one was (ADR 0058)."""
        ...

    def keep_sale(self, sale: KeptSale) -> None:
        """Keep a keyed sale beside its movements, in the unit of work's transaction."""
        ...

    def prune_sale_keys(self, before: datetime) -> int:
        """Forget the keys of sales made before `before`; how many were forgotten."""
        ...


class Outbox(Protocol):
    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None: ...
    def add_many(
        self, topic: str, messages: Iterable[tuple[str, dict[str, Any]]], at: datetime
    ) -> None:
        """`add` each (key, payload) in turn, in one statement where the store can."""
        ...

    def after(self, last_id: int, limit: int = 1000) -> list[OutboxMessage]: ...
    def of_topic(
        self, topic: str, last_id: int, limit: int = 1000
    ) -> tuple[list[OutboxMessage], int]:
        """Up to `limit` messages of one topic after `last_id`, and the id to read on from:
        past the other topics' messages too, so a reader of one topic never pages through
        the others."""
        ...


class Meta(Protocol):
    """Small named values kept with the data, such as high-water marks."""

    def get(self, key: str) -> str | None: ...
    def put(self, key: str, value: str) -> None: ...


class Transaction(Protocol):
    """What every unit of work is: a context that rolls back unless committed."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWork(Transaction, Protocol):
    @property
    def catalog(self) -> CatalogStore: ...
    @property
    def nodes(self) -> NodeRegistry: ...
    @property
    def ledger(self) -> LedgerStore: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def meta(self) -> Meta: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class DatabaseReads(UnitOfWorkFactory, Protocol):
    def reading(self) -> UnitOfWork:
        """A unit of work that only reads: a snapshot of what was committed when it began,
        which never waits for (nor holds up) a writer."""
        ...


@dataclass(frozen=True, slots=True)
class ReadRow:
    """A row of a catalog file as read: its SKU and GTIN (14 digits) where they parsed, and
    its product, or None for a bad row (whose keys still count: two rows never share one)."""

    row: int
    sku: str | None
    gtin: str | None
    product: Product | None


@dataclass(frozen=True, slots=True)
class Repeat:
    """A row whose SKU or GTIN (`key`, `what` is "sku" or "gtin") an earlier row has."""

    row: int
    what: str
    key: str
    first: int


@dataclass(frozen=True, slots=True)
class Taken:
    """A staged product whose GTIN the catalog gives to `owner`, a SKU the file leaves alone."""

    row: int
    gtin: str
    owner: str


class CatalogStaging(Protocol):
    """A catalog file's rows set aside beside the catalog, checked there, then merged into it.

    Staging holds no lock on the catalog (readers and other writers go on); only `merge` takes
    the write lock, for one transaction that writes the products and their outbox messages.
    What is staged is dropped when the context ends, merged or not."""

    def stage(self, rows: Sequence[ReadRow]) -> None: ...

    def repeats(self) -> list[Repeat]:
        """Every row whose SKU or GTIN an earlier row has, in row order, SKUs first."""
        ...

    def taken(self) -> list[Taken]:
        """Staged products whose GTIN belongs to a product the file does not stage."""
        ...

    def drop(self, rows: Collection[int]) -> None:
        """Leave these rows' products out of the merge."""
        ...

    def merge(self, topic: str, at: datetime, note: tuple[str, str] | None) -> tuple[int, int]:
        """In one transaction: upsert the staged products, add one `topic` message each (its
        `product_record`, in row order), put `note` in meta; (created, updated)."""
        ...


class CatalogHub(UnitOfWorkFactory, Protocol):
    """The hub's units of work, and staging for its catalog imports."""

    def staging(self) -> AbstractContextManager[CatalogStaging]: ...
