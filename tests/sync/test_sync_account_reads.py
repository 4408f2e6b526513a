"""The hub's narrow account reads used by promising agree with the full ones on every storage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.domain.sync.account import NotEnoughRights
from microindex.domain.sync.allocation import SplitRate
from microindex.service import rights, sync
from tests.sync.conftest import Pair

SKUS = ("MUG-1", "TEA-1")


def _synced(pair: Pair, node: str, stock: dict[str, int]) -> None:
    for sku, quantity in stock.items():
        pair.receive(node, sku, quantity)
    sync.sync_node(pair.nodes[node], node, pair.link(node), pair.clock())


def _both_synced(pair: Pair) -> None:
    _synced(pair, "van", {"MUG-1": 10, "TEA-1": 4})
    _synced(pair, "shop", {"MUG-1": 6})


def test_held_many_equals_held_for_each_sku(pair: Pair) -> None:
    _both_synced(pair)
    with pair.hub() as uow:
        many = uow.accounts.held_many([*SKUS, "NONE-1"])
        one_by_one = {sku: uow.accounts.held(sku) for sku in SKUS}
    assert many == one_by_one
    assert set(many["MUG-1"]) == {"van", "shop"} and set(many["TEA-1"]) == {"van"}
    assert all(h > 0 for held in many.values() for h in held.values())
    assert "NONE-1" not in many


def test_held_many_of_no_skus_is_empty(pair: Pair) -> None:
    _both_synced(pair)
    with pair.hub() as uow:
        assert uow.accounts.held_many([]) == {}


def test_online_rates_equal_online_rate_for_each_sku_ordered_online(pair: Pair) -> None:
    _both_synced(pair)
    pair.order("o-1", 2)
    with pair.hub() as uow:
        many = uow.accounts.online_rates([*SKUS, "NONE-1"])
        one_by_one = {sku: uow.accounts.online_rate(sku) for sku in SKUS}
        assert uow.accounts.online_rates([]) == {}
    assert many == {"MUG-1": one_by_one["MUG-1"]}  # never ordered online: absent
    assert many["MUG-1"][0] > 0 and one_by_one["TEA-1"] == (0.0, 0.0)


def test_batched_reads_take_more_skus_than_a_statement_has_parameters(pair: Pair) -> None:
    _both_synced(pair)
    skus = [*SKUS, *(f"X-{i}" for i in range(40_000))]  # SQLite allows 32,766 parameters
    with pair.hub() as uow:
        assert set(uow.accounts.held_many(skus)) == set(SKUS)
        assert uow.accounts.online_rates(skus) == {}


def test_peer_epochs_lists_the_epoch_each_peer_was_last_heard_in(pair: Pair) -> None:
    with pair.hub() as uow:
        assert uow.accounts.peer_epochs() == {}
    _both_synced(pair)
    rights.renew_epoch(pair.hub, "epoch-2")
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    with pair.hub() as uow:
        epochs = uow.accounts.peer_epochs()
        peers = {node: uow.accounts.peer(node).epoch for node in ("van", "shop")}
    assert epochs == {"van": "epoch-2", "shop": "epoch-1"} == peers


def test_load_rights_loads_only_the_asked_skus_and_no_reservations(pair: Pair) -> None:
    _both_synced(pair)
    (node,) = pair.order("o-1", 1).record.order.parts
    with pair.hub() as uow:
        full = uow.accounts.load(node)
        narrow = uow.accounts.load_rights(node, ["MUG-1"])
    assert narrow.held == {"MUG-1": full.h("MUG-1")}
    assert set(narrow.mirror) <= {"MUG-1"}
    assert narrow.reservations == {} and narrow.requests == {}
    assert full.reservations  # the promise is there, load_rights just leaves it out


def test_reserving_through_load_rights_keeps_the_escrow(pair: Pair) -> None:
    _both_synced(pair)
    with pair.hub() as uow:
        held = uow.accounts.held_many(SKUS)
    before = held["MUG-1"]["van"]
    until = pair.clock() + timedelta(hours=1)
    with pair.hub() as uow:
        account = uow.accounts.load_rights("van", ["MUG-1"])
        account.reserve("o-1", "MUG-1", before, until)
        uow.accounts.save(account)
        uow.commit()
    with pair.hub() as uow:
        assert uow.accounts.held_many(SKUS) == {
            "MUG-1": {**held["MUG-1"], "van": 0},
            "TEA-1": held["TEA-1"],
        }
        account = uow.accounts.load_rights("van", ["MUG-1"])
        with pytest.raises(NotEnoughRights):
            account.reserve("o-2", "MUG-1", 1, until)
        reservation = uow.accounts.reservation("o-1")
    assert reservation is not None and reservation.quantity == before
    with pair.hub() as uow:
        assert uow.accounts.load("van").h("MUG-1") == 0
        assert "o-1" in uow.accounts.load("van").reservations


def test_walk_in_rates_are_kept_per_node_and_sku_and_read_for_the_skus_asked(pair: Pair) -> None:
    _both_synced(pair)
    with pair.hub() as uow:
        every = uow.accounts.walk_in_rates(["van", "shop", "nowhere"])
        asked = uow.accounts.walk_in_rates(["van", "shop"], ["TEA-1", "NONE-1"])
        assert uow.accounts.walk_in_rates(["van"], []) == {}
    assert set(every) == {"van", "shop"}  # rated at their first sync, from their history
    assert set(every["van"]) == set(SKUS) and set(every["shop"]) == {"MUG-1"}
    assert asked == {"van": {"TEA-1": every["van"]["TEA-1"]}}
    with pair.hub() as uow:
        uow.accounts.save_split_rates(
            "van", {"TEA-1": SplitRate(0.125, 0.5, 60.0), "NEW-1": SplitRate(1e-9, 0.0, 60.0)}
        )
        uow.commit()
    with pair.hub() as uow:
        van = uow.accounts.walk_in_rates(["van"])["van"]
        split = uow.accounts.split_rates("van", ["TEA-1", "NEW-1", "NONE-1"])
    assert van == {**every["van"], "TEA-1": 0.125, "NEW-1": 1e-9}
    assert split == {"TEA-1": SplitRate(0.125, 0.5, 60.0), "NEW-1": SplitRate(1e-9, 0.0, 60.0)}


def test_a_rate_reads_back_exactly_as_it_was_written(pair: Pair) -> None:
    rates = {f"S-{i}": 1 / (i + 3) / 86400 for i in range(50)}
    with pair.hub() as uow:
        uow.accounts.save_split_rates("van", {s: SplitRate(r, r, 1.5) for s, r in rates.items()})
        uow.commit()
    with pair.hub() as uow:
        assert uow.accounts.walk_in_rates(["van"]) == {"van": rates}
        split = uow.accounts.split_rates("van", rates)
    assert split == {s: SplitRate(r, r, 1.5) for s, r in rates.items()}
