"""Webhook subscriptions and deliveries in the hub's PostgreSQL database (migration 161), the
same as SQLite's (adapters/sqlite/webhook_store.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from microindex.adapters.postgres.connection import Connection
from microindex.domain.channels.webhook import Delivery, DeliveryState, EventKind, Subscription

_SUB = "id, url, secret, events, created_at, after_event, removed_at"
_DELIVERY = (
    "subscription, event, kind, payload, created_at, next_at, attempts, state, last_status,"
    " last_error"
)
FAN_OUT = "fan-out"


class PostgresWebhooks:
    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def add(self, subscription: Subscription) -> None:
        s = subscription
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO webhook_subscriptions ({_SUB}) VALUES (%s, %s, %s, %s, %s, %s, NULL)",
                (s.id, s.url, s.secret, sorted(s.events), s.created_at, s.after),
            )

    def remove(self, ident: str, at: datetime) -> Subscription | None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "UPDATE webhook_subscriptions SET removed_at = %s"
                " WHERE id = %s AND removed_at IS NULL",
                (at, ident),
            )
            row = conn.execute(
                f"SELECT {_SUB} FROM webhook_subscriptions WHERE id = %s", (ident,)
            ).fetchone()
        return None if row is None else _subscription(row)

    def subscriptions(self, removed: bool = False) -> list[Subscription]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                f"SELECT {_SUB} FROM webhook_subscriptions WHERE %s OR removed_at IS NULL"
                " ORDER BY created_at, id",
                (removed,),
            ).fetchall()
        return [_subscription(row) for row in rows]

    def outbox_head(self) -> int:
        return int(self._one("SELECT coalesce(max(id), 0) FROM outbox", ()))

    def mark(self) -> int:
        found = self._one("SELECT mark FROM webhook_marks WHERE name = %s", (FAN_OUT,))
        return int(found) if found is not None else 0

    def _one(self, query: str, args: tuple[Any, ...]) -> Any:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(query, args).fetchone()
        return None if row is None else row[0]

    def enqueue(self, deliveries: Sequence[Delivery], mark: int) -> int:
        conn = self._connection()
        added = 0
        with conn.transaction():
            for d in deliveries:
                added += conn.execute(
                    f"INSERT INTO webhook_deliveries ({_DELIVERY})"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    _row(d),
                ).rowcount
            conn.execute(
                "INSERT INTO webhook_marks (name, mark) VALUES (%s, %s) ON CONFLICT (name)"
                " DO UPDATE SET mark = greatest(webhook_marks.mark, excluded.mark)",
                (FAN_OUT, mark),
            )
        return added

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE state = 'pending'"
                " AND next_at <= %s ORDER BY next_at, created_at, event LIMIT %s",
                (now, limit),
            ).fetchall()
        return [_delivery(row) for row in rows]

    def update(self, delivery: Delivery) -> None:
        d = delivery
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "UPDATE webhook_deliveries SET next_at = %s, attempts = %s, state = %s,"
                " last_status = %s, last_error = %s WHERE subscription = %s AND event = %s",
                (
                    d.next_at,
                    d.attempts,
                    d.state.value,
                    d.last_status,
                    d.last_error,
                    d.subscription,
                    d.event,
                ),
            )

    def deliveries(self, state: DeliveryState, limit: int = 100) -> list[Delivery]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE state = %s"
                " ORDER BY created_at DESC, event DESC LIMIT %s",
                (state.value, limit),
            ).fetchall()
        return [_delivery(row) for row in rows]

    def count(self, state: DeliveryState) -> int:
        found = self._one(
            "SELECT count(*) FROM webhook_deliveries WHERE state = %s", (state.value,)
        )
        return int(found)


def _row(d: Delivery) -> tuple[object, ...]:
    return (
        d.subscription,
        d.event,
        d.kind.value,
        d.payload,
        d.created_at,
        d.next_at,
        d.attempts,
        d.state.value,
        d.last_status,
        d.last_error,
    )


def _subscription(row: Any) -> Subscription:
    ident, url, secret, events, created, after, removed = row
    return Subscription(
        ident, url, secret, frozenset(EventKind(e) for e in events), created, int(after), removed
    )


def _delivery(row: Any) -> Delivery:
    sub, event, kind, payload, created, next_at, attempts, state, status, error = row
    return Delivery(
        sub,
        event,
        EventKind(kind),
        payload,
        created,
        next_at,
        attempts,
        DeliveryState(state),
        status,
        error,
    )
