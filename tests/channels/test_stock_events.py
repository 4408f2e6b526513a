"""A push's stock events are one outbox message (ADR 0046), read back as one `stock.changed`
per SKU whose on-hand moved and a `stock.sold_out` where it went from some to none, each with
its own id within the message, the same at every fan-out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from microindex.domain.channels.webhook import EventKind
from microindex.service.ports import OutboxMessage
from microindex.service.webhook_events import STOCK_TOPIC, events_in, stock_learned

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class _Outbox:
    def __init__(self) -> None:
        self.added: list[tuple[str, str, dict[str, Any]]] = []

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self.added.append((topic, key, payload))


class _Uow:
    def __init__(self) -> None:
        self.outbox = _Outbox()


def _row(seq: int, sku: str, quantity: int, kind: str) -> tuple[Any, ...]:
    return ("van", seq, sku, quantity, kind, f"2026-03-02T08:00:0{seq}+00:00", "", "", "", "")


def test_a_push_writes_one_message_read_as_an_event_per_sku_that_moved() -> None:
    uow = _Uow()
    rows = [
        _row(1, "MUG", -1, "sell"),
        _row(2, "BOWL", 5, "receive"),
        _row(3, "MUG", -1, "sell"),
        _row(4, "CUP", 2, "grant"),  # rights only: its on-hand did not move
    ]
    before, after = {"MUG": 2, "BOWL": 0, "CUP": 3}, {"MUG": 0, "BOWL": 5, "CUP": 3}
    stock_learned(uow, "van", before, after, rows, AT)  # type: ignore[arg-type]
    ((topic, key, payload),) = uow.outbox.added
    assert (topic, key) == (STOCK_TOPIC, "van#4")
    stored = OutboxMessage(7, topic, key, payload, AT)
    events = [
        (ident, kind, data["sku"], data["on_hand"], data["was"])
        for ident, kind, data in events_in(stored)
    ]
    assert events == [
        ("evt_7.1", EventKind.STOCK_CHANGED, "BOWL", 5, 0),
        ("evt_7.2", EventKind.STOCK_CHANGED, "MUG", 0, 2),
        ("evt_7.3", EventKind.SOLD_OUT, "MUG", 0, 2),
    ]
    mug = events_in(stored)[1][2]
    assert mug == {
        "node": "van", "sku": "MUG", "on_hand": 0, "was": 2, "seq": 3, "kind": "sell",
        "at": "2026-03-02T08:00:03+00:00",
    }  # fmt: skip
    assert events_in(stored) == events_in(stored)  # the same ids at every fan-out


def test_a_push_that_moved_no_on_hand_writes_no_message() -> None:
    uow = _Uow()
    stock_learned(uow, "van", {"CUP": 3}, {"CUP": 3}, [_row(1, "CUP", 2, "grant")], AT)  # type: ignore[arg-type]
    assert uow.outbox.added == []
