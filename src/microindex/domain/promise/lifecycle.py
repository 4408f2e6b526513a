"""An order after its promise: each node's part moves through its steps, each timestamped.

promised → picked → packed → handed over (collected, shipped or out for delivery) → delivered;
or released (the lease ran out before payment) or cancelled. A split order's parts move on
their own; the order is as far as its slowest part.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError
from microindex.domain.promise.order import Method


class Step(StrEnum):
    PROMISED = "promised"
    CONFIRMED = "confirmed"  # paid: the reservation no longer expires
    PICKED = "picked"
    PACKED = "packed"
    HANDED_OVER = "handed_over"
    DELIVERED = "delivered"
    RELEASED = "released"
    CANCELLED = "cancelled"


ORDER = (Step.PROMISED, Step.CONFIRMED, Step.PICKED, Step.PACKED, Step.HANDED_OVER, Step.DELIVERED)
ENDED = frozenset({Step.RELEASED, Step.CANCELLED})
# Pickup ends at handover (the customer collected it); deliveries and parcels at delivered.
LAST = {
    Method.PICKUP: Step.HANDED_OVER,
    Method.LOCAL_DELIVERY: Step.DELIVERED,
    Method.SHIP: Step.DELIVERED,
}


@dataclass(eq=False)
class StepRefused(DomainError):
    order: str
    node: str
    current: str
    wanted: str
    code = "step_refused"

    def __str__(self) -> str:
        return f"order {self.order} at {self.node} is {self.current}; cannot go to {self.wanted}"


@dataclass(frozen=True, slots=True)
class Event:
    order: str
    node: str
    step: Step
    at: datetime
    actor: str = ""


@dataclass(frozen=True, slots=True)
class Part:
    node: str
    lines: tuple[tuple[str, int], ...]
    step: Step = Step.PROMISED
    ready_by: datetime | None = None
    arrives_by: datetime | None = None
    transfer_to: str | None = None  # the goods travel from `node` to the pickup node


@dataclass
class Order:
    ident: str
    method: Method
    placed_at: datetime
    promised_by: datetime
    parts: dict[str, Part]
    events: list[Event] = field(default_factory=list)

    @property
    def step(self) -> Step:
        steps = [part.step for part in self.parts.values()]
        live = [s for s in steps if s not in ENDED]
        if not live:
            return Step.CANCELLED if Step.CANCELLED in steps else Step.RELEASED
        return min(live, key=ORDER.index)

    @property
    def open(self) -> bool:
        return self.step not in ENDED and self.step is not LAST[self.method]

    def advance(self, node: str, step: Step, at: datetime, actor: str = "") -> Event:
        """Move one node's part to `step` (forward only; confirm is optional)."""
        part = self._part(node)
        if step in ENDED or step is Step.PROMISED:
            raise StepRefused(self.ident, node, part.step.value, step.value)
        if part.step in ENDED or ORDER.index(step) <= ORDER.index(part.step):
            raise StepRefused(self.ident, node, part.step.value, step.value)
        if ORDER.index(step) > ORDER.index(LAST[self.method]):
            raise StepRefused(self.ident, node, part.step.value, step.value)
        return self._record(part, step, at, actor)

    def end(self, step: Step, at: datetime, actor: str = "") -> list[Event]:
        """Release or cancel every part not yet handed over; returns the events."""
        if step not in ENDED:
            raise StepRefused(self.ident, "*", self.step.value, step.value)
        made = [
            self._record(part, step, at, actor)
            for part in self.parts.values()
            if part.step not in ENDED and ORDER.index(part.step) < ORDER.index(Step.HANDED_OVER)
        ]
        if not made:
            raise StepRefused(self.ident, "*", self.step.value, step.value)
        return made

    def _part(self, node: str) -> Part:
        part = self.parts.get(node)
        if part is None:
            raise StepRefused(self.ident, node, "not part of this order", "")
        return part

    def _record(self, part: Part, step: Step, at: datetime, actor: str) -> Event:
        self.parts[part.node] = replace(part, step=step)
        event = Event(self.ident, part.node, step, at, actor)
        self.events.append(event)
        return event
