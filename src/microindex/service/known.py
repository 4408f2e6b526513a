"""Refusing a node or a product nobody registered, in the same words at every edge (CLI,
API, staff pages, node agent), with the near misses a typo suggests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from difflib import get_close_matches
from typing import TypeVar

from microindex.domain.errors import OutOfStock, UnknownNode, UnknownSku
from microindex.domain.node import Node
from microindex.service.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")


def near(typed: str, names: Iterable[str]) -> tuple[str, ...]:
    """Up to three registered names close to `typed`, the closest first."""
    return tuple(get_close_matches(typed, list(names), n=3))


def unknown_node(uow: UnitOfWork, code: str) -> UnknownNode:
    return UnknownNode(code, near(code, (n.code.value for n in uow.nodes.all())))


def unknown_sku(uow: UnitOfWork, sku: str) -> UnknownSku:
    return UnknownSku(sku, near(sku, (p.sku.value for p in uow.catalog.all())))


def registered(by_code: Mapping[str, T], code: str) -> T:
    """What `by_code` (one entry a registered node) holds for `code`; UnknownNode, with the
    near misses, for a code no node has."""
    if code not in by_code:
        raise UnknownNode(code, near(code, by_code))
    return by_code[code]


def node_named(nodes: Iterable[Node], code: str) -> Node:
    """The node of `nodes` whose code is `code`; UnknownNode, with the near misses, if none."""
    return registered({node.code.value: node for node in nodes}, code)


def require_nodes(hub: UnitOfWorkFactory, *codes: str) -> None:
    """UnknownNode for the first of `codes` that names no registered node."""
    with hub() as uow:
        for code in codes:
            if uow.nodes.get(code) is None:
                raise unknown_node(uow, code)


def require_skus(uow_factory: UnitOfWorkFactory, skus: Iterable[str]) -> None:
    """UnknownSku for the first of `skus` (in their order) that no product in this
    database's catalog has."""
    wanted = list(skus)
    with uow_factory() as uow:
        missing = uow.catalog.missing(wanted)
        for sku in wanted:
            if sku in missing:
                raise unknown_sku(uow, sku)


@contextmanager
def products_named(uow_factory: UnitOfWorkFactory) -> Iterator[None]:
    """Nothing on hand of a SKU no product has: said as that (UnknownSku), not as a
    shortfall. The catalog is read only then, so a sale of goods in hand never waits on it."""
    try:
        yield
    except OutOfStock as short:
        if short.available == 0:
            require_skus(uow_factory, [short.sku])
        raise
