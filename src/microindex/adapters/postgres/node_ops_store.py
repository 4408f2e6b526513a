"""Lockers, transfers and shelf slots on the hub's PostgreSQL database (migrations 90, 93, 94)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from microindex.adapters.postgres.connection import Connected, Connection, PostgresTransaction
from microindex.domain.locker import Assignment, CodeGuard, Compartment, Held
from microindex.domain.product import Size
from microindex.domain.transfer import Transfer, TransferEvent, TransferState

_ASSIGNMENT = "ident, node, compartment, code_hash, salt, until, assigned_at, state, ended_at"
_TRANSFER = "ident, sender, receiver, state, lines, order_ref"


class PostgresLockers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_compartment(self, node: str, compartment: Compartment) -> None:
        s = compartment.inner
        self._conn.execute(
            "INSERT INTO locker_compartments VALUES (%s, %s, %s, %s, %s) ON CONFLICT (node, code)"
            " DO UPDATE SET length_mm = excluded.length_mm, width_mm = excluded.width_mm,"
            " height_mm = excluded.height_mm",
            (node, compartment.code, s.length_mm, s.width_mm, s.height_mm),
        )

    def compartments(self, node: str) -> list[Compartment]:
        rows = self._conn.execute(
            "SELECT code, length_mm, width_mm, height_mm FROM locker_compartments"
            " WHERE node = %s ORDER BY code",
            (node,),
        ).fetchall()
        return [Compartment(code, Size(a, b, c)) for code, a, b, c in rows]

    def add(self, a: Assignment) -> None:
        self._conn.execute(
            f"INSERT INTO locker_assignments ({_ASSIGNMENT})"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                a.order, a.node, a.compartment, a.code_hash, a.salt, a.until, a.assigned_at,
                a.state.value, a.ended_at,
            ),
        )  # fmt: skip

    def save(self, a: Assignment) -> None:
        self._conn.execute(
            "UPDATE locker_assignments SET state = %s, ended_at = %s"
            " WHERE ident = %s AND node = %s",
            (a.state.value, a.ended_at, a.order, a.node),
        )

    def get(self, order: str, node: str) -> Assignment | None:
        row = self._conn.execute(
            f"SELECT {_ASSIGNMENT} FROM locker_assignments WHERE ident = %s AND node = %s",
            (order, node),
        ).fetchone()
        return None if row is None else _assignment(row)

    def waiting(self, node: str | None = None) -> list[Assignment]:
        rows = self._conn.execute(
            f"SELECT {_ASSIGNMENT} FROM locker_assignments WHERE state = %s"
            " AND (%s::text IS NULL OR node = %s) ORDER BY node, compartment",
            (Held.ASSIGNED.value, node, node),
        ).fetchall()
        return [_assignment(row) for row in rows]

    def lapsed(self, now: datetime) -> list[Assignment]:
        return [a for a in self.waiting() if a.until < now]

    def guard(self, node: str) -> CodeGuard:
        self._conn.execute(
            "INSERT INTO locker_code_guards VALUES (%s, '{}', NULL) ON CONFLICT DO NOTHING",
            (node,),
        )
        row = self._conn.execute(
            "SELECT wrong, locked_until FROM locker_code_guards WHERE node = %s FOR UPDATE",
            (node,),
        ).fetchone()
        assert row is not None  # inserted above when missing
        return CodeGuard(node, tuple(row[0]), row[1])

    def save_guard(self, guard: CodeGuard) -> None:
        self._conn.execute(
            "UPDATE locker_code_guards SET wrong = %s::timestamptz[], locked_until = %s"
            " WHERE node = %s",
            (list(guard.wrong), guard.locked_until, guard.node),
        )


class PostgresTransfers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, transfer: Transfer) -> None:
        t = transfer
        self._conn.execute(
            f"INSERT INTO transfers ({_TRANSFER}) VALUES (%s, %s, %s, %s, %s, %s)",
            (t.ident, t.sender, t.receiver, t.state.value, Jsonb(_lines(t)), t.order),
        )
        self._events(t, 0)

    def save(self, transfer: Transfer) -> None:
        self._conn.execute(
            "UPDATE transfers SET state = %s, lines = %s WHERE ident = %s",
            (transfer.state.value, Jsonb(_lines(transfer)), transfer.ident),
        )
        row = self._conn.execute(
            "SELECT count(*) FROM transfer_events WHERE ident = %s", (transfer.ident,)
        ).fetchone()
        self._events(transfer, int(row[0]) if row else 0)

    def get(self, ident: str) -> Transfer | None:
        row = self._conn.execute(
            f"SELECT {_TRANSFER} FROM transfers WHERE ident = %s", (ident,)
        ).fetchone()
        return None if row is None else self._transfer(row)

    def listed(self, state: TransferState | None = None) -> list[Transfer]:
        value = None if state is None else state.value
        rows = self._conn.execute(
            f"SELECT {_TRANSFER} FROM transfers"
            " WHERE (%s::text IS NULL OR state = %s) ORDER BY ident",
            (value, value),
        ).fetchall()
        return [self._transfer(row) for row in rows]

    def _events(self, transfer: Transfer, stored: int) -> None:
        for e in transfer.events[stored:]:
            self._conn.execute(
                "INSERT INTO transfer_events (ident, state, at, actor) VALUES (%s, %s, %s, %s)",
                (transfer.ident, e.state.value, e.at, e.actor),
            )

    def _transfer(self, row: Any) -> Transfer:
        ident, sender, receiver, state, lines, order = row
        events = [
            TransferEvent(TransferState(s), at, actor)
            for s, at, actor in self._conn.execute(
                "SELECT state, at, actor FROM transfer_events WHERE ident = %s ORDER BY id",
                (ident,),
            ).fetchall()
        ]
        return Transfer(
            ident,
            sender,
            receiver,
            dict(lines["requested"]),
            TransferState(state),
            dict(lines["shipped"]),
            dict(lines["arrived"]),
            events,
            order,
        )


class PostgresShelves:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, gln: str, bin_: str, node: str, sku: str) -> None:
        self._conn.execute(
            "INSERT INTO shelf_slots VALUES (%s, %s, %s, %s) ON CONFLICT (gln, bin)"
            " DO UPDATE SET node = excluded.node, sku = excluded.sku",
            (gln, bin_, node, sku),
        )

    def find(self, gln: str, bin_: str) -> tuple[str, str] | None:
        row = self._conn.execute(
            "SELECT node, sku FROM shelf_slots WHERE gln = %s AND bin = %s", (gln, bin_)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def bins(self, node: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        rows = self._conn.execute(
            "SELECT sku, bin FROM shelf_slots WHERE node = %s ORDER BY sku, bin", (node,)
        ).fetchall()
        for sku, bin_ in rows:
            found.setdefault(str(sku), []).append(str(bin_))
        return found


class PostgresNodeOps:
    """Units of work over the hub's PostgreSQL database (migrated by the hub)."""

    def __init__(self, database: Connected) -> None:
        self._database = database

    def __call__(self) -> PostgresNodeOpsUnitOfWork:
        return PostgresNodeOpsUnitOfWork(self._database.connection())


class PostgresNodeOpsUnitOfWork(PostgresTransaction):
    """Lockers, transfers and shelves in one transaction. Two hub workers assigning the same
    compartment at once: the unique index on busy compartments refuses the second."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.lockers = PostgresLockers(conn)
        self.transfers = PostgresTransfers(conn)
        self.shelves = PostgresShelves(conn)


def _lines(transfer: Transfer) -> dict[str, dict[str, int]]:
    return {
        "requested": transfer.requested,
        "shipped": transfer.shipped,
        "arrived": transfer.arrived,
    }


def _assignment(row: Any) -> Assignment:
    order, node, compartment, code_hash, salt, until, assigned, state, ended = row
    return Assignment(
        order, node, compartment, code_hash, salt, until, assigned, Held(state), ended
    )
