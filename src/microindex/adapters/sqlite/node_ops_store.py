"""Lockers, transfers and shelf slots on the hub's SQLite file (tables of migrations 90, 93, 94)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Protocol

from microindex.adapters.sqlite.unit_of_work import SqliteTransaction
from microindex.domain.locker import Assignment, CodeGuard, Compartment, Held
from microindex.domain.product import Size
from microindex.domain.transfer import Transfer, TransferEvent, TransferState

_ASSIGNMENT = "ident, node, compartment, code_hash, salt, until, assigned_at, state, ended_at"
_TRANSFER = "ident, sender, receiver, state, lines, order_ref"


class SqliteLockers:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add_compartment(self, node: str, compartment: Compartment) -> None:
        s = compartment.inner
        self._conn.execute(
            "INSERT INTO locker_compartments VALUES (?, ?, ?, ?, ?) ON CONFLICT (node, code)"
            " DO UPDATE SET length_mm = excluded.length_mm, width_mm = excluded.width_mm,"
            " height_mm = excluded.height_mm",
            (node, compartment.code, s.length_mm, s.width_mm, s.height_mm),
        )

    def compartments(self, node: str) -> list[Compartment]:
        rows = self._conn.execute(
            "SELECT code, length_mm, width_mm, height_mm FROM locker_compartments"
            " WHERE node = ? ORDER BY code",
            (node,),
        )
        return [Compartment(code, Size(a, b, c)) for code, a, b, c in rows]

    def add(self, assignment: Assignment) -> None:
        self._conn.execute(
            f"INSERT INTO locker_assignments ({_ASSIGNMENT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _assignment_row(assignment),
        )

    def save(self, assignment: Assignment) -> None:
        self._conn.execute(
            "UPDATE locker_assignments SET state = ?, ended_at = ? WHERE ident = ? AND node = ?",
            (
                assignment.state.value,
                _text(assignment.ended_at),
                assignment.order,
                assignment.node,
            ),
        )

    def get(self, order: str, node: str) -> Assignment | None:
        row = self._conn.execute(
            f"SELECT {_ASSIGNMENT} FROM locker_assignments WHERE ident = ? AND node = ?",
            (order, node),
        ).fetchone()
        return None if row is None else _assignment(row)

    def waiting(self, node: str | None = None) -> list[Assignment]:
        rows = self._conn.execute(
            f"SELECT {_ASSIGNMENT} FROM locker_assignments WHERE state = ?"
            " AND (? IS NULL OR node = ?) ORDER BY node, compartment",
            (Held.ASSIGNED.value, node, node),
        )
        return [_assignment(row) for row in rows]

    def lapsed(self, now: datetime) -> list[Assignment]:
        return [a for a in self.waiting() if a.until < now]

    def guard(self, node: str) -> CodeGuard:
        row = self._conn.execute(
            "SELECT wrong, locked_until FROM locker_code_guards WHERE node = ?", (node,)
        ).fetchone()
        if row is None:
            return CodeGuard(node)
        wrong = tuple(datetime.fromisoformat(at) for at in json.loads(row[0]))
        return CodeGuard(node, wrong, None if row[1] is None else datetime.fromisoformat(row[1]))

    def save_guard(self, guard: CodeGuard) -> None:
        self._conn.execute(
            "INSERT INTO locker_code_guards VALUES (?, ?, ?) ON CONFLICT (node) DO UPDATE"
            " SET wrong = excluded.wrong, locked_until = excluded.locked_until",
            (
                guard.node,
                json.dumps([at.isoformat() for at in guard.wrong]),
                _text(guard.locked_until),
            ),
        )


class SqliteTransfers:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, transfer: Transfer) -> None:
        self._conn.execute(
            f"INSERT INTO transfers ({_TRANSFER}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                transfer.ident,
                transfer.sender,
                transfer.receiver,
                transfer.state.value,
                _lines(transfer),
                transfer.order,
            ),
        )
        self._events(transfer, 0)

    def save(self, transfer: Transfer) -> None:
        self._conn.execute(
            "UPDATE transfers SET state = ?, lines = ? WHERE ident = ?",
            (transfer.state.value, _lines(transfer), transfer.ident),
        )
        (stored,) = self._conn.execute(
            "SELECT count(*) FROM transfer_events WHERE ident = ?", (transfer.ident,)
        ).fetchone()
        self._events(transfer, int(stored))

    def get(self, ident: str) -> Transfer | None:
        row = self._conn.execute(
            f"SELECT {_TRANSFER} FROM transfers WHERE ident = ?", (ident,)
        ).fetchone()
        return None if row is None else self._transfer(row)

    def listed(self, state: TransferState | None = None) -> list[Transfer]:
        value = None if state is None else state.value
        rows = self._conn.execute(
            f"SELECT {_TRANSFER} FROM transfers WHERE (? IS NULL OR state = ?) ORDER BY ident",
            (value, value),
        ).fetchall()
        return [self._transfer(row) for row in rows]

    def _events(self, transfer: Transfer, stored: int) -> None:
        self._conn.executemany(
            "INSERT INTO transfer_events (ident, state, at, actor) VALUES (?, ?, ?, ?)",
            [
                (transfer.ident, e.state.value, e.at.isoformat(), e.actor)
                for e in transfer.events[stored:]
            ],
        )

    def _transfer(self, row: tuple[Any, ...]) -> Transfer:
        ident, sender, receiver, state, lines, order = row
        parsed = json.loads(lines)
        events = [
            TransferEvent(TransferState(s), datetime.fromisoformat(at), actor)
            for s, at, actor in self._conn.execute(
                "SELECT state, at, actor FROM transfer_events WHERE ident = ? ORDER BY id",
                (ident,),
            )
        ]
        return Transfer(
            ident,
            sender,
            receiver,
            parsed["requested"],
            TransferState(state),
            parsed["shipped"],
            parsed["arrived"],
            events,
            order,
        )


class SqliteShelves:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def put(self, gln: str, bin_: str, node: str, sku: str) -> None:
        self._conn.execute(
            "INSERT INTO shelf_slots VALUES (?, ?, ?, ?) ON CONFLICT (gln, bin)"
            " DO UPDATE SET node = excluded.node, sku = excluded.sku",
            (gln, bin_, node, sku),
        )

    def find(self, gln: str, bin_: str) -> tuple[str, str] | None:
        row = self._conn.execute(
            "SELECT node, sku FROM shelf_slots WHERE gln = ? AND bin = ?", (gln, bin_)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def bins(self, node: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        rows = self._conn.execute(
            "SELECT sku, bin FROM shelf_slots WHERE node = ? ORDER BY sku, bin", (node,)
        )
        for sku, bin_ in rows:
            found.setdefault(sku, []).append(bin_)
        return found


class _Connected(Protocol):
    def connection(self) -> sqlite3.Connection: ...


class SqliteNodeOps:
    """Units of work over the hub's SQLite file (migrated by the hub) for lockers, transfers
    and shelf slots."""

    def __init__(self, database: _Connected) -> None:
        self._database = database

    def __call__(self) -> SqliteNodeOpsUnitOfWork:
        return SqliteNodeOpsUnitOfWork(self._database.connection())


class SqliteNodeOpsUnitOfWork(SqliteTransaction):
    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.lockers = SqliteLockers(conn)
        self.transfers = SqliteTransfers(conn)
        self.shelves = SqliteShelves(conn)


def _text(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _lines(transfer: Transfer) -> str:
    return json.dumps(
        {"requested": transfer.requested, "shipped": transfer.shipped, "arrived": transfer.arrived},
        sort_keys=True,
    )


def _assignment_row(a: Assignment) -> tuple[Any, ...]:
    return (
        a.order,
        a.node,
        a.compartment,
        a.code_hash,
        a.salt,
        a.until.isoformat(),
        a.assigned_at.isoformat(),
        a.state.value,
        _text(a.ended_at),
    )


def _assignment(row: tuple[Any, ...]) -> Assignment:
    order, node, compartment, code_hash, salt, until, assigned, state, ended = row
    return Assignment(
        order,
        node,
        compartment,
        code_hash,
        salt,
        datetime.fromisoformat(until),
        datetime.fromisoformat(assigned),
        Held(state),
        None if ended is None else datetime.fromisoformat(ended),
    )
