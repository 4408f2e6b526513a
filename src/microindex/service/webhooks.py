"""Webhooks: subscribe and unsubscribe, fan the hub's events out to subscriptions, deliver.

Events are written to the hub's outbox with the change that causes them
(`service.webhook_events`). The webhook timer (`bootstrap.hub_timers`, run once at a time
across hub processes) first fans out what the outbox gained since its mark, one delivery per
event and subscription that hears of it (added once: a fan-out repeated after a crash adds
nothing), then attempts the deliveries that are due. Each attempt is a signed POST; a 2xx
delivers, a 408/425/429/5xx or no answer is retried with exponential back-off (never sooner
than a Retry-After), anything else or too many attempts puts it on the dead-letter list.

A delivery is marked delivered only after the subscriber's 2xx, so a hub stopped between the
two sends it again after its restart: the event's id (`X-Microindex-Delivery`, and `id` in the
body) is the same every time, and a subscriber drops the ones it has had.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from microindex.domain.channels.webhook import (
    Decision,
    Delivery,
    DeliveryState,
    EventKind,
    Outcome,
    Subscription,
)
from microindex.domain.errors import DomainError
from microindex.service.ports import OutboxMessage, UnitOfWorkFactory
from microindex.service.webhook_events import events_in
from microindex.service.webhook_ports import WebhookStore

PAGE = 500  # outbox messages fanned out per transaction
BATCH = 100  # deliveries attempted per run (each POST waits at most `TIMEOUT_S`)


@dataclass(eq=False)
class UnknownSubscription(DomainError):
    subscription: str
    code = "unknown_subscription"

    def __str__(self) -> str:
        return f"no webhook subscription {self.subscription!r}"


@dataclass(frozen=True, slots=True)
class Attempted:
    """What one POST came to: the decision, and the answer's status (None: no answer)."""

    decision: Decision
    status: int | None
    error: str = ""


Post = Callable[[Subscription, Delivery, int, datetime], Attempted]


def subscribe(
    store: WebhookStore, url: str, events: Iterable[EventKind], now: datetime
) -> Subscription:
    """A new subscription with a secret of its own (shown once, to whoever subscribed: the
    subscriber checks each signature with it). It hears only of events from now on."""
    subscription = Subscription(
        f"wh_{secrets.token_hex(6)}",
        url,
        secrets.token_urlsafe(32),
        frozenset(events),
        now,
        store.outbox_head(),
    )
    store.add(subscription)
    return subscription


def unsubscribe(store: WebhookStore, ident: str, now: datetime) -> Subscription:
    """Stop it: nothing more is sent to it, and its pending deliveries are given up."""
    removed = store.remove(ident, now)
    if removed is None:
        raise UnknownSubscription(ident)
    return removed


def fan_out(hub: UnitOfWorkFactory, store: WebhookStore, now: datetime) -> int:
    """Turn the hub's new events into deliveries; returns how many were added."""
    listening = store.subscriptions()
    added, mark = 0, store.mark()
    while True:
        with hub() as uow:
            messages = uow.outbox.after(mark, PAGE)
        if not messages:
            return added
        found = [d for m in messages for d in _deliveries(m, listening, now)]
        mark = messages[-1].id
        added += store.enqueue(found, mark)


def _deliveries(
    message: OutboxMessage, listening: list[Subscription], now: datetime
) -> Iterable[Delivery]:
    for event, kind, data in events_in(message):
        body = {
            "id": event,
            "type": kind.value,
            "created_at": message.created_at.isoformat(),
            "data": data,
        }
        text = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        for subscription in listening:
            if subscription.hears(kind) and message.id > subscription.after:
                yield Delivery(subscription.id, event, kind, text, message.created_at, now)


def deliver_due(
    store: WebhookStore, post: Post, now: datetime, limit: int = BATCH
) -> list[Delivery]:
    """Attempt the deliveries due at `now` (one POST each); returns them as they ended."""
    by_id = {s.id: s for s in store.subscriptions(removed=True)}
    done: list[Delivery] = []
    for delivery in store.due(now, limit):
        subscription = by_id.get(delivery.subscription)
        if subscription is None or subscription.removed_at is not None:
            ended = replace(delivery, state=DeliveryState.DEAD, last_error="unsubscribed")
        else:
            ended = _attempted(delivery, post(subscription, delivery, delivery.attempts + 1, now))
        store.update(ended)
        done.append(ended)
    return done


def _attempted(delivery: Delivery, attempt: Attempted) -> Delivery:
    decision = attempt.decision
    tried = replace(
        delivery,
        attempts=delivery.attempts + 1,
        last_status=attempt.status,
        last_error=attempt.error[:500],
    )
    if decision.outcome is Outcome.DELIVERED:
        return replace(tried, state=DeliveryState.DELIVERED)
    if decision.outcome is Outcome.RETRY and decision.retry_at is not None:
        return replace(tried, next_at=decision.retry_at)
    return replace(tried, state=DeliveryState.DEAD)


def run(hub: UnitOfWorkFactory, store: WebhookStore, post: Post, now: datetime) -> str:
    """The webhook timer's run: fan out, then deliver what is due; says what it did."""
    added = fan_out(hub, store, now)
    ended = deliver_due(store, post, now)
    delivered = sum(1 for d in ended if d.state is DeliveryState.DELIVERED)
    dead = sum(1 for d in ended if d.state is DeliveryState.DEAD)
    return f"{added} events queued, {delivered} delivered, {dead} given up"
