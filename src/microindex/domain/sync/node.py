"""A node's side of sync: its rights, what it has applied of the hub's requests, its marks.

Every rights change is a movement the node records in its own ledger (it is the only writer),
folded into its rights in the same unit of work; the hub mirrors the same log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.sync.account import (
    STOCK_REQUESTS,
    NotEnoughRights,
    Request,
    RequestKind,
)
from microindex.domain.sync.messages import Advice, Reply
from microindex.domain.sync.rights import Rights, RightsRefused, Tag, fold, tagged


@dataclass(frozen=True, slots=True)
class Override:
    """Staff confirm a walk-in sale beyond the node's local rights, told which online orders
    it breaks: recorded as an OVERDRAFT with who decided it and why."""

    actor: str
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidValue("reason", self.reason, "an override says why")
        if not self.actor.strip():
            raise InvalidValue("actor", self.actor, "an override says who decided it")


@dataclass(eq=False)
class PromisedOnline(NotEnoughRights):
    """A walk-in sale beyond the node's local rights (`held`): the rest of what is on hand is
    the hub's, promised or promisable to online orders. Refused unless staff override it.
    `reservations` are the set-asides here it would uncover (newest first), `orders` theirs."""

    on_hand: int = 0
    reservations: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    code = "promised_online"

    def __str__(self) -> str:
        beyond = self.requested - self.held
        text = (
            f"only {self.held} of {self.sku} at {self.node} are free to sell here; the other"
            f" {beyond} are promised to online orders"
        )
        if self.orders:
            text += f" (selling them breaks {', '.join(self.orders)})"
        return text + ": sell them only with an override that says why"


@dataclass(eq=False)
class LedgerBehindHub(DomainError):
    """The hub holds more of this node's ledger than this copy has: the copy was restored from a
    backup taken before its last sync (or started empty). Taken as sent, what the copy records
    next would be skipped, the hub already holding those seqs."""

    node: str
    head: int  # where this copy's ledger ends
    acked: int  # the hub's checkpoint for the node
    code = "ledger_behind_hub"

    def __str__(self) -> str:
        return (
            f"the hub holds {self.node}'s ledger up to {self.node}#{self.acked} but this copy of "
            f"it ends at {self.node}#{self.head}: restored from a backup older than its last "
            "sync? Restore the copy taken last, or ask for help; nothing was sent or applied"
        )


@dataclass
class NodeSide:
    """Loaded per unit of work. `applied` holds the request keys the node has already acted on
    (at least those of the requests in hand), and the `fulfil:<id>` keys of the order
    reservations it picked (`pick_order`)."""

    node: str
    rights: dict[str, Rights]
    rights_head: int  # the ledger position `rights` is folded to
    incarnation: int = 1
    counter: int = 0  # the last batch counter used: never reused, even after a crash
    epoch: str = ""
    acked: int = 0  # the hub's checkpoint as last heard, for this epoch
    requests_through: int = 0
    requests_head: int = 0  # the ledger head when request `requests_through` was applied
    catalog_mark: int = 0
    low_water: dict[str, int] = field(default_factory=dict)
    next_sync_s: int = 0
    answered: int = 0  # the counter of the last push whose reply was applied here
    applied: set[str] = field(default_factory=set)
    newly_applied: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    # where each count request was taken: request seq -> (ledger position, on-hand of its SKU
    # there), read by the service from the stored ledger; and the counts requests made
    count_basis: dict[int, tuple[int, int]] = field(default_factory=dict)
    counted: list[tuple[CountResult, str]] = field(default_factory=list)  # with who asked

    def get(self, sku: str) -> Rights:
        return self.rights.get(sku, Rights())

    def catch_up(self, movements: list[Movement]) -> None:
        """Fold movements recorded without rights in mind (e.g. a plain stock receipt)."""
        for movement in movements:
            if movement.seq > self.rights_head:
                self._fold(movement)

    def sell(
        self,
        ledger: Ledger,
        sku: str,
        quantity: int,
        at: datetime,
        reference: str = "",
        actor: str = "",
        override: Override | None = None,
    ) -> Movement:
        """A walk-in sale from local rights; beyond them PromisedOnline, unless staff override
        it: then an OVERDRAFT fact carrying the override's actor and reason."""
        rights = self.get(sku)
        if quantity > rights.local and override is None:
            breaks = _uncovered_by(rights, quantity)
            orders = tuple(dict.fromkeys(_order_of(ident) for ident in breaks))
            raise PromisedOnline(
                sku, self.node, quantity, rights.local, rights.on_hand, breaks, orders
            )
        tag = None
        if override is not None and quantity > rights.local:
            reference = f"{reference} (override: {override.reason})".strip()
            tag, actor = Tag.OVERDRAFT, override.actor
        return self._record(
            ledger, sku, MovementKind.SELL, -quantity, at, tag, "", reference, actor
        )

    def grant(self, ledger: Ledger, sku: str, quantity: int, at: datetime) -> Movement:
        """Give the hub rights: debited here first, credited at the hub when it mirrors this."""
        if quantity > self.get(sku).local:
            raise NotEnoughRights(sku, self.node, quantity, self.get(sku).local)
        return self._record(ledger, sku, MovementKind.GRANT, quantity, at, Tag.GRANT)

    def fulfil(
        self,
        ledger: Ledger,
        sku: str,
        ident: str,
        at: datetime,
        kind: MovementKind = MovementKind.PICK,
        actor: str = "",
    ) -> Movement | None:
        """Pick a set-aside reservation, or send it away for its order (TRANSFER_OUT), at most
        once: a second time finds nothing set aside."""
        held = self.get(sku).reservation(ident)
        if held is None:
            return None
        key = tagged(Tag.FULFIL, ident)
        self.applied.add(key)  # a later pick request for it (RequestKind.FULFIL) is done
        self.newly_applied.add(key)
        return self._record(ledger, sku, kind, -held, at, Tag.FULFIL, ident, actor=actor)

    def pick_order(
        self, ledger: Ledger, sku: str, ident: str, quantity: int, at: datetime, actor: str = ""
    ) -> Movement | None:
        """An order's reservation `ident` leaves the node, at most once ever (its key stays
        among those `applied`; the service loads it): from A when it is set aside here, else
        (the set-aside not here yet) from the node's own rights, as a sale would, tagged with
        the reservation all the same. None when it was picked before."""
        key = tagged(Tag.FULFIL, ident)
        if key in self.applied:
            return None
        self.applied.add(key)
        self.newly_applied.add(key)
        return self._pick(ledger, sku, ident, quantity, at, actor)

    def _pick(
        self, ledger: Ledger, sku: str, ident: str, quantity: int, at: datetime, actor: str = ""
    ) -> Movement:
        picked = self.fulfil(ledger, sku, ident, at, actor=actor)
        if picked is None:
            kind = MovementKind.PICK
            picked = self._record(ledger, sku, kind, -quantity, at, Tag.FULFIL, ident, actor=actor)
        return picked

    def receive_aside(
        self, ledger: Ledger, sku: str, quantity: int, ident: str, at: datetime, actor: str = ""
    ) -> Movement:
        """Goods arriving for an order (a transfer-in) go straight into A under the hub's
        reservation `ident` here: never local rights, so no walk-in sale takes them."""
        if self.get(sku).reservation(ident) is not None:
            raise RightsRefused("reservation", ident, "is already set aside here")
        kind, tag = MovementKind.TRANSFER_IN, Tag.SETASIDE
        return self._record(ledger, sku, kind, quantity, at, tag, ident, actor=actor)

    def accept(self, ledger: Ledger, reply: Reply, at: datetime) -> list[Movement]:
        """Apply a reply: new epoch, requests in order (each once), then the rights advice.
        Refused whole when the hub holds more of the node's ledger than is here."""
        if reply.acked > ledger.head:
            raise LedgerBehindHub(self.node, ledger.head, reply.acked)
        if reply.epoch != self.epoch:
            self.epoch, self.requests_through, self.requests_head = reply.epoch, 0, 0
        self.acked, self.answered = reply.acked, reply.counter
        made: list[Movement] = []
        for request in reply.requests:
            if request.seq <= self.requests_through:
                continue
            made += self._apply(ledger, request, at)
            self.requests_through, self.requests_head = request.seq, ledger.head
        for advice in reply.advice:
            made += self._advise(ledger, advice, at)
        self.next_sync_s = reply.next_sync_s or self.next_sync_s
        return made

    def _apply(self, ledger: Ledger, request: Request, at: datetime) -> list[Movement]:
        if request.key in self.applied:
            return []
        self.applied.add(request.key)
        self.newly_applied.add(request.key)
        if request.kind in STOCK_REQUESTS:
            return self._stock_request(ledger, request, at)
        rights, sku, q = self.get(request.sku), request.sku, request.quantity
        tag, ident, grant = Tag(request.kind.value), request.ident, MovementKind.GRANT
        held = rights.reservation(ident)
        if request.again and (held is not None or tagged(Tag.FULFIL, ident) in self.applied):
            return []  # its goods are set aside here, or were picked: refused, never twice
        if request.kind is RequestKind.SETASIDE and rights.granted >= q and held is None:
            return [self._record(ledger, sku, grant, q, at, tag, ident)]
        if request.kind is RequestKind.UNSETASIDE and held is not None and held <= q:
            # what is still set aside: a sale anyway may have eaten part of it since
            return [self._record(ledger, sku, grant, held, at, tag, ident)]
        if request.kind is RequestKind.RELEASE and rights.granted >= q:
            return [self._record(ledger, sku, grant, -q, at, tag, ident)]
        if request.kind is RequestKind.FULFIL:
            return self._fulfil_request(ledger, request, at)
        return []  # refused: the hub learns it from the request mark and undoes its debit

    def _fulfil_request(self, ledger: Ledger, request: Request, at: datetime) -> list[Movement]:
        """The hub says an order's goods left here (a staff step recorded at the hub): the same
        pick as `pick_order`, under the same key (`_apply` checked it), so a local pick and a
        request never both pick. Requests apply in the hub's order and the hub sends this after
        the reservation's set-aside, so the set-aside is here unless it was refused, undone or
        eaten; then the units leave from the node's own rights, as a local pick's would (beyond
        L an OVERDRAFT fact the hub flags). Units the node does not have on hand at all cannot
        leave its ledger: nothing is recorded (a count will say what is there) and the hub's
        reservation waits for its hold to end."""
        q = min(request.quantity, self.get(request.sku).on_hand)
        if self.get(request.sku).reservation(request.ident) is None and q < 1:
            return []
        return [self._pick(ledger, request.sku, request.ident, q, at)]

    def _stock_request(self, ledger: Ledger, request: Request, at: datetime) -> list[Movement]:
        """Stock recorded at the hub for this node, recorded here as staff here would, with the
        hub's actor and reference. A write-off takes no more than is on hand now (sales here
        since may have taken the rest); a count is set against the ledger where it was taken
        (`count_basis`), so what moved here since stays."""
        sku, q, reference, actor = request.sku, request.quantity, request.reference, request.actor
        if request.kind is RequestKind.RECEIVE:
            kind = MovementKind.RECEIVE
            return [self._record(ledger, sku, kind, q, at, None, "", reference, actor)]
        if request.kind is RequestKind.TRANSFER_IN:  # tagged with its transfer, as here
            kind, transfer = MovementKind.TRANSFER_IN, request.ident.removesuffix(f"/{sku}")
            return [
                self._record(ledger, sku, kind, q, at, Tag.TRANSFER, transfer, reference, actor)
            ]
        if request.kind is RequestKind.TRANSFER_OUT:  # the goods left: no more than on hand
            kind, transfer = MovementKind.TRANSFER_OUT, request.ident.removesuffix(f"/{sku}")
            q = min(q, ledger.available(sku))
            if q < 1:
                return []
            return [
                self._record(ledger, sku, kind, -q, at, Tag.TRANSFER, transfer, reference, actor)
            ]
        if request.kind is RequestKind.WRITE_OFF:
            q = min(q, ledger.available(sku))
            kind = MovementKind.WRITE_OFF
            return (
                [self._record(ledger, sku, kind, -q, at, None, "", reference, actor)] if q else []
            )
        now = (ledger.head, ledger.available(sku))
        position, basis = self.count_basis.get(request.seq, now)
        result = ledger.count(sku, q, position, basis, at, reference, actor)
        self.counted.append((result, actor))
        if result.adjustment is None:
            return []
        self._fold(result.adjustment)
        return [result.adjustment]

    def _advise(self, ledger: Ledger, advice: Advice, at: datetime) -> list[Movement]:
        self.low_water[advice.sku] = advice.low_water
        surplus = self.get(advice.sku).local - advice.target_local
        if surplus > 0:
            return [self.grant(ledger, advice.sku, surplus, at)]
        return []

    def below_low_water(self) -> list[str]:
        return sorted(s for s, mark in self.low_water.items() if self.get(s).local < mark)

    def covers_requests(self, last_seq: int) -> bool:
        return last_seq >= self.requests_head

    def _record(
        self,
        ledger: Ledger,
        sku: str,
        kind: MovementKind,
        quantity: int,
        at: datetime,
        tag: Tag | None,
        tag_id: str = "",
        reference: str = "",
        actor: str = "",
    ) -> Movement:
        movement = ledger.record(sku, kind, quantity, at, reference, actor, tag, tag_id)
        self._fold(movement)
        return movement

    def _fold(self, movement: Movement) -> None:
        self.rights[movement.sku], _ = fold(self.get(movement.sku), movement)
        self.rights_head = movement.seq
        self.touched.add(movement.sku)


