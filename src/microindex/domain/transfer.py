"""Stock moving between two nodes: requested → packed → in transit → received (or discrepancy);
called off before it ships, cancelled.

Each node records only what it did: the sender a transfer-out when it ships, the receiver a
transfer-in for what actually arrived. Between the two the goods belong to neither node's
on-hand; they show as in transit. What arrives different from what shipped (lost, short, or
more) is a discrepancy, recorded here, never stock at both ends.

A transfer requested for an order (`order`) carries goods the order reserved at the sender to
its pickup node: it ships exactly what was reserved, and what arrives is set aside there for
the order. It ends with its order: cancelled with it before it ships, refused a cancel of its
own while the order is open.

Packing moves no stock (the goods stay in the sender's rights until they ship), so cancelling
a requested or packed transfer moves nothing back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue

# An id a person names a transfer by, as the API's paths take it (the ids the services make
# contain ':' and '/': `popup-in:stall:2026-11-28`, `order/sender`).
IDENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,127}$"


def named(ident: str) -> str:
    """`ident` if a transfer may be called that, else InvalidValue."""
    if re.fullmatch(IDENT_PATTERN, ident) is None:
        raise InvalidValue("id", ident, "letters, digits and . _ : / - after a letter or digit")
    return ident


class TransferState(StrEnum):
    REQUESTED = "requested"
    PACKED = "packed"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    DISCREPANCY = "discrepancy"  # arrived, but not what was shipped
    CANCELLED = "cancelled"  # called off before it shipped: nothing moved


# The state each step leaves from.
_FROM = {
    TransferState.PACKED: (TransferState.REQUESTED,),
    TransferState.IN_TRANSIT: (TransferState.REQUESTED, TransferState.PACKED),
    TransferState.CANCELLED: (TransferState.REQUESTED, TransferState.PACKED),
}


@dataclass(eq=False)
class UnknownTransfer(DomainError):
    transfer: str
    code = "unknown_transfer"

    def __str__(self) -> str:
        return f"no transfer {self.transfer!r}"


@dataclass(eq=False)
class TransferRefused(DomainError):
    transfer: str
    current: str
    wanted: str
    code = "transfer_refused"

    def __str__(self) -> str:
        return f"transfer {self.transfer} is {self.current}; cannot go to {self.wanted}"


@dataclass(eq=False)
class NotCancellable(TransferRefused):
    """A cancel of a transfer whose goods already left: said as what happened to them."""

    sender: str = ""
    receiver: str = ""
    since: datetime | None = None  # when it shipped, arrived or was called off

    def __str__(self) -> str:
        when = "" if self.since is None else f" on {self.since:%Y-%m-%d %H:%M %Z}".rstrip()
        ident, there = self.transfer, self.receiver
        if self.current == TransferState.CANCELLED:
            return f"transfer {ident} was already cancelled{when}"
        if self.current == TransferState.IN_TRANSIT:
            return (
                f"transfer {ident} shipped from {self.sender}{when} and is on its way to {there}:"
                f" it can no longer be cancelled; receive it at {there} (nothing, if it is lost)"
            )
        return (
            f"transfer {ident} already arrived at {there}{when}: it can no longer be cancelled;"
            f" to send the goods back, transfer them from {there} to {self.sender}"
        )


@dataclass(eq=False)
class NotSetAside(DomainError):
    """A transfer for an order ships only what the order holds set aside at the sender."""

    transfer: str
    order: str
    sku: str
    node: str
    code = "not_set_aside"

    def __str__(self) -> str:
        return (
            f"transfer {self.transfer} carries order {self.order}, whose {self.sku} is not"
            f" set aside at {self.node} (the order ended, or the node has not synced)"
        )


@dataclass(eq=False)
class OrderStillOpen(DomainError):
    """A transfer for an order ends with the order: while it is open, cancel the order."""

    transfer: str
    order: str
    code = "order_still_open"

    def __str__(self) -> str:
        return (
            f"transfer {self.transfer} carries order {self.order}, which is still open:"
            " cancel the order, and its transfer goes with it"
        )


@dataclass(frozen=True, slots=True)
class TransferEvent:
    state: TransferState
    at: datetime
    actor: str = ""


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One SKU that arrived different from what shipped: `missing` > 0 lost, < 0 surplus."""

    sku: str
    shipped: int
    arrived: int

    @property
    def missing(self) -> int:
        return self.shipped - self.arrived


Lines = dict[str, int]


