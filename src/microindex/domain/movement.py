"""One line of a node's stock ledger.

A movement carries two kinds of text: `reference` and `actor`, typed by a person and kept as
typed, never read as state; and an internal `tag` with its `tag_id`, set only by the
services that make internal movements (a rights move, an order's pick, a transfer's step), which
the rights fold and the repeated-step checks read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import itemgetter

from microindex.domain.errors import InvalidValue


class MovementKind(StrEnum):
    RECEIVE = "receive"
    SELL = "sell"
    PICK = "pick"
    TRANSFER_OUT = "transfer-out"
    TRANSFER_IN = "transfer-in"
    COUNT_ADJUST = "count-adjust"
    RETURN_RESTOCK = "return-restock"
    WRITE_OFF = "write-off"
    GRANT = "grant"


class Tag(StrEnum):
    """What an internal movement is for, set only by the service that makes it, with the id it
    is for (`Movement.tag_id`): never read from the reference a person types."""

    GRANT = "grant"  # L -> G
    RELEASE = "release"  # G -> L, for the hub's release request
    SETASIDE = "setaside"  # G -> A (or goods arriving into A), for a hub reservation
    UNSETASIDE = "unsetaside"  # A -> G, the hub's cancel or expiry of a reservation
    FULFIL = "fulfil"  # a reservation's goods leave the node (pick, or sent for the order)
    HOLD = "hold"  # L -> U
    UNHOLD = "unhold"  # U -> L
    OVERDRAFT = "overdraft"  # a walk-in sale beyond local rights, approved by the staff
    TRANSFER = "transfer"  # a transfer order's own transfer-out or transfer-in


# Which sign a kind's quantity may take: +1 adds stock, -1 takes it, 0 either (non-zero).
_SIGN: dict[MovementKind, int] = {
    MovementKind.RECEIVE: 1,
    MovementKind.SELL: -1,
    MovementKind.PICK: -1,
    MovementKind.TRANSFER_OUT: -1,
    MovementKind.TRANSFER_IN: 1,
    MovementKind.COUNT_ADJUST: 0,
    MovementKind.RETURN_RESTOCK: 1,
    MovementKind.WRITE_OFF: -1,
    MovementKind.GRANT: 0,
}

# The most units one act at an edge (a receipt, a sale, a count) may name: the API's schema
# and the CLI's arguments take no more, so no typed figure reaches a ledger's integer column.
MAX_QUANTITY = 1_000_000

QUANTITY_SIGN = _SIGN  # read-only, for a reader that checks rows without building movements
_NO_OFFSET = timedelta(0)

# A grant moves stock rights between the node and the hub; the goods stay where they are.
ON_HAND_KINDS = frozenset(kind for kind in MovementKind if kind is not MovementKind.GRANT)


def check_quantity(kind: MovementKind, quantity: int) -> None:
    sign = _SIGN[kind]
    if quantity == 0 or (sign > 0 and quantity < 0) or (sign < 0 and quantity > 0):
        wanted = {1: "positive", -1: "negative", 0: "non-zero"}[sign]
        raise InvalidValue("quantity", str(quantity), f"a {kind} movement is {wanted}")


@dataclass(frozen=True, slots=True, init=False)
class Movement:
    """Identity is (node, seq). Quantity is signed: + adds to on-hand, - takes from it."""

    node: str
    seq: int
    sku: str
    quantity: int
    kind: MovementKind
    at: datetime
    reference: str = ""  # as a person typed it: never read as a tag
    actor: str = ""
    tag: Tag | None = None  # set only by the service that makes an internal movement
    tag_id: str = ""  # what the tag is for: a reservation, a request, a transfer

    def __init__(
        self,
        node: str,
        seq: int,
        sku: str,
        quantity: int,
        kind: MovementKind,
        at: datetime,
        reference: str = "",
        actor: str = "",
        tag: Tag | None = None,
        tag_id: str = "",
    ) -> None:
        """The generated `__init__` of a frozen dataclass, checks first, and each field written
        through its slot: the generated one calls `object.__setattr__` per field, 1.3 of the
        1.7 µs a movement took to make (ADR 0023)."""
        if seq < 1:
            raise InvalidValue("seq", str(seq), "ledger sequence numbers start at 1")
        zone = at.tzinfo
        if zone is None:
            raise InvalidValue("at", at.isoformat(), "movement times carry a time zone")
        if zone is not UTC and at.utcoffset() != _NO_OFFSET:
            # One instant, one spelling: storage that keeps instants (timestamptz) reads back
            # the same digest.
            at = at.astimezone(UTC)
        sign = _SIGN[kind]  # check_quantity, inline: a hub mirrors thousands a push
        if quantity * sign < 0 or quantity == 0:
            check_quantity(kind, quantity)
        if tag_id and tag is None:
            raise InvalidValue("tag_id", tag_id, "an id needs the tag it is for")
        _node(self, node)
        _seq(self, seq)
        _sku(self, sku)
        _quantity(self, quantity)
        _kind(self, kind)
        _at(self, at)
        _reference(self, reference)
        _actor(self, actor)
        _tag(self, tag)
        _tag_id(self, tag_id)

    @property
    def on_hand_delta(self) -> int:
        return self.quantity if self.kind in ON_HAND_KINDS else 0

    def digest(self) -> str:
        """Content hash: the same (node, seq) with another digest is a conflict, not a replay."""
        text = "\x1f".join(
            (
                self.node,
                str(self.seq),
                self.sku,
                str(self.quantity),
                self.kind.value,
                self.at.isoformat(),
                self.reference,
                self.actor,
                self.tag.value if self.tag else "",
                self.tag_id,
            )
        )
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# Each field's slot setter, which `Movement.__init__` writes through (a frozen class refuses
# `self.x = ...`; a slot's own setter is that class's `object.__setattr__` without the lookup).
(_node, _seq, _sku, _quantity, _kind, _at, _reference, _actor, _tag, _tag_id) = (
    getattr(Movement, f.name).__set__ for f in fields(Movement)
)


# A movement as the text and numbers it is stored and sent as, in `Movement`'s field order:
# (node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id), `kind` and `tag` as their
# values ("" for no tag), `at` as UTC ISO 8601 text (`Movement.at.isoformat()`). A hub mirrors
# a node's pushes as rows, building no `Movement` for a row that only moves stock and local
# rights (see `Ledger.replicate_row`, `NodeAccount.mirror_row`).
MovementRow = tuple[str, int, str, int, str, str, str, str, str, str]
row_sku, row_kind = itemgetter(2), itemgetter(4)  # a row's SKU and kind, read in C


def row_of(m: Movement) -> MovementRow:
    return (
        m.node, m.seq, m.sku, m.quantity, m.kind.value, m.at.astimezone(UTC).isoformat(),
        m.reference, m.actor, m.tag.value if m.tag else "", m.tag_id,
    )  # fmt: skip


def movement_of(row: MovementRow) -> Movement:
    """The movement a row spells (which checks itself)."""
    node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id = row
    return Movement(
        node, seq, sku, quantity, MovementKind(kind), datetime.fromisoformat(at), reference,
        actor, Tag(tag) if tag else None, tag_id,
    )  # fmt: skip


def check_row_quantity(kind: MovementKind, quantity: int) -> None:
    """What `Movement` checks of its quantity, for a row read without building one."""
    if quantity == 0 or quantity * _SIGN[kind] < 0:
        check_quantity(kind, quantity)
