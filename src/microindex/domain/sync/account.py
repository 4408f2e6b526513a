"""The hub's account with one node: rights it holds there (H), reservations, requests.

The hub never edits a node's stock. It spends only the rights it holds (H per SKU), debits them
before a request leaves (reserve, release), and credits them only on the node's confirmation
(an unsetaside the node recorded) or when the node has applied a request without acting on it
(a refused setaside or release). So a lost or repeated message strands rights until retried and
never duplicates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.movement import Movement, MovementKind, MovementRow, movement_of
from microindex.domain.sync.rights import PLAIN, Rights, RightsChange, Tag, fold


class State(StrEnum):
    PENDING = "pending"  # promised; setaside sent, not yet seen at the node
    ASIDE = "aside"  # set aside at the node, awaiting pick
    CANCELLING = "cancelling"  # unsetaside sent; the claim stays until the node confirms
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    UNCOVERED = "uncovered"  # goods gone (deficit, overdraft) or setaside refused: re-route


OPEN = frozenset({State.PENDING, State.ASIDE, State.CANCELLING})
_SELL = MovementKind.SELL
# what `mirror_row` takes without the fold (see there)
_NO_RIGHTS = Rights()
_GRANT_TEXT, _SELL_TEXT = MovementKind.GRANT.value, _SELL.value
_GRANT_TAGS = frozenset({"", Tag.GRANT.value})  # a grant the node decided (L -> G)
_RELEASE_TAG = Tag.RELEASE.value
_TAKES_LOCAL_TEXT = frozenset(
    k.value for k in (MovementKind.SELL, MovementKind.PICK, MovementKind.TRANSFER_OUT)
)


class RequestKind(StrEnum):
    SETASIDE = "setaside"
    UNSETASIDE = "unsetaside"
    RELEASE = "release"
    FULFIL = "fulfil"  # the goods of an order's reservation left the node (a staff step)
    # stock recorded at the hub for a node that keeps its ledger elsewhere (its agent's
    # folder): the node records it, once, as if staff had done it there
    RECEIVE = "receive"
    WRITE_OFF = "write-off"
    COUNT = "count"  # `quantity` is what was counted, at ledger `position`
    # a transfer's goods arrived there (received at the hub): `ident` is `<transfer>/<sku>`
    TRANSFER_IN = "transfer-in"
    TRANSFER_OUT = "transfer-out"  # a transfer's goods left there (shipped at the hub): the same


STOCK_REQUESTS = frozenset(
    {
        RequestKind.RECEIVE,
        RequestKind.WRITE_OFF,
        RequestKind.COUNT,
        RequestKind.TRANSFER_IN,
        RequestKind.TRANSFER_OUT,
    }
)


def transfer_line(transfer: str, sku: str) -> str:
    """The key of a transfer-in or transfer-out request: one per transfer and SKU."""
    return f"{transfer}/{sku}"


@dataclass(frozen=True, slots=True)
class Reservation:
    ident: str  # the order line's idempotency key
    node: str
    sku: str
    quantity: int
    expires_at: datetime  # on the hub's clock
    state: State = State.PENDING
    seen_aside: bool = False

    @property
    def open(self) -> bool:
        return self.state in OPEN


@dataclass(frozen=True, slots=True)
class Request:
    """Addressed to a node, in the node's request order; `ident` makes applying it idempotent.
    A stock request carries who asked and their reference, and a count its ledger position."""

    seq: int
    kind: RequestKind
    sku: str
    quantity: int
    ident: str
    reference: str = ""
    actor: str = ""
    position: int = 0
    # a count asked without a position: when it was taken (hub clock); the node counts at
    # its last movement by then, from `position` (the hub's mirror head) on
    at: datetime | None = None
    # (a set-aside's `position` is 0, or its own seq when the reservation is covered again)

    @property
    def again(self) -> bool:
        """A set-aside made again after its reservation's goods were gone (`cover_again`)."""
        return self.kind is RequestKind.SETASIDE and self.position > 0

    @property
    def key(self) -> str:
        """What the node keeps as applied: once per kind and reservation, but a set-aside made
        again after its goods were gone (`NodeAccount.cover_again`) is its own, by its seq."""
        if self.again:
            return f"{self.kind.value}:{self.ident}#{self.position}"
        return f"{self.kind.value}:{self.ident}"


@dataclass(eq=False)
class NotEnoughRights(DomainError):
    sku: str
    node: str
    requested: int
    held: int
    code = "not_enough_rights"

    def __str__(self) -> str:
        held, wanted = self.held, self.requested
        return f"only {held} of {self.sku} in stock rights at {self.node}, not {wanted}"