@dataclass
class Transfer:
    ident: str
    sender: str
    receiver: str
    requested: Lines
    state: TransferState = TransferState.REQUESTED
    shipped: Lines = field(default_factory=dict)
    arrived: Lines = field(default_factory=dict)
    events: list[TransferEvent] = field(default_factory=list)
    order: str | None = None  # the order whose pickup this transfer serves

    @classmethod
    def request(
        cls,
        ident: str,
        sender: str,
        receiver: str,
        lines: Mapping[str, int],
        at: datetime,
        order: str | None = None,
    ) -> Transfer:
        if sender == receiver:
            raise InvalidValue("receiver", receiver, "a transfer needs two nodes")
        if not lines or any(q <= 0 for q in lines.values()):
            raise InvalidValue("lines", str(dict(lines)), "a transfer moves positive quantities")
        made = cls(ident, sender, receiver, dict(lines), order=order)
        made.events.append(TransferEvent(TransferState.REQUESTED, at))
        return made

    def pack(self, at: datetime, actor: str = "") -> None:
        self._step(TransferState.PACKED, at, actor)

    def ship(self, at: datetime, actor: str = "", lines: Mapping[str, int] | None = None) -> Lines:
        """Ship what was packed (the request unless `lines` says otherwise): the sender's
        transfer-out quantities."""
        shipped = {s: q for s, q in (lines or self.requested).items() if q > 0}
        if not shipped:
            raise InvalidValue("lines", str(dict(lines or {})), "a shipment carries something")
        if self.order is not None and shipped != self.requested:
            raise InvalidValue(
                "lines", str(shipped), f"a transfer for order {self.order} ships what it reserved"
            )
        self._step(TransferState.IN_TRANSIT, at, actor)
        self.shipped = shipped
        return dict(shipped)

    def cancel(self, at: datetime, actor: str = "") -> None:
        """Call it off before it ships (requested or packed): nothing left the sender. Once
        it shipped, arrived or was called off, NotCancellable says which, and when."""
        self._refuse_cancel()
        self._step(TransferState.CANCELLED, at, actor)

    def _refuse_cancel(self) -> None:
        if not self.cancellable:
            since = self.events[-1].at if self.events else None
            raise NotCancellable(
                self.ident, self.state.value, TransferState.CANCELLED.value,
                self.sender, self.receiver, since,
            )  # fmt: skip

    def take_off(self, sku: str, units: int, at: datetime, actor: str = "") -> None:
        """`units` of `sku` no longer go, before it ships (gone at the sender, sent from another
        node instead): the request is cut; one left with nothing is called off."""
        self._refuse_cancel()
        left = self.requested.get(sku, 0) - units
        if units < 1 or left < 0:
            raise InvalidValue("units", str(units), f"1 to {self.requested.get(sku, 0)} of {sku}")
        kept = {s: q for s, q in {**self.requested, sku: left}.items() if q > 0}
        if not kept:  # called off whole: its record keeps what was asked
            self.cancel(at, actor)
        else:
            self.requested = kept

    @property
    def cancellable(self) -> bool:
        """Not yet shipped, nor called off."""
        return self.state in _FROM[TransferState.CANCELLED]

    def receive(self, arrived: Mapping[str, int], at: datetime, actor: str = "") -> Lines:
        """Record what arrived (nothing: lost in transit): the receiver's transfer-in
        quantities. Anything different from what shipped makes the transfer a discrepancy."""
        if self.state is not TransferState.IN_TRANSIT:
            raise TransferRefused(self.ident, self.state.value, TransferState.RECEIVED.value)
        if any(q < 0 for q in arrived.values()):
            raise InvalidValue("arrived", str(dict(arrived)), "arrivals are not negative")
        self.arrived = {s: q for s, q in arrived.items() if q > 0}
        state = TransferState.DISCREPANCY if self._differences() else TransferState.RECEIVED
        self.state = state
        self.events.append(TransferEvent(state, at, actor))
        return dict(self.arrived)

    def shortfalls(self) -> list[Shortfall]:
        """What arrived different from what shipped; nothing until it has arrived (goods on
        their way are not missing)."""
        if self.state not in (TransferState.RECEIVED, TransferState.DISCREPANCY):
            return []
        return self._differences()

    def _differences(self) -> list[Shortfall]:
        skus = sorted(set(self.shipped) | set(self.arrived))
        found = [Shortfall(s, self.shipped.get(s, 0), self.arrived.get(s, 0)) for s in skus]
        return [f for f in found if f.missing != 0]

    @property
    def in_transit(self) -> Lines:
        """What left the sender and has not reached the receiver."""
        return dict(self.shipped) if self.state is TransferState.IN_TRANSIT else {}

    def _step(self, state: TransferState, at: datetime, actor: str) -> None:
        if self.state not in _FROM[state]:
            raise TransferRefused(self.ident, self.state.value, state.value)
        self.state = state
        self.events.append(TransferEvent(state, at, actor))


def in_transit(transfers: Iterable[Transfer]) -> dict[tuple[str, str], int]:
    """Units in transit by (receiver, SKU): on neither node's shelf, expected at the receiver."""
    total: dict[tuple[str, str], int] = {}
    for transfer in transfers:
        for sku, quantity in transfer.in_transit.items():
            key = (transfer.receiver, sku)
            total[key] = total.get(key, 0) + quantity
    return total
