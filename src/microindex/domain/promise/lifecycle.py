"""An order after its promise: each node's part moves through its steps, each timestamped.

promised → picked → packed → handed over (collected, shipped or out for delivery) → delivered;
or released (the lease ran out before payment) or cancelled. A split order's parts move on
their own; the order is as far as its slowest part.

When the goods promised at a node are gone (an overdraft, a write-off or a count uncovered
their reservation), the hub re-promises them from another node (`reroute`: the line leaves
the part, a part left with nothing is `rerouted`, and the new node's part is promised, each
step with its reason) or, when no node can take them, marks the part at risk (`at_risk`).

A part whose goods travel to the pickup node (`transfer_to`) is picked at its sender, becomes
ready for pickup (packed) when the transfer arrives there, and only then is handed over, at
the pickup node.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue
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
    REROUTED = "rerouted"  # its goods were gone; another node's part took its lines over


ORDER = (Step.PROMISED, Step.CONFIRMED, Step.PICKED, Step.PACKED, Step.HANDED_OVER, Step.DELIVERED)
ENDED = frozenset({Step.RELEASED, Step.CANCELLED, Step.REROUTED})
# Pickup ends at handover (the customer collected it); deliveries and parcels at delivered.
LAST = {
    Method.PICKUP: Step.HANDED_OVER,
    Method.LOCAL_DELIVERY: Step.DELIVERED,
    Method.SHIP: Step.DELIVERED,
}
WHOLE_ORDER = "*"  # StepRefused's node for a step of every part (no node code is "*")
NO_PART = "not part of this order"  # its `current` for a node the order does not use


@dataclass(eq=False)
class StepRefused(DomainError):
    order: str
    node: str
    current: str
    wanted: str
    code = "step_refused"

    def __str__(self) -> str:
        if self.current == NO_PART:
            return f"order {self.order} has no part at {self.node}"
        where = "" if self.node == WHOLE_ORDER else f" at {self.node}"
        return f"order {self.order}{where} is {self.current}; cannot go to {self.wanted}"


@dataclass(frozen=True, slots=True)
class Event:
    order: str
    node: str
    step: Step
    at: datetime
    actor: str = ""
    note: str = ""  # why, for a step the hub took on its own (a re-promise)


@dataclass(frozen=True, slots=True)
class Part:
    node: str
    lines: tuple[tuple[str, int], ...]
    step: Step = Step.PROMISED
    ready_by: datetime | None = None
    arrives_by: datetime | None = None
    transfer_to: str | None = None  # the goods travel from `node` to the pickup node
    arrived_at: datetime | None = None  # when they reached it (ready for pickup there)
    at_risk: str = ""  # why its goods may not come: gone at the node, no other node has them


def reservation_id(order: str, node: str, sku: str) -> str:
    """The hub's reservation of an order's SKU at the node that fulfils it."""
    return f"{order}/{node}/{sku}"


def arrival_id(order: str, sender: str, receiver: str, sku: str) -> str:
    """The reservation, at the pickup node, of an order's goods that a transfer brought there."""
    return f"{order}/{sender}>{receiver}/{sku}"


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

    @property
    def nodes(self) -> frozenset[str]:
        """Every node the order is at: those of its parts and those their goods travel to."""
        sent_to = {p.transfer_to for p in self.parts.values() if p.transfer_to is not None}
        return frozenset(self.parts) | sent_to

    def collected_at(self, node: str) -> list[Part]:
        """The parts (not ended) a shopper collects at `node`: its own, and those whose goods
        travel there."""
        return [
            p
            for p in self.parts.values()
            if (p.transfer_to or p.node) == node and p.step not in ENDED
        ]

    def held_at(self, node: str) -> dict[str, tuple[str, int]]:
        """The reservations that hold, at `node`, the goods collected there: reservation ->
        (SKU, units). Its own part's at `node`; a travelled part's under its arrival there."""
        held: dict[str, tuple[str, int]] = {}
        for part in self.collected_at(node):
            held.update(self._held(part, node))
        return held

    def left(self, node: str) -> dict[str, tuple[str, int]]:
        """The reservations whose goods have left the shelf at `node` by now, to be picked from
        its ledger: reservation -> (SKU, units). Its own part's once picked (or packed, handed
        over, delivered: staff may skip a step); goods a transfer brought there once handed
        over (until then they wait there, set aside). A part whose goods travel is not picked
        at its sender: shipping its transfer takes its reservation there."""
        left: dict[str, tuple[str, int]] = {}
        for part in self.collected_at(node):
            out = Step.PICKED if part.transfer_to is None else Step.HANDED_OVER
            if ORDER.index(part.step) >= ORDER.index(out):
                left.update(self._held(part, node))
        return left

    def _held(self, part: Part, node: str) -> dict[str, tuple[str, int]]:
        """Where `part`'s goods are held at `node`, the node it is collected at: its own
        reservations, or those of their arrival there."""
        if part.transfer_to is None:
            return {reservation_id(self.ident, node, s): (s, q) for s, q in part.lines}
        return {arrival_id(self.ident, part.node, node, s): (s, q) for s, q in part.lines}

    def advance(self, node: str, step: Step, at: datetime, actor: str = "") -> list[Event]:
        """Move one node's part to `step` (forward only; confirm is optional).

        At a pickup node, handing over also hands over the parts that travelled there and
        arrived; a part still on its way cannot be handed over."""
        parts = self._parts_at(node, step)
        for part in parts:
            if step in ENDED or step is Step.PROMISED:
                raise StepRefused(self.ident, node, part.step.value, step.value)
            if part.step in ENDED or ORDER.index(step) <= ORDER.index(part.step):
                raise StepRefused(self.ident, node, part.step.value, step.value)
            if ORDER.index(step) > ORDER.index(LAST[self.method]):
                raise StepRefused(self.ident, node, part.step.value, step.value)
            if step is Step.HANDED_OVER and part.transfer_to and part.arrived_at is None:
                raise StepRefused(self.ident, node, f"on its way to {part.transfer_to}", step.value)
        return [self._record(part, step, at, actor) for part in parts]

    def arrive(self, node: str, at: datetime, actor: str = "") -> Event | None:
        """The goods of `node`'s part reached the pickup node: ready for pickup there (packed,
        unless a later step was already recorded). Returns the event, if a step was made."""
        part = self._part(node)
        if part.transfer_to is None or part.step in ENDED:
            raise StepRefused(self.ident, node, part.step.value, "arrived")
        if part.arrived_at is not None:
            return None
        part = replace(part, arrived_at=at)
        self.parts[node] = part
        if ORDER.index(part.step) >= ORDER.index(Step.PACKED):
            return None
        return self._record(part, Step.PACKED, at, actor)

    @property
    def at_risk(self) -> dict[str, str]:
        """Parts at risk, by node: why."""
        return {p.node: p.at_risk for p in self.parts.values() if p.at_risk}

    def mark_at_risk(self, node: str, reason: str) -> bool:
        """The goods of `node`'s part are gone and no other node can take them: say so.
        False when it was already said."""
        part = self._part(node)
        if part.at_risk == reason:
            return False
        self.parts[node] = replace(part, at_risk=reason)
        return True

    def cover_again(self, node: str, at: datetime, note: str, actor: str = "hub") -> Event:
        """The goods of `node`'s part at risk are set aside there again (new stock there): no
        longer at risk, still at its step (promised or confirmed), which says why."""
        part = self._part(node)
        if not part.at_risk or part.step not in (Step.PROMISED, Step.CONFIRMED):
            raise StepRefused(self.ident, node, part.step.value, part.step.value)
        return self._record(replace(part, at_risk=""), part.step, at, actor, note)

    def reroute(
        self,
        node: str,
        sku: str,
        to: Part,
        at: datetime,
        reason: str,
        actor: str = "hub",
        units: int | None = None,
    ) -> list[Event]:
        """`sku`'s line of `node`'s part (not yet picked) is promised at `to.node` instead, a
        node the order had no part at: a new part there; with `units`, only those units of
        the line move and the rest stays at `node`. A part left with no lines is rerouted.
        Both steps say why."""
        part = self._part(node)
        found = next(((s, q) for s, q in part.lines if s == sku), None)
        if found is None or part.step not in (Step.PROMISED, Step.CONFIRMED):
            raise StepRefused(self.ident, node, part.step.value, Step.REROUTED.value)
        if to.node in self.parts:
            raise StepRefused(self.ident, to.node, self.parts[to.node].step.value, "promised")
        moved = found[1] if units is None else units
        if not 0 < moved <= found[1]:
            raise InvalidValue("units", str(moved), f"1 to {found[1]} of {sku} at {node}")
        line = (sku, moved)
        kept = tuple(
            x if x[0] != sku else (sku, x[1] - moved)
            for x in part.lines
            if x[0] != sku or x[1] > moved
        )
        note = f"re-promised from {node}: {reason}"
        made: list[Event] = []
        if kept:
            self.parts[node] = replace(part, lines=kept, at_risk="")
        else:
            made.append(self._record(replace(part, at_risk=""), Step.REROUTED, at, actor, note))
        new = replace(to, lines=(line,), step=Step.PROMISED, at_risk="")
        made.append(self._record(new, Step.PROMISED, at, actor, note))
        if part.step is Step.CONFIRMED:  # paid for: it stays so
            made.append(self._record(self.parts[to.node], Step.CONFIRMED, at, actor, note))
        return made

    def end(self, step: Step, at: datetime, actor: str = "") -> list[Event]:
        """Release or cancel every part not yet handed over; returns the events."""
        if step not in ENDED:
            raise StepRefused(self.ident, WHOLE_ORDER, self.step.value, step.value)
        made = [
            self._record(part, step, at, actor)
            for part in self.parts.values()
            if part.step not in ENDED and ORDER.index(part.step) < ORDER.index(Step.HANDED_OVER)
        ]
        if not made:
            raise StepRefused(self.ident, WHOLE_ORDER, self.step.value, step.value)
        return made

    def _part(self, node: str) -> Part:
        part = self.parts.get(node)
        if part is None:
            raise StepRefused(self.ident, node, NO_PART, "")
        return part

    def _parts_at(self, node: str, step: Step) -> list[Part]:
        """The part at `node`; for a handover there, with those that travelled to it."""
        own = [self.parts[node]] if node in self.parts else []
        if step is not Step.HANDED_OVER:
            return own or [self._part(node)]
        travelled = [p for p in self.parts.values() if p.transfer_to == node]
        ready = [p for p in travelled if p.arrived_at is not None]
        return own + ready or travelled or [self._part(node)]

    def _record(self, part: Part, step: Step, at: datetime, actor: str, note: str = "") -> Event:
        self.parts[part.node] = replace(part, step=step)
        event = Event(self.ident, part.node, step, at, actor, note)
        self.events.append(event)
        return event
