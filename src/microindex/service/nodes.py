"""Node registry use cases at the hub."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from microindex.domain.errors import DuplicateNode
from microindex.domain.node import Node, OpeningHours
from microindex.service.known import unknown_node
from microindex.service.ports import UnitOfWorkFactory


def add_node(uow_factory: UnitOfWorkFactory, node: Node) -> Node:
    with uow_factory() as uow:
        if uow.nodes.get(node.code.value) is not None:
            raise DuplicateNode(node.code.value)
        uow.nodes.add(node)
        uow.commit()
    return node


def set_zone(uow_factory: UnitOfWorkFactory, code: str, zone: str) -> Node:
    """Move node `code` to the IANA time zone `zone` (its hours are local times there; an
    unknown zone is refused)."""
    return _change(uow_factory, code, zone=zone)


def get_node(uow_factory: UnitOfWorkFactory, code: str) -> Node:
    with uow_factory() as uow:
        node = uow.nodes.get(code)
        if node is None:
            raise unknown_node(uow, code)
    return node


def list_nodes(uow_factory: UnitOfWorkFactory) -> list[Node]:
    with uow_factory() as uow:
        return uow.nodes.all()


def set_priority(uow_factory: UnitOfWorkFactory, code: str, priority: int) -> Node:
    """The seller's ranking of the node (1 first): where two plans are otherwise as good, the
    order goes to the node ranked first; the `location_priority` rules rank by it first."""
    return _change(uow_factory, code, priority=priority)


def set_offline_gap(uow_factory: UnitOfWorkFactory, code: str, gap_s: float | None) -> Node:
    """How long the node is expected to be out of reach at a time (None: its kind's default).
    The hub sizes the node's local stock rights for it at the node's next sync."""
    return _change(uow_factory, code, offline_gap_s=gap_s)


def set_opening(
    uow_factory: UnitOfWorkFactory,
    code: str,
    hours: OpeningHours | None = None,
    pickup: bool | None = None,
) -> Node:
    """A node's opening hours and whether customers collect there (None: unchanged)."""
    node = get_node(uow_factory, code)
    fields: dict[str, Any] = {}
    if hours is not None:
        fields["opening_hours"] = hours
    if pickup is not None:
        fields["capabilities"] = replace(node.capabilities, pickup=pickup)
    return _change(uow_factory, code, **fields) if fields else node


def _change(uow_factory: UnitOfWorkFactory, code: str, **fields: Any) -> Node:
    """Node `code` with `fields` changed, checked as a new node is, and stored."""
    with uow_factory() as uow:
        node = uow.nodes.get(code)
        if node is None:
            raise unknown_node(uow, code)
        changed = replace(node, **fields)
        uow.nodes.update(changed)
        uow.commit()
    return changed
