"""The hub's promised orders on SQLite (`SqlitePromiseUnitOfWork.orders`)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from microindex.adapters.open_orders import open_idents
from microindex.domain.promise.lifecycle import ENDED, Event, Order, Part, Step
from microindex.domain.promise.order import Method
from microindex.service.promise_ports import OrderRecord

_OPEN_STEPS = tuple(s.value for s in Step if s not in ENDED)
_OPEN_IDENTS = open_idents()
_OPEN_IDENTS_AT = open_idents("?1")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _text(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


class SqliteOrders:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, ident: str) -> OrderRecord | None:
        row = self._conn.execute(
            "SELECT ident, digest, method, placed_at, promised_by, lease_until, request, why"
            " FROM orders WHERE ident = ?",
            (ident,),
        ).fetchone()
        if row is None:
            return None
        _, digest, method, placed, promised, lease, request, why = row
        order = Order(
            ident,
            Method(method),
            datetime.fromisoformat(placed),
            datetime.fromisoformat(promised),
            self._parts(ident),
        )
        return OrderRecord(
            order,
            digest,
            json.loads(request),
            tuple(json.loads(why)),
            datetime.fromisoformat(lease),
        )

    def _parts(self, ident: str) -> dict[str, Part]:
        rows = self._conn.execute(
            "SELECT node, lines, step, ready_by, arrives_by, transfer_to, arrived_at, at_risk"
            " FROM order_parts WHERE ident = ? ORDER BY node",
            (ident,),
        )
        return {
            node: Part(
                node,
                tuple((str(s), int(q)) for s, q in json.loads(lines)),
                Step(step),
                _time(ready),
                _time(arrives),
                transfer_to,
                _time(arrived),
                at_risk,
            )
            for node, lines, step, ready, arrives, transfer_to, arrived, at_risk in rows
        }

    def add(self, record: OrderRecord) -> None:
        order = record.order
        self._conn.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order.ident,
                record.digest,
                order.method.value,
                order.placed_at.isoformat(),
                order.promised_by.isoformat(),
                record.lease_until.isoformat(),
                json.dumps(record.request),
                json.dumps(list(record.why)),
            ),
        )
        self.save(order)

    def save(self, order: Order) -> None:
        self._conn.executemany(
            "INSERT INTO order_parts (ident, node, lines, step, ready_by, arrives_by,"
            " transfer_to, arrived_at, at_risk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (ident, node) DO UPDATE SET step = excluded.step,"
            " arrived_at = excluded.arrived_at, lines = excluded.lines, at_risk = excluded.at_risk",
            [
                (
                    order.ident,
                    p.node,
                    json.dumps(p.lines),  # as lists: [["SKU", 2]]
                    p.step.value,
                    _text(p.ready_by),
                    _text(p.arrives_by),
                    p.transfer_to,
                    _text(p.arrived_at),
                    p.at_risk,
                )
                for p in order.parts.values()
            ],
        )
        self._conn.executemany(
            "INSERT INTO order_events (ident, node, step, at, actor, note)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (e.order, e.node, e.step.value, e.at.isoformat(), e.actor, e.note)
                for e in order.events
            ],
        )
        order.events.clear()

    def open_at(self, node: str | None) -> list[Order]:
        if node is None:
            rows = self._conn.execute(_OPEN_IDENTS).fetchall()
        else:
            rows = self._conn.execute(_OPEN_IDENTS_AT, (node,)).fetchall()
        found = (self.get(ident) for (ident,) in rows)
        return [record.order for record in found if record is not None and record.order.open]

    def at_risk_nodes(self) -> list[str]:
        marks = ", ".join("?" for _ in _OPEN_STEPS)
        rows = self._conn.execute(
            f"SELECT DISTINCT node FROM order_parts WHERE at_risk <> '' AND step IN ({marks})"
            " ORDER BY node",
            _OPEN_STEPS,
        ).fetchall()
        return [node for (node,) in rows]

    def lapsed(self, now: datetime) -> list[str]:
        rows = self._conn.execute(
            "SELECT o.ident FROM orders o WHERE o.lease_until <= ? AND NOT EXISTS ("
            " SELECT 1 FROM order_parts p WHERE p.ident = o.ident AND p.step != 'promised')"
            " ORDER BY o.ident",
            (now.isoformat(),),
        )
        return [ident for (ident,) in rows]

    def events(self, start: datetime, end: datetime) -> list[Event]:
        rows = self._conn.execute(
            "SELECT ident, node, step, at, actor, note FROM order_events"
            " WHERE at >= ? AND at < ? ORDER BY id",
            (start.isoformat(), end.isoformat()),
        )
        return [_event(*row) for row in rows]

    def history(self, ident: str) -> list[Event]:
        rows = self._conn.execute(
            "SELECT ident, node, step, at, actor, note FROM order_events WHERE ident = ?"
            " ORDER BY id",
            (ident,),
        )
        return [_event(*row) for row in rows]


def _event(ident: str, node: str, step: str, at: str, actor: str, note: str) -> Event:
    return Event(ident, node, Step(step), datetime.fromisoformat(at), actor, note)
