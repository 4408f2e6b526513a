"""Webhook subscriptions and deliveries in the hub's SQLite file (the tables of migration 161).

Times are kept as UTC ISO text with microseconds, so that text order is time order."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from microindex.adapters.sqlite.connection import writing
from microindex.domain.channels.webhook import Delivery, DeliveryState, EventKind, Subscription

_SUB = "id, url, secret, events, created_at, after_event, removed_at"
_DELIVERY = (
    "subscription, event, kind, payload, created_at, next_at, attempts, state, last_status,"
    " last_error"
)
FAN_OUT = "fan-out"


def _text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


class SqliteWebhooks:
    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    def add(self, subscription: Subscription) -> None:
        s = subscription
        with writing(self._connection(), "webhooks") as conn:
            conn.execute(
                f"INSERT INTO webhook_subscriptions ({_SUB}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (s.id, s.url, s.secret, ",".join(sorted(s.events)), _text(s.created_at), s.after),
            )

    def remove(self, ident: str, at: datetime) -> Subscription | None:
        with writing(self._connection(), "webhooks") as conn:
            conn.execute(
                "UPDATE webhook_subscriptions SET removed_at = ?"
                " WHERE id = ? AND removed_at IS NULL",
                (_text(at), ident),
            )
            row = conn.execute(
                f"SELECT {_SUB} FROM webhook_subscriptions WHERE id = ?", (ident,)
            ).fetchone()
        return None if row is None else _subscription(row)

    def subscriptions(self, removed: bool = False) -> list[Subscription]:
        rows = self._connection().execute(
            f"SELECT {_SUB} FROM webhook_subscriptions WHERE ? OR removed_at IS NULL"
            " ORDER BY created_at, id",
            (removed,),
        )
        return [_subscription(row) for row in rows]

    def outbox_head(self) -> int:
        row = self._connection().execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
        return int(row[0])

    def mark(self) -> int:
        row = (
            self._connection()
            .execute("SELECT mark FROM webhook_marks WHERE name = ?", (FAN_OUT,))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def enqueue(self, deliveries: Sequence[Delivery], mark: int) -> int:
        with writing(self._connection(), "webhooks") as conn:
            before = conn.total_changes
            conn.executemany(
                f"INSERT INTO webhook_deliveries ({_DELIVERY})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [_row(d) for d in deliveries],
            )
            added = conn.total_changes - before
            conn.execute(
                "INSERT INTO webhook_marks (name, mark) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET mark = max(mark, excluded.mark)",
                (FAN_OUT, mark),
            )
        return added

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        rows = self._connection().execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE state = 'pending'"
            " AND next_at <= ? ORDER BY next_at, created_at, event LIMIT ?",
            (_text(now), limit),
        )
        return [_delivery(row) for row in rows]

    def update(self, delivery: Delivery) -> None:
        d = delivery
        with writing(self._connection(), "webhooks") as conn:
            conn.execute(
                "UPDATE webhook_deliveries SET next_at = ?, attempts = ?, state = ?,"
                " last_status = ?, last_error = ? WHERE subscription = ? AND event = ?",
                (
                    _text(d.next_at),
                    d.attempts,
                    d.state.value,
                    d.last_status,
                    d.last_error,
                    d.subscription,
                    d.event,
                ),
            )

    def deliveries(self, state: DeliveryState, limit: int = 100) -> list[Delivery]:
        rows = self._connection().execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE state = ?"
            " ORDER BY created_at DESC, event DESC LIMIT ?",
            (state.value, limit),
        )
        return [_delivery(row) for row in rows]

    def count(self, state: DeliveryState) -> int:
        row = (
            self._connection()
            .execute("SELECT count(*) FROM webhook_deliveries WHERE state = ?", (state.value,))
            .fetchone()
        )
        return int(row[0])


def _row(d: Delivery) -> tuple[object, ...]:
    return (
        d.subscription,
        d.event,
        d.kind.value,
        d.payload,
        _text(d.created_at),
        _text(d.next_at),
        d.attempts,
        d.state.value,
        d.last_status,
        d.last_error,
    )


def _subscription(row: tuple[object, ...]) -> Subscription:
    ident, url, secret, events, created, after, removed = row
    return Subscription(
        str(ident),
        str(url),
        str(secret),
        frozenset(EventKind(e) for e in str(events).split(",")),
        datetime.fromisoformat(str(created)),
        int(str(after)),
        datetime.fromisoformat(str(removed)) if removed is not None else None,
    )


def _delivery(row: tuple[object, ...]) -> Delivery:
    sub, event, kind, payload, created, next_at, attempts, state, status, error = row
    return Delivery(
        str(sub),
        str(event),
        EventKind(str(kind)),
        str(payload),
        datetime.fromisoformat(str(created)),
        datetime.fromisoformat(str(next_at)),
        int(str(attempts)),
        DeliveryState(str(state)),
        None if status is None else int(str(status)),
        str(error),
    )
