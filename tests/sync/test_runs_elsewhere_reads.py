"""Where the hub reads a node's stock from (`ledger_of`, at every stock read over the API) is
decided from the node's last push and ledger head, not from its rights: the same answer on
every store, and a read that does not grow with the SKUs the node holds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.sync.rights import Rights
from microindex.service import sync
from microindex.service.remote_nodes import ledger_of, runs_elsewhere
from microindex.service.sync_ports import SyncUnitOfWorkFactory

from .conftest import Pair


def _sent_and_loaded(
    database: SyncUnitOfWorkFactory, node: str
) -> tuple[tuple[int, int], tuple[int, int]]:
    with database() as uow:
        side = uow.rights.load(node)
        return uow.rights.sent(node), (side.incarnation, side.counter)


def test_sent_is_the_push_position_load_gives_on_every_store(pair: Pair) -> None:
    van = pair.nodes["van"]
    for database in (van, pair.hub):
        sent, loaded = _sent_and_loaded(database, "van")
        assert sent == loaded == (1, 0)  # never synced
    pair.receive("van", "MUG-1", 5)
    sync.sync_node(van, "van", pair.link("van"), pair.later(1))
    sync.sync_node(van, "van", pair.link("van"), pair.later(1))
    sent, loaded = _sent_and_loaded(van, "van")
    assert sent == loaded
    assert sent[1] >= 2  # two pushes counted
    with van() as uow:  # a later incarnation (a node restored from a backup)
        side = uow.rights.load("van")
        uow.rights.save(replace(side, incarnation=side.incarnation + 1, counter=0))
        uow.commit()
    assert _sent_and_loaded(van, "van")[0] == (sent[0] + 1, 0)
    assert not runs_elsewhere(pair.hub, van, "van")  # this copy is the van's own ledger
    assert ledger_of(pair.hub, van, "van") is van


def test_deciding_where_to_read_does_not_read_the_nodes_rights(pair: Pair) -> None:
    van = pair.nodes["van"]
    if not isinstance(van, SqliteSyncDatabase):
        pytest.skip("the statements are read off SQLite's trace")
    with van() as uow:
        side = uow.rights.load("van")
        side.rights.update({f"SKU-{i}": Rights(local=1) for i in range(3000)})
        side.touched.update(side.rights)
        uow.rights.save(side)
        uow.commit()
    statements: list[str] = []
    van.connection().set_trace_callback(statements.append)
    try:
        assert ledger_of(pair.hub, van, "van") is van
    finally:
        van.connection().set_trace_callback(None)
    assert statements
    assert not [s for s in statements if "node_rights" in s]
