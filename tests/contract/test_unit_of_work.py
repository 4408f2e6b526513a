"""Transactions: what a unit of work does not commit never happened, on every adapter."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from microindex.adapters.sqlite.connection import connect
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.movement import MovementKind
from microindex.service.ports import UnitOfWork, UnitOfWorkFactory

from .samples import AT, node, product


def _write_everything(uow: UnitOfWork) -> None:
    uow.catalog.upsert([product("A")])
    uow.nodes.add(node("shop"))
    ledger = uow.ledger.load("shop", ["A"])
    ledger.record("A", MovementKind.RECEIVE, 3, AT)
    uow.ledger.save(ledger)
    uow.outbox.add("topic", "key", {"n": 1}, AT)
    uow.meta.put("mark", "1")


def _assert_empty(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.catalog.count() == 0
        assert uow.nodes.all() == []
        assert uow.ledger.load("shop", ["A"]).head == 0
        assert uow.ledger.movements("shop") == []
        assert uow.ledger.stock() == []
        assert uow.outbox.after(0) == []
        assert uow.meta.get("mark") is None


def test_leaving_without_commit_leaves_no_trace(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _write_everything(uow)
    _assert_empty(uow_factory)


def test_an_error_inside_the_block_leaves_no_trace(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError), uow_factory() as uow:
        _write_everything(uow)
        raise RuntimeError("till crashed")
    _assert_empty(uow_factory)


def test_rollback_discards_and_the_unit_of_work_goes_on(
    uow_factory: UnitOfWorkFactory, request: pytest.FixtureRequest
) -> None:
    with uow_factory() as uow:
        _write_everything(uow)
        uow.rollback()
        uow.meta.put("after", "rollback")
        uow.commit()
    with uow_factory() as uow:
        assert uow.catalog.count() == 0
        assert uow.meta.get("after") == "rollback"
        assert uow.meta.get("mark") is None


def test_writes_after_a_commit_need_their_own_commit(
    uow_factory: UnitOfWorkFactory, request: pytest.FixtureRequest
) -> None:
    with uow_factory() as uow:
        uow.meta.put("first", "1")
        uow.commit()
        uow.meta.put("second", "2")
    with uow_factory() as uow:
        assert uow.meta.get("first") == "1"
        assert uow.meta.get("second") is None


def test_a_unit_of_work_sees_its_own_writes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _write_everything(uow)
        assert uow.catalog.get("A") == product("A")
        assert uow.nodes.get("shop") == node("shop")
        assert uow.ledger.load("shop", ["A"]).on_hand == {"A": 3}
        assert [m.key for m in uow.outbox.after(0)] == ["key"]
        assert uow.meta.get("mark") == "1"


def test_after_a_commit_sqlite_takes_the_write_lock_again_at_the_next_statement(
    tmp_path: Path,
) -> None:
    """The transaction after a commit begins with its first statement, so it takes the write
    lock before it reads (as at entry), and a unit of work left after its commit, as most
    are, does not hold other writers up until its exit."""
    database = SqliteDatabase(tmp_path / "db.sqlite")
    other = connect(tmp_path / "db.sqlite")
    try:
        database.migrate()
        other.execute("PRAGMA busy_timeout = 0")
        with database() as uow:
            uow.meta.put("first", "1")
            uow.commit()
            other.execute("BEGIN IMMEDIATE")  # not held up: nothing ran since the commit
            other.execute("ROLLBACK")
            assert uow.meta.get("first") == "1"
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            uow.meta.put("second", "2")
        other.execute("BEGIN IMMEDIATE")
        assert other.execute(
            "SELECT key FROM meta WHERE key IN ('first', 'second')"
        ).fetchall() == [("first",)]
        other.execute("ROLLBACK")
    finally:
        other.close()
        database.close()
