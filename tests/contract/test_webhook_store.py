"""Webhook subscriptions and deliveries kept in the hub's database, SQLite and PostgreSQL: the
fan-out from the hub's outbox adds each event once per subscription, an attempt's outcome is
kept, and what failed for good is on the dead-letter list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.postgres.webhook_store import PostgresWebhooks
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.adapters.sqlite.webhook_store import SqliteWebhooks
from microindex.domain.channels.webhook import (
    Decision,
    Delivery,
    DeliveryState,
    EventKind,
    Outcome,
    Subscription,
)
from microindex.service import webhooks
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.webhook_events import emit
from microindex.service.webhook_ports import WebhookStore

from .conftest import POSTGRES, Databases

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ORDERS = (EventKind.ORDER_STEPPED, EventKind.ORDER_AT_RISK)


@dataclass
class Hub:
    database: UnitOfWorkFactory
    store: WebhookStore

    def event(self, kind: EventKind, key: str) -> None:
        with self.database() as uow:
            emit(uow, kind, key, {"order": key}, NOW)
            uow.commit()


@pytest.fixture(params=["sqlite", POSTGRES])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    database = databases.open()
    if isinstance(database, SqliteDatabase):
        store: WebhookStore = SqliteWebhooks(database.connection)
    else:
        store = PostgresWebhooks(database.connection)
    yield Hub(database, store)
    databases.close()


def answered(status: int, retry_in_s: float | None = None) -> webhooks.Post:
    def post(
        sub: Subscription, delivery: Delivery, attempt: int, now: datetime
    ) -> webhooks.Attempted:
        if retry_in_s is None:
            return webhooks.Attempted(
                Decision(Outcome.DELIVERED if status < 300 else Outcome.GIVE_UP), status
            )
        return webhooks.Attempted(
            Decision(Outcome.RETRY, now + timedelta(seconds=retry_in_s)), status, "busy"
        )

    return post


def test_a_subscription_hears_only_its_events_from_when_it_subscribed(hub: Hub) -> None:
    hub.event(EventKind.ORDER_STEPPED, "before")
    sub = webhooks.subscribe(hub.store, "http://127.0.0.1:9/hook", ORDERS, NOW)
    assert sub.secret and hub.store.subscriptions() == [sub]
    hub.event(EventKind.ORDER_STEPPED, "after")
    hub.event(EventKind.STOCK_CHANGED, "not-asked-for")
    assert webhooks.fan_out(hub.database, hub.store, NOW) == 1
    (queued,) = hub.store.due(NOW, 10)
    assert queued.kind is EventKind.ORDER_STEPPED and '"order":"after"' in queued.payload
    assert webhooks.fan_out(hub.database, hub.store, NOW) == 0  # the mark moved
    assert hub.store.enqueue([queued], hub.store.mark()) == 0  # a fan-out repeated adds none


def test_a_refused_attempt_waits_its_turn_and_a_later_one_delivers(hub: Hub) -> None:
    webhooks.subscribe(hub.store, "http://127.0.0.1:9/hook", ORDERS, NOW)
    hub.event(EventKind.ORDER_AT_RISK, "o-1")
    webhooks.fan_out(hub.database, hub.store, NOW)
    (tried,) = webhooks.deliver_due(hub.store, answered(503, 60), NOW)
    assert (tried.state, tried.attempts, tried.last_status) == (DeliveryState.PENDING, 1, 503)
    assert hub.store.due(NOW + timedelta(seconds=59), 10) == []
    later = NOW + timedelta(seconds=60)
    (done,) = webhooks.deliver_due(hub.store, answered(204), later)
    assert (done.state, done.attempts) == (DeliveryState.DELIVERED, 2)
    assert hub.store.due(later + timedelta(days=1), 10) == []
    assert hub.store.count(DeliveryState.DELIVERED) == 1


def test_a_delivery_given_up_or_unsubscribed_is_on_the_dead_letter_list(hub: Hub) -> None:
    gone = webhooks.subscribe(hub.store, "http://127.0.0.1:9/gone", ORDERS, NOW)
    kept = webhooks.subscribe(hub.store, "http://127.0.0.1:9/kept", ORDERS, NOW)
    hub.event(EventKind.ORDER_STEPPED, "o-2")
    assert webhooks.fan_out(hub.database, hub.store, NOW) == 2
    assert webhooks.unsubscribe(hub.store, gone.id, NOW).removed_at == NOW
    assert hub.store.subscriptions() == [kept]
    assert {s.id for s in hub.store.subscriptions(removed=True)} == {gone.id, kept.id}
    webhooks.deliver_due(hub.store, answered(410), NOW)
    dead = hub.store.deliveries(DeliveryState.DEAD)
    assert {(d.subscription, d.last_status, d.last_error) for d in dead} == {
        (gone.id, None, "unsubscribed"),
        (kept.id, 410, ""),
    }
    with pytest.raises(webhooks.UnknownSubscription):
        webhooks.unsubscribe(hub.store, "wh_nobody", NOW)
