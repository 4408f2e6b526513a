"""Events for webhook subscribers, written to the hub's outbox in the same transaction as the
change that causes them: a node's stock as the hub learns it (`sync.receive_push`), and each
step, re-route and risk of an order (`save_order`, which every use case saving an order calls).

The webhook timer fans them out to subscriptions (`service.webhooks`, reading each message's
events with `events_in`); an event's id is its outbox position (and its place among a push's
stock events), so it is the same however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microindex.domain.channels.webhook import EventKind
from microindex.domain.movement import MovementRow
from microindex.domain.promise.lifecycle import Order, Step
from microindex.service.ports import OutboxMessage, UnitOfWork
from microindex.service.promise_ports import PromiseUnitOfWork

EVENT_TOPIC = "webhook_event"  # one event a message (`emit`)
STOCK_TOPIC = "webhook_stock"  # a push's stock events, in one message (`stock_learned`)


def emit(uow: UnitOfWork, kind: EventKind, key: str, data: dict[str, Any], at: datetime) -> None:
    uow.outbox.add(EVENT_TOPIC, key, {"type": kind.value, "data": data}, at)


def stock_learned(
    uow: UnitOfWork,
    node: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
    made: Sequence[MovementRow],
    at: datetime,
) -> None:
    """A node's push mirrored `made`: one outbox message for the push, holding each SKU whose
    on-hand moved (its on-hand, what it was, and its last movement's seq, kind and time),
    which `events_in` reads as one `stock.changed` per SKU and a `stock.sold_out` where it
    went from some to none. One row and one JSON text a push, not one a SKU (ADR 0046)."""
    last = {row[2]: row for row in made}
    changes = []
    for sku in sorted(last):
        was, now = before.get(sku, 0), after.get(sku, 0)
        if was != now:
            _, seq, _, _, kind, when = last[sku][:6]
            changes.append((sku, now, was, seq, kind, when))
    if changes:
        payload = {"node": node, "changes": changes}
        uow.outbox.add(STOCK_TOPIC, f"{node}#{made[-1][1]}", payload, at)


def events_in(message: OutboxMessage) -> list[tuple[str, EventKind, dict[str, Any]]]:
    """The webhook events an outbox message holds, in order: (id, kind, data). An event's id
    is its message's position (`evt_<id>`); a push's stock events, all in one message, are
    numbered within it (`evt_<id>.<n>`, n from 1), the same at every fan-out."""
    payload = message.payload
    if message.topic == EVENT_TOPIC:
        return [(f"evt_{message.id}", EventKind(payload["type"]), payload["data"])]
    if message.topic != STOCK_TOPIC:
        return []
    node, events = payload["node"], list[tuple[str, EventKind, dict[str, Any]]]()
    for sku, now, was, seq, kind, when in payload["changes"]:
        data = {
            "node": node,
            "sku": sku,
            "on_hand": now,
            "was": was,
            "seq": seq,
            "kind": kind,
            "at": when,
        }
        events.append((f"evt_{message.id}.{len(events) + 1}", EventKind.STOCK_CHANGED, data))
        if was > 0 >= now:
            events.append((f"evt_{message.id}.{len(events) + 1}", EventKind.SOLD_OUT, data))
    return events


def save_order(
    uow: PromiseUnitOfWork,
    order: Order,
    at: datetime,
    at_risk_before: Mapping[str, str] | None = None,
) -> None:
    """Save `order` with an event for each step it took (`order.rerouted` for a part
    re-promised elsewhere, else `order.stepped`) and, given what was at risk before, an
    `order.at_risk` for each part newly at risk."""
    steps = list(order.events)
    uow.orders.save(order)
    for event in steps:
        kind = EventKind.ORDER_REROUTED if event.step is Step.REROUTED else EventKind.ORDER_STEPPED
        data = {
            "order": event.order,
            "node": event.node,
            "step": event.step.value,
            "at": event.at.isoformat(),
            "order_step": order.step.value,
            "note": event.note,
        }
        emit(uow, kind, f"{event.order}#{event.node}#{event.step.value}", data, at)
    if at_risk_before is None:
        return
    for node, reason in sorted(order.at_risk.items()):
        if at_risk_before.get(node) != reason:
            data = {"order": order.ident, "node": node, "reason": reason, "at": at.isoformat()}
            emit(uow, EventKind.ORDER_AT_RISK, f"{order.ident}#{node}#at-risk", data, at)
