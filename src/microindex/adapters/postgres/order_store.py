"""Promised orders on PostgreSQL, in the same transaction as the hub's sync accounts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, LiteralString

from psycopg.types.json import Jsonb

from microindex.adapters.open_orders import open_idents
from microindex.adapters.postgres.connection import (
    Connection,
    Statement,
    read,
    row_statements,
    run_batch,
)
from microindex.adapters.postgres.node_ops_store import PostgresTransfers
from microindex.adapters.postgres.promise_schema import write_call
from microindex.adapters.postgres.rights_store import (
    PostgresSyncDatabase,
    PostgresSyncUnitOfWork,
)
from microindex.domain.promise.lifecycle import ENDED, Event, Order, Part, Step
from microindex.domain.promise.order import Method
from microindex.service.promise_ports import OrderRecord
from microindex.service.sync_ports import PromiseView

_OPEN_STEPS = [s.value for s in Step if s not in ENDED]
_OPEN_ORDERS: LiteralString = (
    "SELECT ident, digest, method, placed_at, promised_by, lease_until, request, why"
    " FROM orders WHERE ident = ANY(ARRAY("  # the idents first, then each order by its key
)
_OPEN_AT = {
    False: _OPEN_ORDERS + open_idents() + ")) ORDER BY ident",
    True: _OPEN_ORDERS + open_idents("%s") + ")) ORDER BY ident",
}


class PostgresOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._held: list[OrderRecord] = []  # added, written with the commit

    def get(self, ident: str) -> OrderRecord | None:
        self.flush()
        row = read(self._conn, _ORDER, (ident,)).fetchone()
        if row is None:
            return None
        return _record(ident, row, self._parts([ident]).get(ident, {}))

    def _parts(self, idents: list[str]) -> dict[str, dict[str, Part]]:
        """The parts of each of `idents`' orders, by order and node, in one read."""
        return _parts_of(self._conn.execute(_PARTS, (idents,)))

    def add(self, record: OrderRecord) -> None:
        """Held back to the commit's round trip (or the next use of the orders)."""
        self._held.append(record)

    def take_held(self) -> list[list[Any]]:
        """The orders held back, each with its parts and events, as `promise_write` takes
        them; forgotten here."""
        held, self._held = self._held, []
        return [_added(record) for record in held]

    def held_back(self) -> list[Statement]:
        """The orders held back, as one `promise_write` call (none if none is)."""
        return write_call([], [], self.take_held())

    def flush(self) -> None:
        """Write what is held back now (a use of the orders comes)."""
        if self._held:
            run_batch(self._conn, self.held_back())

    def forget(self) -> None:
        self._held.clear()

    def save(self, order: Order) -> None:
        self.flush()
        statements = _saved(order)
        if statements:
            run_batch(self._conn, statements)

    def open_at(self, node: str | None) -> list[Order]:
        self.flush()
        query = _OPEN_AT[node is not None]
        rows = self._conn.execute(query, () if node is None else (node, node)).fetchall()
        parts = self._parts([row[0] for row in rows]) if rows else {}
        found = (_record(row[0], row[1:], parts.get(row[0], {})) for row in rows)
        return [record.order for record in found if record.order.open]

    def at_risk_nodes(self) -> list[str]:
        self.flush()
        rows = self._conn.execute(
            "SELECT DISTINCT node FROM order_parts WHERE at_risk <> '' AND step = ANY(%s)"
            " ORDER BY node",
            (_OPEN_STEPS,),
        ).fetchall()
        return [node for (node,) in rows]

    def lapsed(self, now: datetime) -> list[str]:
        self.flush()
        rows = self._conn.execute(
            "SELECT o.ident FROM orders o WHERE o.lease_until <= %s AND NOT EXISTS ("
            " SELECT 1 FROM order_parts p WHERE p.ident = o.ident AND p.step <> 'promised')"
            " ORDER BY o.ident",
            (now,),
        )
        return [str(ident) for (ident,) in rows]

    def events(self, start: datetime, end: datetime) -> list[Event]:
        self.flush()
        rows = self._conn.execute(
            "SELECT ident, node, step, at, actor, note FROM order_events"
            " WHERE at >= %s AND at < %s ORDER BY id",
            (start, end),
        )
        return [Event(i, n, Step(s), a, actor, note) for i, n, s, a, actor, note in rows]

    def history(self, ident: str) -> list[Event]:
        self.flush()
        rows = self._conn.execute(
            "SELECT ident, node, step, at, actor, note FROM order_events WHERE ident = %s"
            " ORDER BY id",
            (ident,),
        )
        return [Event(i, n, Step(s), a, actor, note) for i, n, s, a, actor, note in rows]


