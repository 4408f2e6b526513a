"""A node's stock ledger: append-only, one writer (the node), on-hand never below zero."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from microindex.domain.errors import (
    CountPositionAhead,
    InvalidValue,
    MovementConflict,
    OutOfStock,
    SequenceGap,
    WrongNode,
)
from microindex.domain.movement import Movement, MovementKind, MovementRow, Tag, movement_of

_GRANT = MovementKind.GRANT.value  # a grant moves rights, not goods


@dataclass(frozen=True, slots=True)
class CountResult:
    """What a stock count found, set against what the ledger expected at the same position."""

    node: str
    sku: str
    counted: int
    position: int
    expected: int
    adjustment: Movement | None
    deficit: int  # units the count says are gone that later movements had already taken

    @property
    def variance(self) -> int:
        return self.counted - self.expected


@dataclass
class Ledger:
    """The part of one node's ledger a use case needs: its head and the on-hand of some SKUs.

    Movements made by `record` or accepted by `replicate` are collected in `new`, and rows
    accepted by `replicate_row` in `rows`, for the store to append in the same transaction.
    """

    node: str
    head: int
    on_hand: dict[str, int]
    new: list[Movement] = field(default_factory=list)
    rows: list[MovementRow] = field(default_factory=list)

    def available(self, sku: str) -> int:
        return self.on_hand.get(sku, 0)

    def record(
        self,
        sku: str,
        kind: MovementKind,
        quantity: int,
        at: datetime,
        reference: str = "",
        actor: str = "",
        tag: Tag | None = None,
        tag_id: str = "",
    ) -> Movement:
        """Record a movement decided here, at the node: the next sequence number is ours.
        `tag` (with `tag_id`) marks an internal movement; only services set it. (The
        movement checks its own quantity, time and tag.)"""
        movement = Movement(
            self.node, self.head + 1, sku, quantity, kind, at, reference, actor, tag, tag_id
        )
        self._append(movement)
        return movement

    def replicate(self, movement: Movement, recorded: Movement | None) -> bool:
        """Accept a movement made elsewhere (a replica of this node's ledger).

        `recorded` is what the store already holds at that (node, seq), if anything. Returns
        False when the movement is already there (a replay: nothing changes).
        """
        if movement.node != self.node:
            raise WrongNode(self.node, movement.node)
        if movement.seq <= self.head:
            if recorded is not None and recorded.digest() == movement.digest():
                return False
            raise MovementConflict(movement.node, movement.seq)
        if movement.seq != self.head + 1:
            raise SequenceGap(self.node, self.head + 1, movement.seq)
        self._append(movement)
        return True

    def replicate_row(self, row: MovementRow, recorded: Movement | None) -> bool:
        """`replicate` for a row (a hub mirroring a push): the next row in sequence is taken
        as it is, into `rows`; a replay, a gap or another node's row is decided by
        `replicate`, which accepts none of them. A grant's SKU need not be loaded: it moves
        rights, not goods, and its on-hand is neither read nor set."""
        node, seq, sku, quantity, kind = row[:5]
        if seq != self.head + 1 or node != self.node:
            return self.replicate(movement_of(row), recorded)
        if kind != _GRANT:
            current = self.on_hand.get(sku, 0)
            if current + quantity < 0:
                raise OutOfStock(sku, self.node, -quantity, current)
            self.on_hand[sku] = current + quantity
        self.head = seq
        self.rows.append(row)
        return True

    def take_rows(self, rows: Sequence[MovementRow], start: int = 0) -> int:
        """`replicate_row` for `rows[start:]` as long as each is this node's next in sequence,
        in one loop (a hub mirroring a push): where it stopped, the first row not taken
        (`len(rows)` when all were). A row not taken is left to `replicate_row`, which decides a
        replay, a gap or another node's row. OutOfStock as `replicate_row` raises it, the rows
        before it taken."""
        node, on_hand, head, i = self.node, self.on_hand, self.head, start
        try:
            for i in range(start, len(rows)):  # i: where it stopped
                row = rows[i]
                if row[1] != head + 1 or row[0] != node:
                    break
                if row[4] != _GRANT:
                    sku = row[2]
                    current = on_hand.get(sku, 0)
                    if current + row[3] < 0:
                        raise OutOfStock(sku, node, -row[3], current)
                    on_hand[sku] = current + row[3]
                head += 1
            else:
                i = len(rows)
        finally:
            self.head = head
            self.rows.extend(rows[start:i])
        return i

    def count(
        self,
        sku: str,
        counted: int,
        position: int,
        expected_at_position: int,
        at: datetime,
        reference: str = "",
        actor: str = "",
    ) -> CountResult:
        """Set what was counted against the ledger at the position the count was taken.

        Movements after `position` (sales during the count) stay: the adjustment is
        counted - expected at that position. If later movements already took more than the
        count leaves, on-hand stops at zero and the shortfall is returned as a deficit.
        """
        if counted < 0:
            raise InvalidValue("counted", str(counted), "a count cannot be negative")
        if position > self.head:
            raise CountPositionAhead(self.node, position, self.head)
        wanted = counted - expected_at_position
        floor = -self.available(sku)
        adjust = max(wanted, floor)
        movement = None
        if adjust != 0:
            movement = self.record(sku, MovementKind.COUNT_ADJUST, adjust, at, reference, actor)
        return CountResult(
            self.node, sku, counted, position, expected_at_position, movement, adjust - wanted
        )

    def _append(self, movement: Movement) -> None:
        current = self.on_hand.get(movement.sku, 0)
        after = current + movement.on_hand_delta
        if after < 0:
            raise OutOfStock(movement.sku, self.node, -movement.quantity, current)
        self.on_hand[movement.sku] = after
        self.head = movement.seq
        self.new.append(movement)
