"""Resolving a scan: which product, place or parcel it names, stock by node, the action at hand.

A scan is a Digital Link URL (from a QR code or NFC tag), or what a scanner sends for a GS1
symbol or an EAN (see `microindex.domain.gs1.scan`). Staff get the stock action that fits
(pick, receive, count, return); shoppers get the product page with local availability.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from microindex.domain.errors import DomainError
from microindex.domain.gs1.ai import gs1_date
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.scan import read_scan
from microindex.domain.product import Product
from microindex.service.ports import StockLine, UnitOfWork, UnitOfWorkFactory


class Role(StrEnum):
    STAFF = "staff"
    SHOPPER = "shopper"


class Action(StrEnum):
    PICK = "pick"
    RECEIVE = "receive"
    COUNT = "count"
    RETURN = "return"
    PRODUCT_PAGE = "product-page"


class Subject(StrEnum):
    PRODUCT = "product"
    LOCATION = "location"
    PARCEL = "parcel"
    OTHER = "other"


class ProductLookup(Protocol):
    def by_gtin(self, gtin: str) -> Product | None: ...
    def by_sku(self, sku: str) -> Product | None: ...


class StockByNode(Protocol):
    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]: ...


@dataclass(eq=False)
class UnknownGtin(DomainError):
    gtin: str
    code = "unknown_gtin"

    def __str__(self) -> str:
        return f"no product with GTIN {self.gtin} in the catalog"


@dataclass(frozen=True, slots=True)
class Resolution:
    link: DigitalLink
    subject: Subject
    action: Action | None  # the action at hand
    actions: tuple[Action, ...]  # every action that makes sense, the one at hand first
    product: Product | None = None
    stock: tuple[StockLine, ...] = ()
    expiry: date | None = None
    expired: bool = False

    @property
    def lot(self) -> str | None:
        return self.link.get("10")

    @property
    def serial(self) -> str | None:
        return self.link.get("21")


class UnitOfWorkLookup:
    """ProductLookup and StockByNode over an open unit of work's catalog and ledger."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def by_gtin(self, gtin: str) -> Product | None:
        return self._uow.catalog.by_gtin(gtin)

    def by_sku(self, sku: str) -> Product | None:
        return self._uow.catalog.get(sku)

    def skus(self) -> Iterator[str]:
        """Every SKU in the catalog (for the near misses of one that is not)."""
        return (p.sku.value for p in self._uow.catalog.all())

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]:
        return self._uow.ledger.stock(node, sku)


def resolve(
    scanned: str,
    products: ProductLookup,
    stock: StockByNode,
    role: Role,
    today: date,
    node: str | None = None,
    task: Action | None = None,
) -> Resolution:
    """What the scan names and what to do with it; `task` picks the action if it applies."""
    link = read_scan(scanned)
    if link.key.ai == "01":
        return _product(link, products, stock, role, today, node, task)
    subject = {"414": Subject.LOCATION, "00": Subject.PARCEL}.get(link.key.ai, Subject.OTHER)
    if role is Role.SHOPPER:
        return Resolution(link, subject, None, ())
    actions = {
        Subject.LOCATION: (Action.COUNT,),
        Subject.PARCEL: (Action.RECEIVE, Action.RETURN),
    }.get(subject, ())
    return Resolution(link, subject, _at_hand(actions, task), _first(actions, task))


class NodeLedgers:
    """StockByNode read from each node's own database (each node is its ledger's only writer)."""

    def __init__(self, nodes: Mapping[str, UnitOfWorkFactory]) -> None:
        self._nodes = nodes

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]:
        lines: list[StockLine] = []
        for code, database in self._nodes.items():
            if node is None or node == code:
                with database() as uow:
                    lines += uow.ledger.stock(code, sku)
        return sorted(lines, key=lambda line: (line.sku, line.node))


def resolve_scan(
    hub: UnitOfWorkFactory,
    scanned: str,
    role: Role,
    today: date,
    node: str | None = None,
    task: Action | None = None,
    nodes: Mapping[str, UnitOfWorkFactory] | None = None,
) -> Resolution:
    """Resolve against the hub's catalog; stock from `nodes`' own ledgers, else the hub's."""
    with hub() as uow:
        lookup = UnitOfWorkLookup(uow)
        stock: StockByNode = lookup if nodes is None else NodeLedgers(nodes)
        return resolve(scanned, lookup, stock, role, today, node, task)


def _product(
    link: DigitalLink,
    products: ProductLookup,
    stock: StockByNode,
    role: Role,
    today: date,
    node: str | None,
    task: Action | None,
) -> Resolution:
    gtin = link.key.value
    product = products.by_gtin(gtin)
    if product is None:
        raise UnknownGtin(gtin)
    lines = tuple(stock.stock(sku=product.sku.value))
    expiry_text = link.get("17")
    expiry = gs1_date(expiry_text, today) if expiry_text else None
    expired = expiry is not None and expiry < today
    if role is Role.SHOPPER:
        available = tuple(line for line in lines if line.on_hand > 0)
        return Resolution(
            link,
            Subject.PRODUCT,
            Action.PRODUCT_PAGE,
            (Action.PRODUCT_PAGE,),
            product,
            available,
            expiry,
            expired,
        )
    here = sum(line.on_hand for line in lines if node is None or line.node == node)
    actions: tuple[Action, ...] = (Action.RECEIVE, Action.COUNT, Action.RETURN)
    if expired:
        actions = (Action.RETURN, Action.COUNT)
    elif here > 0:
        actions = (Action.PICK, *actions)
    return Resolution(
        link,
        Subject.PRODUCT,
        _at_hand(actions, task),
        _first(actions, task),
        product,
        lines,
        expiry,
        expired,
    )


def _at_hand(actions: tuple[Action, ...], task: Action | None) -> Action | None:
    if task is not None and task in actions:
        return task
    return actions[0] if actions else None


def _first(actions: tuple[Action, ...], task: Action | None) -> tuple[Action, ...]:
    chosen = _at_hand(actions, task)
    return tuple(a for a in actions if a == chosen) + tuple(a for a in actions if a != chosen)
