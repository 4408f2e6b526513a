"""Events for webhook subscribers, written to the hub's outbox in the same transaction as the
change that causes them: a node's stock as the hub learns it (`sync.receive_push`), and each
step, re-route and risk of an order (`save_order`, which every use case saving an order calls).

The webhook timer fans them out to subscriptions (`service.webhooks`); an event's id is its
outbox position, so it is the same however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microindex.domain.channels.webhook import EventKind
from microindex.domain.movement import MovementRow
from microindex.domain.promise.lifecycle import Order, Step
from microindex.service.ports import UnitOfWork
from microindex.service.promise_ports import PromiseUnitOfWork

EVENT_TOPIC = "webhook_event"


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
    """A node's push mirrored `made`: one `stock.changed` per SKU whose on-hand moved, and a
    `stock.sold_out` where it went from some to none."""
    last = {row[2]: row for row in made}
    events: list[tuple[str, dict[str, Any]]] = []
    for sku in sorted(last):
        was, now = before.get(sku, 0), after.get(sku, 0)
        if was == now:
            continue
        _, seq, _, _, kind, when = last[sku][:6]
        data = {
            "node": node,
            "sku": sku,
            "on_hand": now,
            "was": was,
            "seq": seq,
            "kind": kind,
            "at": when,
        }
        key = f"{node}#{seq}"
        events.append((key, {"type": EventKind.STOCK_CHANGED.value, "data": data}))
        if was > 0 >= now:
            events.append((key, {"type": EventKind.SOLD_OUT.value, "data": data}))
    uow.outbox.add_many(EVENT_TOPIC, events, at)  # one write: a push mirrors many SKUs


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
