"""Migration 151 moves each node's walk-in rates from its peer record's JSON map into rows keyed
by node and SKU, on SQLite and PostgreSQL, keeping every rate the hub had learned."""

from __future__ import annotations

import json

import pytest

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase

from .conftest import Databases
from .test_migrations import _migrations_module

VERSION = 151
RATES = {"van": {"MUG-1": 2 / 86400, "TEA (1)": 1e-9}, "shop": {}, "locker": {"<!--x": 0.5}}


def test_an_upgraded_hub_keeps_the_walk_in_rates_it_had_learned(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = databases.open(migrate=False)
    module = _migrations_module(database)
    every = sorted(module.MIGRATIONS)
    monkeypatch.setattr(module, "MIGRATIONS", [m for m in every if m[0] < VERSION])
    database.migrate()
    conn = database.connection()
    mark = "?" if isinstance(database, SqliteDatabase) else "%s"
    for node, rates in RATES.items():
        conn.execute(
            f"INSERT INTO sync_peers VALUES ({mark}, 1, 2, 0, 1, 60.0, 600.0, 0, 0, {mark}, 'e1')",
            (node, json.dumps(rates)),
        )
    conn.commit()
    monkeypatch.setattr(module, "MIGRATIONS", every)
    assert VERSION in database.migrate()
    rows = conn.execute("SELECT node, sku, rate FROM hub_walk_in_rates").fetchall()
    peers = conn.execute("SELECT node, epoch FROM sync_peers ORDER BY node").fetchall()
    conn.rollback()
    found: dict[str, dict[str, float]] = {node: {} for node in RATES}
    for node, sku, rate in rows:
        found[node][sku] = rate
    assert found == RATES
    assert [tuple(p) for p in peers] == [("locker", "e1"), ("shop", "e1"), ("van", "e1")]
