"""Node registry use cases at the hub."""

from __future__ import annotations

from microindex.domain.errors import DuplicateNode, UnknownNode
from microindex.domain.node import Node, time_zone
from microindex.service.ports import UnitOfWorkFactory


def add_node(uow_factory: UnitOfWorkFactory, node: Node) -> Node:
    with uow_factory() as uow:
        if uow.nodes.get(node.code.value) is not None:
            raise DuplicateNode(node.code.value)
        uow.nodes.add(node)
        uow.commit()
    return node


def set_zone(uow_factory: UnitOfWorkFactory, code: str, zone: str) -> Node:
    """Move node `code` to the IANA time zone `zone` (its hours are local times there)."""
    time_zone(zone)
    with uow_factory() as uow:
        if uow.nodes.get(code) is None:
            raise UnknownNode(code)
        uow.nodes.set_zone(code, zone)
        uow.commit()
    return get_node(uow_factory, code)


def get_node(uow_factory: UnitOfWorkFactory, code: str) -> Node:
    with uow_factory() as uow:
        node = uow.nodes.get(code)
    if node is None:
        raise UnknownNode(code)
    return node


def list_nodes(uow_factory: UnitOfWorkFactory) -> list[Node]:
    with uow_factory() as uow:
        return uow.nodes.all()
