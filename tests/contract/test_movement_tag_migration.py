"""Migration 110 moves the tags the services wrote into references out to their own columns,
once, on SQLite and PostgreSQL; references a person typed stay as typed."""

from __future__ import annotations

import pytest

from microindex.adapters import movement_tags
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.movement import MovementKind, Tag

from .conftest import Databases
from .samples import AT
from .test_migrations import _migrations_module

K = MovementKind
OLD_ROWS = [  # (kind, quantity, reference as stored before the migration)
    (K.RECEIVE, 5, "delivery:note-7"),
    (K.GRANT, 3, "grant"),
    (K.GRANT, 2, "setaside:o-1/van/MUG"),
    (K.PICK, -2, "fulfil:o-1/van/MUG"),
    (K.RECEIVE, 1, "unsetaside:o-9/van/MUG"),  # a staff receipt that only reads like a tag
    (K.SELL, -2, "overdraft:till:van"),
    (K.TRANSFER_OUT, -1, "transfer:t-1"),
    (K.SELL, -1, "transfer:t-1"),  # a staff sale, likewise
    (K.GRANT, -1, "release:r-1"),
    (K.SELL, -1, "overdraft"),
]
MIGRATED = [  # (reference, tag, tag_id) after it
    ("delivery:note-7", None, ""),
    ("", Tag.GRANT, ""),
    ("", Tag.SETASIDE, "o-1/van/MUG"),
    ("", Tag.FULFIL, "o-1/van/MUG"),
    ("unsetaside:o-9/van/MUG", None, ""),
    ("till:van", Tag.OVERDRAFT, ""),
    ("", Tag.TRANSFER, "t-1"),
    ("transfer:t-1", None, ""),
    ("", Tag.RELEASE, "r-1"),
    ("", Tag.OVERDRAFT, ""),
]


def test_the_tags_services_wrote_move_to_their_own_columns_once(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = databases.open(migrate=False)
    module = _migrations_module(database)
    every = sorted(module.MIGRATIONS)
    before = [m for m in every if m[0] < movement_tags.VERSION]
    monkeypatch.setattr(module, "MIGRATIONS", before)
    database.migrate()
    conn = database.connection()
    mark = "?" if isinstance(database, SqliteDatabase) else "%s"
    at = AT.isoformat() if isinstance(database, SqliteDatabase) else AT
    insert = (
        "INSERT INTO movements (node, seq, sku, quantity, kind, at, reference, actor)"
        f" VALUES ({', '.join([mark] * 8)})"
    )
    for seq, (kind, quantity, reference) in enumerate(OLD_ROWS, 1):
        conn.execute(insert, ("van", seq, "MUG", quantity, kind.value, at, reference, ""))
    conn.commit()
    monkeypatch.setattr(module, "MIGRATIONS", every)
    assert movement_tags.VERSION in database.migrate()
    with database() as uow:
        found = uow.ledger.movements("van")
    assert [(m.reference, m.tag, m.tag_id) for m in found] == MIGRATED
    assert [(m.kind, m.quantity) for m in found] == [(k, q) for k, q, _ in OLD_ROWS]
    assert database.migrate() == []