class SyncReason(StrEnum):
    NOTHING = ""
    AT_ONCE = "at-once"  # a grant, fulfil, overdraft, count, write-off or goods arriving
    LOW_WATER = "low-water"  # a SKU moved and its local rights are below mu + z*sqrt(mu)
    UNSYNCED = "unsynced"  # more unsynced movements than the bound
    HEARTBEAT = "heartbeat"  # the demand-aware interval has passed


_AT_ONCE = frozenset(
    {
        MovementKind.GRANT,
        MovementKind.COUNT_ADJUST,
        MovementKind.WRITE_OFF,
        # goods arriving (a delivery, a transfer, a restocked return): stock the hub can sell
        # or cover an at-risk order with once it hears, rare enough to send at once
        MovementKind.RECEIVE,
        MovementKind.TRANSFER_IN,
        MovementKind.RETURN_RESTOCK,
    }
)


def sync_reason(
    side: NodeSide, unsynced: list[Movement], idle_s: float, bound: int = 50
) -> SyncReason:
    """Why the node should sync now (SYNC.md's triggers), given what the hub has not got yet
    and how long since the last successful sync. Retries run on their own timer."""
    for movement in unsynced:
        if movement.kind in _AT_ONCE or movement.tag in (Tag.FULFIL, Tag.OVERDRAFT):
            return SyncReason.AT_ONCE
    low = set(side.below_low_water())
    if any(movement.sku in low for movement in unsynced):  # once per change, not per poll:
        return SyncReason.LOW_WATER  # the hub has heard of a SKU below its mark since it last moved
    if len(unsynced) > bound:
        return SyncReason.UNSYNCED
    if idle_s >= side.next_sync_s:  # never advised yet (0): every poll until the first reply
        return SyncReason.HEARTBEAT
    return SyncReason.NOTHING


def _uncovered_by(rights: Rights, quantity: int) -> tuple[str, ...]:
    """The set-asides a sale of `quantity` would uncover (as `fold` eats them: after L, U
    and G, newest first)."""
    left = quantity - rights.local - rights.unavailable - rights.granted
    eaten: list[str] = []
    for ident, held in reversed(rights.reserved):
        if left <= 0:
            break
        eaten.append(ident)
        left -= held
    return tuple(eaten)


def _order_of(reservation: str) -> str:
    """The order of a reservation id (`order/node/sku`, or `order/sender>receiver/sku`)."""
    return reservation.rsplit("/", 2)[0]


def reservations(rights: dict[str, Rights]) -> dict[str, tuple[str, int]]:
    """Open set-asides at the node: reservation id -> (sku, quantity)."""
    return {ident: (sku, q) for sku, r in rights.items() for ident, q in r.reserved}
