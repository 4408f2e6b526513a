"""The node registry, the same on every adapter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from microindex.domain.errors import DuplicateNode, InvalidValue, UnknownNode
from microindex.domain.node import OFFLINE_GAP_BY_KIND_S
from microindex.service.nodes import (
    add_node,
    get_node,
    list_nodes,
    set_offline_gap,
    set_priority,
    set_zone,
)
from microindex.service.ports import UnitOfWorkFactory

from .samples import node


def test_a_node_reads_back_with_every_field(uow_factory: UnitOfWorkFactory) -> None:
    stored = node("van-2", "Delivery van")
    with uow_factory() as uow:
        uow.nodes.add(stored)
        uow.commit()
    with uow_factory() as uow:
        assert uow.nodes.get("van-2") == stored
        assert uow.nodes.get("van-3") is None


def test_nodes_are_listed_by_code(uow_factory: UnitOfWorkFactory) -> None:
    for code in ("shop", "bench-1", "van-10", "van-2"):
        add_node(uow_factory, node(code))
    assert [n.code.value for n in list_nodes(uow_factory)] == [
        "bench-1", "shop", "van-10", "van-2",
    ]  # fmt: skip
    assert get_node(uow_factory, "shop") == node("shop")


def test_a_node_code_is_taken_once(uow_factory: UnitOfWorkFactory) -> None:
    add_node(uow_factory, node("shop"))
    with pytest.raises(DuplicateNode):
        add_node(uow_factory, node("shop", "Another shop"))
    with pytest.raises(UnknownNode):
        get_node(uow_factory, "locker")
    assert get_node(uow_factory, "shop").name == "Shopfront"


def test_a_nodes_time_zone_is_stored_and_moved_and_an_unknown_one_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_node(uow_factory, replace(node("shop"), zone="Europe/London"))
    add_node(uow_factory, node("van"))
    assert get_node(uow_factory, "shop").zone == "Europe/London"
    assert get_node(uow_factory, "van").zone == "UTC"
    assert set_zone(uow_factory, "van", "America/New_York").zone == "America/New_York"
    with pytest.raises(InvalidValue):
        set_zone(uow_factory, "van", "Mars/Olympus")
    with pytest.raises(UnknownNode):
        set_zone(uow_factory, "locker", "UTC")
    assert {n.code.value: n.zone for n in list_nodes(uow_factory)} == {
        "shop": "Europe/London", "van": "America/New_York",
    }  # fmt: skip


def test_a_nodes_expected_offline_gap_is_stored_with_it_and_defaults_by_kind(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_node(uow_factory, node("van-2", "Delivery van"))
    stored = get_node(uow_factory, "van-2")
    assert stored.offline_gap_s is None
    assert stored.expected_offline_gap_s == OFFLINE_GAP_BY_KIND_S[stored.kind]
    set_offline_gap(uow_factory, "van-2", 6 * 3600.0)
    assert get_node(uow_factory, "van-2") == replace(stored, offline_gap_s=6 * 3600.0)
    assert get_node(uow_factory, "van-2").expected_offline_gap_s == 6 * 3600.0
    set_offline_gap(uow_factory, "van-2", None)
    assert get_node(uow_factory, "van-2") == stored
    with pytest.raises(UnknownNode):
        set_offline_gap(uow_factory, "locker", 60.0)


def test_a_nodes_ranking_is_stored_with_it(uow_factory: UnitOfWorkFactory) -> None:
    add_node(uow_factory, node("van-2", "Delivery van"))
    stored = get_node(uow_factory, "van-2")
    assert stored.priority == 100
    set_priority(uow_factory, "van-2", 1)
    assert get_node(uow_factory, "van-2") == replace(stored, priority=1)
    with pytest.raises(InvalidValue, match="a priority is 1"):
        set_priority(uow_factory, "van-2", 0)
    assert get_node(uow_factory, "van-2").priority == 1
    with pytest.raises(UnknownNode):
        set_priority(uow_factory, "locker", 2)
