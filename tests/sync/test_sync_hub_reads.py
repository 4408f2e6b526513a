"""A sync calls the hub's database a bounded number of times, whatever the SKUs a node holds.

SQLite's trace sees each row of an `executemany` as a statement: a run of one statement text is
one call from Python (the walk-in rates of every SKU the node holds are written that way)."""

from __future__ import annotations

import re
from pathlib import Path

from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.service import rights, sync
from tests.sync.conftest import SECRETS, Pair


def _shape(statement: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\b[0-9][0-9.e+-]*", "?", statement)


def _statements_of_idle_sync(folder: Path, skus: int) -> int:
    """Statements the hub runs for a node's second sync, with nothing new, at `skus` SKUs."""
    hub = SqlitePromiseDatabase(folder / "hub.sqlite")
    nodes = {n: SqliteSyncDatabase(folder / f"{n}.sqlite") for n in SECRETS}
    for database in (hub, *nodes.values()):
        database.migrate()
    rights.renew_epoch(hub, "epoch-1")
    pair = Pair(hub, dict(nodes))
    try:
        for i in range(skus):
            pair.receive("van", f"SKU-{i:04d}", 4)
        sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        pair.order("o-1", 1, sku="SKU-0000")  # one SKU with an online rate
        for _ in range(2):  # the rights settle: the van's walk-in share goes to it
            pair.later(5)
            sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        pair.later(5)
        seen: list[str] = []
        hub.connection().set_trace_callback(seen.append)
        sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        hub.connection().set_trace_callback(None)
        shapes = [_shape(text) for text in seen]  # the trace shows the values bound
        return sum(1 for i, shape in enumerate(shapes) if i == 0 or shape != shapes[i - 1])
    finally:
        for database in (hub, *nodes.values()):
            database.close()


def test_an_idle_sync_makes_as_many_hub_database_calls_at_300_skus_as_at_30(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = _statements_of_idle_sync(tmp_path / "small", 30)
    large = _statements_of_idle_sync(tmp_path / "large", 300)
    assert large == small, (small, large)
