"""Every microindex connection binds None as NULL and a bool as an integer, as sqlite3 does
without adapters: the ones `adapters.sqlite.connection` registers only spare the look-up."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from microindex.adapters.sqlite.connection import connect


def test_none_binds_as_null_and_a_bool_as_an_integer(tmp_path: Path) -> None:
    with closing(connect(tmp_path / "binding.sqlite")) as conn:
        conn.execute("CREATE TABLE t (a, b, c)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(None, True, False)] * 2)
        conn.execute("INSERT INTO t VALUES (:a, :b, :c)", {"a": None, "b": False, "c": True})
        rows = conn.execute("SELECT typeof(a), a, typeof(b), b, c FROM t").fetchall()
        found = conn.execute("SELECT count(*) FROM t WHERE a IS ? AND b = ?", (None, True))
        assert found.fetchone() == (2,)
    assert rows == [("null", None, "integer", 1, 0)] * 2 + [("null", None, "integer", 0, 1)]


def test_the_adapters_are_the_ones_for_none_and_bool_only() -> None:
    adapters = {kind for kind, _ in sqlite3.adapters}
    assert {type(None), bool} <= adapters
    assert not adapters & {int, float, str, bytes, bytearray}  # a base type adapted slows all