_ORDER: LiteralString = (
    "SELECT digest, method, placed_at, promised_by, lease_until, request, why"
    " FROM orders WHERE ident = %s"
)
_PARTS: LiteralString = (
    "SELECT ident, node, lines, step, ready_by, arrives_by, transfer_to, arrived_at, at_risk"
    " FROM order_parts WHERE ident = ANY(%s::text[]) ORDER BY ident, node"
)


def _parts_of(rows: Iterable[Sequence[Any]]) -> dict[str, dict[str, Part]]:
    found: dict[str, dict[str, Part]] = {}
    for ident, node, lines, step, ready, arrives, transfer_to, arrived, at_risk in rows:
        found.setdefault(ident, {})[node] = Part(
            node,
            tuple((str(s), int(q)) for s, q in lines),
            Step(step),
            ready,
            arrives,
            transfer_to,
            arrived,
            at_risk,
        )
    return found


def _added(record: OrderRecord) -> list[Any]:
    """A new order's row for `promise_write` (the order, its parts, its events, then cleared
    from the order), times as ISO text (ADR 0036)."""
    order = record.order
    parts = [
        (
            p.node,
            [list(line) for line in p.lines],
            p.step.value,
            _iso(p.ready_by),
            _iso(p.arrives_by),
            p.transfer_to,
            _iso(p.arrived_at),
            p.at_risk,
        )
        for p in order.parts.values()
    ]
    events = [(e.node, e.step.value, e.at.isoformat(), e.actor, e.note) for e in order.events]
    order.events.clear()
    return [
        order.ident,
        record.digest,
        order.method.value,
        order.placed_at.isoformat(),
        order.promised_by.isoformat(),
        record.lease_until.isoformat(),
        record.request,
        list(record.why),
        parts,
        events,
    ]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _saved(order: Order) -> list[Statement]:
    """The order's parts as they are and its new events (cleared from the order)."""
    parts = row_statements(
        "INSERT INTO order_parts (ident, node, lines, step, ready_by, arrives_by,"
        " transfer_to, arrived_at, at_risk) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (ident, node) DO UPDATE SET step = excluded.step,"
        " arrived_at = excluded.arrived_at, lines = excluded.lines,"
        " at_risk = excluded.at_risk",
        [
            (
                order.ident,
                p.node,
                Jsonb([list(line) for line in p.lines]),
                p.step.value,
                p.ready_by,
                p.arrives_by,
                p.transfer_to,
                p.arrived_at,
                p.at_risk,
            )
            for p in order.parts.values()
        ],
    )
    events = row_statements(
        "INSERT INTO order_events (ident, node, step, at, actor, note)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        [(e.order, e.node, e.step.value, e.at, e.actor, e.note) for e in order.events],
    )
    order.events.clear()
    return [*parts, *events]


def _record(ident: str, row: Sequence[Any], parts: dict[str, Part]) -> OrderRecord:
    digest, method, placed, promised, lease, request, why = row
    order = Order(ident, Method(method), placed, promised, parts)
    return OrderRecord(order, digest, dict(request), tuple(why), lease)


class PostgresPromiseUnitOfWork(PostgresSyncUnitOfWork):
    """The hub's unit of work for promising: sync accounts, orders and the transfers they need."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.orders = PostgresOrders(conn)
        self.transfers = PostgresTransfers(conn)

    def placed_and_view(
        self, key: str, skus: Collection[str]
    ) -> tuple[OrderRecord | None, PromiseView]:
        """One call: whether the order exists and the promise's view (the BEGIN with it when
        it opens the transaction); an order that exists (a key seen before) is then read."""
        self.orders.flush()
        placed, view = self.accounts.read_view(key, skus)
        return (self.orders.get(key) if placed else None), view

    def _orders_held(self) -> list[list[Any]]:
        return self.orders.take_held()

    def _forget(self) -> None:
        super()._forget()
        self.orders.forget()


class PostgresPromiseDatabase(PostgresSyncDatabase):
    def unit_of_work(self) -> PostgresPromiseUnitOfWork:
        return PostgresPromiseUnitOfWork(self.connection())

    __call__ = unit_of_work
