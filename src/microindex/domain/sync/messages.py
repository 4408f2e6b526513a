"""What a node and the hub say to each other in one sync exchange, and who may say it.

A node pushes its new movements (a contiguous run of its own ledger) with what it has applied of
the hub's requests; the hub answers with its checkpoint, its epoch, requests addressed to the node,
catalog changes and rights advice. Every push carries a batch counter that only grows, so a
replayed push is refused even when its credential is right.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, overload

from microindex.domain.errors import DomainError
from microindex.domain.movement import Movement, MovementRow, movement_of, row_of
from microindex.domain.popup import PopUp
from microindex.domain.sync.account import Request


class MovementRows(Sequence[Movement]):
    """A push's movements as the rows a hub decoded them to (`MovementRow`): read one and it is
    built as a `Movement` then; `rows_of` hands the rows over as they are."""

    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[MovementRow]) -> None:
        self.rows = tuple(rows)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Movement: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Movement, ...]: ...
    def __getitem__(self, index: int | slice) -> Movement | tuple[Movement, ...]:
        if isinstance(index, slice):
            return tuple(movement_of(row) for row in self.rows[index])
        return movement_of(self.rows[index])

    def __iter__(self) -> Iterator[Movement]:
        return (movement_of(row) for row in self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MovementRows):
            return self.rows == other.rows
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"MovementRows({list(self)!r})"


def rows_of(movements: Sequence[Movement]) -> Sequence[MovementRow]:
    """The movements as rows: those a hub decoded as they are, others spelt out."""
    if isinstance(movements, MovementRows):
        return movements.rows
    return [row_of(m) for m in movements]


@dataclass(frozen=True, slots=True)
class AgentReport:
    """What a node's own agent says of itself with each push: its software version and the
    free space (bytes) on the filesystem of its workspace. A node whose ledger the hub's
    workspace holds sends none: the hub's own version and disk are its."""

    version: str
    disk_free: int

    def __post_init__(self) -> None:
        if not self.version or len(self.version) > 64 or not self.version.isprintable():
            raise ValueError(f"agent version {self.version[:64]!r}: 1 to 64 printable characters")
        if self.disk_free < 0:
            raise ValueError(f"free disk {self.disk_free} is negative")


@dataclass(frozen=True, slots=True)
class Push:
    node: str
    incarnation: int
    counter: int  # strictly increasing per node: a replay is refused
    epoch: str  # the hub epoch the node last saw ("" before the first reply)
    movements: Sequence[Movement]  # consecutive seqs of the node's own ledger
    head: int  # the node's ledger head when the batch was read
    requests_through: int  # the node applied the hub's requests up to this seq
    covers_requests: bool  # the movements reach the position of that request mark
    catalog_mark: int
    want: tuple[tuple[str, int], ...] = ()  # local rights needed now, per SKU (a walk-in)
    # the counter of the last push whose reply the node applied: when it is not the hub's
    # last counter, a reply was lost and the hub re-sends its whole advice, not a delta
    answered: int = 0
    agent: AgentReport | None = None  # set by an agent on its own machine (wire format 7)

    @property
    def first_seq(self) -> int:
        return self.movements[0].seq if self.movements else self.head + 1

    @property
    def complete(self) -> bool:
        """The batch reaches the node's head: the hub's view of the node is current."""
        return not self.movements or self.movements[-1].seq >= self.head


@dataclass(frozen=True, slots=True)
class Advice:
    """Rights split for one SKU at this node: keep `target_local`, sync when below `low_water`."""

    sku: str
    target_local: int
    low_water: int


@dataclass(frozen=True, slots=True)
class Reply:
    node: str
    counter: int  # echoes the push it answers: a node ignores a stale or replayed reply
    epoch: str
    acked: int  # the hub's checkpoint for this node: send from acked + 1
    requests: tuple[Request, ...] = ()
    catalog: tuple[Mapping[str, Any], ...] = ()
    catalog_mark: int = 0
    advice: tuple[Advice, ...] = ()
    next_sync_s: int = 0
    # the node's own dates when it is a pop-up (format 9), so its agent refuses to trade
    # after it closed with the hub out of reach, as the hub's edges do
    popup: PopUp | None = None
    # the hub's clock as it answered (format 10): a node reads the hub's times by it (a count
    # taken at a time), whatever its own clock says
    hub_now: datetime | None = None


class Refusal(StrEnum):
    BAD_CREDENTIAL = "bad_credential"
    REPLAY = "replay"
    OLD_INCARNATION = "old_incarnation"
    WRONG_NODE = "wrong_node"
    CONFLICT = "conflict"
    UNKNOWN_NODE = "unknown_node"
    VERSION = "unsupported_version"  # the peer speaks another wire format: upgrade the older


@dataclass(eq=False)
class PushRefused(DomainError):
    node: str
    reason: Refusal
    detail: str = ""
    code = "push_refused"

    def __str__(self) -> str:
        return f"push from {self.node!r} refused: {self.reason.value} {self.detail}".strip()


@dataclass
class Peer:
    """What the hub keeps about one node's sync: in the same transaction as the applied data."""

    node: str
    incarnation: int = 0
    counter: int = 0
    requests_through: int = 0
    last_sync_s: float = -1.0
    tau_s: float = 0.0  # EWMA of the time between successful syncs, hub clock
    overdraft: int = 0
    deficit: int = 0
    epoch: str = ""  # the hub epoch in which the hub last saw all of the node's ledger
    split_after: str = ""  # the last SKU the idle part of the rebalance reached (a cursor)
    rate_sum: float = 0.0  # walk-in plus online rates of all its SKUs, as of last_sync_s

    def admit(self, push: Push) -> None:
        """Refuse a replayed batch or one from a replaced device; else remember its counter."""
        if push.node != self.node:
            raise PushRefused(push.node, Refusal.WRONG_NODE, f"authenticated as {self.node}")
        if push.incarnation < self.incarnation:
            raise PushRefused(push.node, Refusal.OLD_INCARNATION, str(push.incarnation))
        if push.incarnation == self.incarnation and push.counter <= self.counter:
            raise PushRefused(push.node, Refusal.REPLAY, f"counter {push.counter}")
        self.incarnation, self.counter = push.incarnation, push.counter