@dataclass(eq=False)
class RunsElsewhere(DomainError):
    """An act the hub cannot do for a node whose agent keeps its ledger on its own machine:
    the hub never writes that ledger (its copy there is only a mirror)."""

    node: str
    act: str
    code = "node_runs_elsewhere"

    def __str__(self) -> str:
        return (
            f"{self.node} keeps its ledger on its own agent, which the hub never writes: "
            f"{self.act} at {self.node}'s own agent (its staff page or `microindex node run`)"
        )


@dataclass
class NodeAccount:
    """Loaded for one unit of work: H per SKU, open reservations, unsettled requests."""

    node: str
    held: dict[str, int]
    mirror: dict[str, Rights]
    reservations: dict[str, Reservation]
    requests: dict[int, Request]
    next_request: int
    overdraft: int = 0
    deficit: int = 0
    walkin: dict[str, int] = field(default_factory=dict)  # units sold at the node, this sync
    touched_skus: set[str] = field(default_factory=set)
    touched_reservations: set[str] = field(default_factory=set)
    settled: set[int] = field(default_factory=set)
    granted_now: set[str] = field(default_factory=set)  # SKUs the node granted in this batch
    # request key -> seqs under it, oldest first, built on first use: settling a request by its
    # key is a lookup, not a scan of every request on its way (20,000 at a second sync)
    _by_key: dict[str, list[int]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def h(self, sku: str) -> int:
        return self.held.get(sku, 0)

    def include(self, more: NodeAccount) -> None:
        """Add the rights and reservations of more SKUs, loaded later in the same unit of work;
        what this account already holds (and may have changed) stays as it is."""
        for sku, h in more.held.items():
            self.held.setdefault(sku, h)
        for sku, rights in more.mirror.items():
            self.mirror.setdefault(sku, rights)
        for ident, reservation in more.reservations.items():
            self.reservations.setdefault(ident, reservation)

    def reserve(self, ident: str, sku: str, quantity: int, expires_at: datetime) -> Reservation:
        """The escrow test: promise only from rights held; debit before the setaside leaves."""
        if quantity < 1 or self.h(sku) < quantity:
            raise NotEnoughRights(sku, self.node, quantity, self.h(sku))
        reservation = Reservation(ident, self.node, sku, quantity, expires_at)
        self._put(reservation)
        self._add_h(sku, -quantity)
        self._request(RequestKind.SETASIDE, sku, quantity, ident)
        return reservation

    def cover_again(self, ident: str, sku: str, quantity: int, expires_at: datetime) -> Reservation:
        """Reservation `ident`, uncovered (its goods gone at the node), covered again here from
        rights held, as `reserve` does (the escrow test, H debited before the set-aside
        leaves). Its set-aside request is keyed by its own seq, so the node applies it though
        it applied the first; the node sets nothing aside twice under one id (`NodeSide`
        refuses it while the first is still there, and the refusal gives H back at `settle`)."""
        found = self.reservations.get(ident)
        if found is not None and found.state is not State.UNCOVERED:
            raise InvalidValue("reservation", ident, "is not uncovered")
        if quantity < 1 or self.h(sku) < quantity:
            raise NotEnoughRights(sku, self.node, quantity, self.h(sku))
        reservation = Reservation(ident, self.node, sku, quantity, expires_at)
        self._put(reservation)
        self._add_h(sku, -quantity)
        seq = self.next_request
        self._add(Request(seq, RequestKind.SETASIDE, sku, quantity, ident, position=seq))
        self.next_request += 1
        return reservation

    def reserve_arrival(
        self, ident: str, sku: str, quantity: int, expires_at: datetime
    ) -> Reservation:
        """Goods a transfer brings here for an order: the node sets them aside as it receives
        them (a transfer-in tagged `setaside:ident`), so no H is spent (the rights come with
        the goods) and no setaside request is sent. Reserve before the node records them."""
        if quantity < 1:
            raise InvalidValue("quantity", str(quantity), "a reservation holds 1 or more")
        reservation = Reservation(ident, self.node, sku, quantity, expires_at)
        self._put(reservation)
        return reservation

    def cancel(self, ident: str) -> bool:
        """Ask the node to undo a set-aside; H is credited when the node confirms."""
        res = self.reservations.get(ident)
        if res is None or res.state not in (State.PENDING, State.ASIDE):
            return False
        self._put(replace(res, state=State.CANCELLING))
        self._request(RequestKind.UNSETASIDE, res.sku, res.quantity, ident)
        return True

    def expire(self, now: datetime) -> list[str]:
        """Cancel reservations past their time on the hub's clock (never a node's)."""
        due = [
            r.ident
            for r in self.reservations.values()
            if r.state in (State.PENDING, State.ASIDE) and r.expires_at <= now
        ]
        return [ident for ident in sorted(due) if self.cancel(ident)]

    def release(self, sku: str, quantity: int, ident: str) -> None:
        if quantity < 1 or self.h(sku) < quantity:
            raise NotEnoughRights(sku, self.node, quantity, self.h(sku))
        self._add_h(sku, -quantity)
        self._request(RequestKind.RELEASE, sku, quantity, ident)

    def request_fulfil(self, ident: str, sku: str, quantity: int) -> bool:
        """An order step at the hub says reservation `ident`'s goods left a node that keeps its
        ledger elsewhere: ask it to pick them (`NodeSide` applies it as `pick_order` does,
        under the same `fulfil:<ident>` key, so once however often it is asked). Sent after
        the reservation's set-aside request, so the node applies them in that order. Not
        again while one is on its way, nor once the pick is mirrored (fulfilled)."""
        res = self.reservations.get(ident)
        if quantity < 1 or (res is not None and res.state is State.FULFILLED):
            return False
        if self._queued(f"{RequestKind.FULFIL.value}:{ident}") is not None:
            return False
        self._request(RequestKind.FULFIL, sku, quantity, ident)
        return True

    def request_stock(self, asked: Request) -> Request:
        """Stock recorded at the hub for a node that keeps its ledger elsewhere (a receive, a
        write-off, a count): sent with its next sync reply, recorded there once by its key
        (`asked.seq` is ignored). Asked again under the same key while it is on its way, the
        request already queued is the answer. Nothing is spent or credited here: the hub's
        mirror hears of the movement the node records."""
        if asked.kind not in STOCK_REQUESTS:
            raise InvalidValue("request", asked.kind.value, "not a stock request")
        least = 0 if asked.kind is RequestKind.COUNT else 1
        if asked.quantity < least:
            raise InvalidValue("quantity", str(asked.quantity), f"at least {least}")
        queued = self._queued(asked.key)
        if queued is None:
            queued = replace(asked, seq=self.next_request)
            self._add(queued)
            self.next_request += 1
        return queued

    def request_shipment(
        self, transfer: str, sku: str, quantity: int, reference: str = "", actor: str = ""
    ) -> Request:
        """A transfer shipped from a node that keeps its ledger elsewhere, recorded at the hub:
        the units leave from the node's local rights as the mirror shows them; beyond those the
        hub releases its own there first (debited here before the request leaves, applied there
        in order before the transfer-out), never rights promised to orders (NotEnoughRights).
        Asked again while on its way, the request queued is the answer and nothing more is
        released."""
        ident = transfer_line(transfer, sku)
        asked = Request(0, RequestKind.TRANSFER_OUT, sku, quantity, ident, reference, actor)
        queued = self._queued(asked.key)
        if queued is not None:
            return queued
        local = self.mirror.get(sku, Rights()).local
        if quantity > local + self.h(sku):
            raise NotEnoughRights(sku, self.node, quantity, local + self.h(sku))
        if quantity > local:
            self.release(sku, quantity - local, ident)
        return self.request_stock(asked)

    def mirror_row(self, row: MovementRow) -> None:
        """`mirror_movement` for a row, without building a `Movement` where the fold's answer
        is known: an untagged row that adds stock (its units join L), or an untagged sale, pick
        or transfer-out within L (they leave L) folds to PLAIN with only L changed, and a sale
        counts as walk-in demand; a grant within L (L -> G) adds to H; a release within G
        (G -> L) settles the hub's request (`_mirror_rights_move`). Every other row is folded
        by `mirror_movement`.
        (tests/sync/test_mirror_row.py holds the two equal on random runs.)"""
        sku, quantity, kind = row[2], row[3], row[4]
        rights = self.mirror.get(sku, _NO_RIGHTS)
        if kind == _GRANT_TEXT and self._mirror_rights_move(row, rights):
            return
        if row[8] or not (
            (quantity > 0 and kind != _GRANT_TEXT)
            or (kind in _TAKES_LOCAL_TEXT and -quantity <= rights.local)
        ):
            self.mirror_movement(movement_of(row))
            return
        self.mirror[sku] = Rights(
            rights.local + quantity, rights.granted, rights.unavailable, rights.reserved
        )
        self.touched_skus.add(sku)
        if kind == _SELL_TEXT:
            self.walkin[sku] = self.walkin.get(sku, 0) - quantity

    def mirror_rows(self, rows: Sequence[MovementRow]) -> None:
        """`mirror_row` for each of `rows` in turn, in one loop: a plain row (see there) moves
        the SKU's running L, kept aside and written back as `Rights` once per SKU (before any
        other row is mirrored, and at the end); every other row goes through `mirror_row`.
        (tests/sync/test_mirror_row.py holds it equal to `mirror_row` row by row.)"""
        mirror, walkin = self.mirror, self.walkin
        running: dict[str, int] = {}  # SKU -> its L so far, not yet written to `mirror`
        try:
            for row in rows:
                sku, quantity, kind = row[2], row[3], row[4]
                local = running.get(sku)
                if local is None:
                    local = mirror.get(sku, _NO_RIGHTS).local
                if (
                    kind == _GRANT_TEXT
                    or row[8]
                    or not (quantity > 0 or (kind in _TAKES_LOCAL_TEXT and -quantity <= local))
                ):
                    self._write_running(running)
                    self.mirror_row(row)
                    continue
                running[sku] = local + quantity
                if kind == _SELL_TEXT:
                    walkin[sku] = walkin.get(sku, 0) - quantity
        finally:
            self._write_running(running)

    def _write_running(self, running: dict[str, int]) -> None:
        mirror = self.mirror
        for sku, local in running.items():
            rights = mirror.get(sku, _NO_RIGHTS)
            mirror[sku] = Rights(local, rights.granted, rights.unavailable, rights.reserved)
        self.touched_skus.update(running)
        running.clear()

    def _mirror_rights_move(self, row: MovementRow, rights: Rights) -> bool:
        """A grant row the fold's answer is known for, mirrored: the node's own grant (untagged
        or tagged grant, +g within L: L -> G, H grows by g) or its release answering the hub
        (tagged release, -h within G: G -> L; H was debited when the request left, so the
        request is settled, or, sent by a hub since restored, H debited now). False for any
        other (the fold decides it, refusals included)."""
        sku, quantity, tag = row[2], row[3], row[8]
        grant = quantity > 0 and tag in _GRANT_TAGS and quantity <= rights.local
        release = quantity < 0 and tag == _RELEASE_TAG and -quantity <= rights.granted
        if not (grant or release) or min(rights.local, rights.granted, rights.unavailable) < 0:
            return False
        self.mirror[sku] = Rights(
            rights.local - quantity, rights.granted + quantity, rights.unavailable, rights.reserved
        )
        self.touched_skus.add(sku)
        if grant:
            self._add_h(sku, quantity)
            self.granted_now.add(sku)
        elif not self._settle_key(f"{_RELEASE_TAG}:{row[9]}"):  # sent by a hub since restored
            self._add_h(sku, quantity)
        return True

    def mirror_movement(self, movement: Movement) -> RightsChange:
        """Fold a replicated movement of the node into the hub's view (exactly once)."""
        rights, change = fold(self.mirror.get(movement.sku, Rights()), movement)
        self.mirror[movement.sku] = rights
        self.touched_skus.add(movement.sku)
        if movement.kind is _SELL:
            self.walkin[movement.sku] = self.walkin.get(movement.sku, 0) - movement.quantity
        if change is PLAIN:
            return change
        self._add_h(movement.sku, change.granted - change.hub_loss)
        if change.granted:
            self.granted_now.add(movement.sku)
        self.overdraft += change.overdraft
        self.deficit += change.deficit
        for ident, units in change.eaten:
            self._eat(ident, units)
        self._follow(change, movement)
        return change

    def _follow(self, change: RightsChange, movement: Movement) -> None:
        ident, res = change.ident, self.reservations.get(change.ident)
        if change.tag in (Tag.SETASIDE, Tag.UNSETASIDE, Tag.RELEASE, Tag.FULFIL):
            known = self._settle_key(f"{change.tag.value}:{ident}")
            if change.tag is Tag.RELEASE and not known:  # sent by a hub since restored
                self._add_h(movement.sku, -change.quantity)
        if change.tag is Tag.SETASIDE:
            if res is None:  # set aside for a promise this hub forgot (restored from backup)
                arrived = movement.kind is MovementKind.TRANSFER_IN  # H never had these
                res = self._adopt(ident, movement, State.ASIDE, spent=not arrived)
                self.cancel(ident)
                res = self.reservations[ident]
            state = State.ASIDE if res.state is State.PENDING else res.state
            self._put(replace(res, state=state, seen_aside=True))
        elif change.tag is Tag.UNSETASIDE and res is not None and res.open:
            self._close(ident, State.CANCELLED)
            self._add_h(res.sku, change.quantity)  # what the node gave back (part was eaten?)
        elif change.fulfilled:
            if res is None:
                res = self._adopt(ident, movement, State.ASIDE)
            if res.open:
                self._close(ident, State.FULFILLED)

    def _adopt(
        self, ident: str, movement: Movement, state: State, spent: bool = True
    ) -> Reservation:
        res = Reservation(
            ident,
            self.node,
            movement.sku,
            abs(movement.quantity),
            movement.at,
            state,
            seen_aside=True,
        )
        self._put(res)
        if spent:
            self._add_h(res.sku, -res.quantity)
        return res

    def settle(self, through: int) -> None:
        """The node applied every request up to `through`; those it did not act on are undone."""
        for seq in sorted(s for s in self.requests if s <= through):
            request = self.requests.pop(seq)
            self.settled.add(seq)
            res = self.reservations.get(request.ident)
            if request.kind is RequestKind.SETASIDE and res and res.open and not res.seen_aside:
                self._close(
                    request.ident,
                    State.CANCELLED if res.state is State.CANCELLING else State.UNCOVERED,
                )
                self._add_h(res.sku, res.quantity)
            elif request.kind is RequestKind.RELEASE:
                self._add_h(request.sku, request.quantity)
            elif request.kind is RequestKind.UNSETASIDE and res and not res.seen_aside:
                # a cancelled arrival that never reached the node: nothing was spent
                self._close(request.ident, State.CANCELLED)

    def _settle_key(self, key: str) -> bool:
        """A request whose effect the node recorded is done: stop sending it."""
        request = self._queued(key)
        if request is None:
            return False
        del self.requests[request.seq]
        self.settled.add(request.seq)
        return True

    def _queued(self, key: str) -> Request | None:
        """The oldest request on its way under `key` (as a scan of `requests` in order would
        find it), by the key index; seqs settled since are dropped from it as met."""
        if self._by_key is None:
            self._by_key = {}
            for seq, request in self.requests.items():
                self._by_key.setdefault(request.key, []).append(seq)
        seqs = self._by_key.get(key)
        while seqs:
            queued = self.requests.get(seqs[0])
            if queued is not None and queued.key == key:
                return queued
            seqs.pop(0)
        return None

    def _add(self, request: Request) -> None:
        self.requests[request.seq] = request
        if self._by_key is not None:
            self._by_key.setdefault(request.key, []).append(request.seq)

    def pending(self, after: int, limit: int) -> list[Request]:
        return [self.requests[s] for s in sorted(self.requests) if s > after][:limit]

    def releasing(self, sku: str) -> int:
        """Rights on their way back to the node's local share (releases not yet applied)."""
        return sum(
            r.quantity
            for r in self.requests.values()
            if r.kind is RequestKind.RELEASE and r.sku == sku
        )

    def releasing_by_sku(self) -> dict[str, int]:
        """`releasing` of every SKU at once: one pass over the requests, for a caller that
        visits each SKU (asking SKU by SKU is quadratic when thousands of releases are out)."""
        found: dict[str, int] = {}
        for r in self.requests.values():
            if r.kind is RequestKind.RELEASE:
                found[r.sku] = found.get(r.sku, 0) + r.quantity
        return found

    def claims(self, sku: str) -> int:
        """What the hub may still promise or has promised at this node: H + open claims."""
        return self.h(sku) + sum(
            r.quantity for r in self.reservations.values() if r.open and r.sku == sku
        )

    def _request(self, kind: RequestKind, sku: str, quantity: int, ident: str) -> None:
        self._add(Request(self.next_request, kind, sku, quantity, ident))
        self.next_request += 1

    def _put(self, reservation: Reservation) -> None:
        self.reservations[reservation.ident] = reservation
        self.touched_reservations.add(reservation.ident)

    def _eat(self, ident: str, units: int) -> None:
        """The node took `units` of reservation `ident`'s set-aside (an overdraft, a write-off,
        a count): eaten whole it is uncovered; in part, it holds the rest, still to be picked,
        and its order is short of the units taken (`service/repromise` answers it)."""
        res = self.reservations.get(ident)
        if res is None or not res.open:
            return
        if units >= res.quantity:
            self._close(ident, State.UNCOVERED)
        else:
            self._put(replace(res, quantity=res.quantity - units))

    def _close(self, ident: str, state: State) -> None:
        res = self.reservations.get(ident)
        if res is not None and res.open:
            self._put(replace(res, state=state))

    def _add_h(self, sku: str, delta: int) -> None:
        if delta:
            self.held[sku] = self.h(sku) + delta
            self.touched_skus.add(sku)
