"""Stock rights at a node: on_hand = L + G + A + U, folded from the node's own ledger.

L local rights (walk-in sales), G rights granted to the hub, A set aside for hub reservations
awaiting pick, U unavailable (damaged, display). Every change of rights is a ledger movement, so
the node and the hub's mirror of its ledger fold the same log to the same state (convergence).

Rights moves use the GRANT kind (on-hand unchanged), marked by the movement's own typed
`tag` and `tag_id`, set only by the services that make them (a reference a person typed is
text, never read as a tag):

| tag, tag_id   | quantity | move      | decided at                                  |
| ------------- | -------- | --------- | ------------------------------------------- |
| grant         | +g       | L -> G    | node (debit first)                          |
| release, id   | -h       | G -> L    | hub, which debited H before sending         |
| setaside, id  | +r       | G -> A    | hub reservation id, applied at the node     |
| unsetaside, id| +r       | A -> G    | hub cancel or expiry, applied at the node   |
| hold / unhold | +u       | L <-> U   | node                                        |

A PICK tagged fulfil (id: the reservation) takes reservation id from A; so does a TRANSFER_OUT
tagged fulfil (an order's goods sent to its pickup node), and there a TRANSFER_IN tagged
setaside puts them straight into A under the order's reservation id there, never through L
(decided at the node as it receives them; the hub reserved them without spending H, the rights
came with the goods). A transfer order's own movements (tag transfer) move no rights.
Other takes are facts, never refused:
a sale, pick or transfer-out uses L, and beyond L it is an OVERDRAFT eating U, then G, then A;
a write-off or count shortfall eats U, then L, then G, then A, and what it takes from the hub's
share (G, A) is a DEFICIT. Eating A uncovers reservations newest first; a partly eaten
reservation's remainder goes back to G.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from microindex.domain.errors import InvalidValue
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.movement import Tag as Tag  # re-exported: most tags move rights


def tagged(tag: Tag, ident: str = "") -> str:
    """The key under which a node keeps what it applied (`NodeSide.applied`): `fulfil:<id>`.
    A key of the node's own bookkeeping, never a movement's reference."""
    return f"{tag.value}:{ident}" if ident else tag.value


Reserved = tuple[tuple[str, int], ...]  # open reservations set aside here, oldest first


@dataclass(frozen=True, slots=True)
class Rights:
    local: int = 0
    granted: int = 0
    unavailable: int = 0
    reserved: Reserved = ()

    @property
    def aside(self) -> int:
        return sum(q for _, q in self.reserved)

    @property
    def on_hand(self) -> int:
        return self.local + self.granted + self.aside + self.unavailable

    @property
    def hub_share(self) -> int:
        """Rights held for the hub at the node: granted plus set aside."""
        return self.granted + self.aside

    def reservation(self, ident: str) -> int | None:
        return next((q for i, q in self.reserved if i == ident), None)

    def releasable(self, hub_free: int) -> int:
        """What may leave the node now (a transfer-out): its local rights, and those granted
        that the hub still holds unpromised (`hub_free`, its H here), which it releases when
        asked. Never units set aside or promised for orders, nor those held back (U)."""
        return self.local + max(0, min(self.granted, hub_free))


@dataclass(frozen=True, slots=True)
class RightsChange:
    """What one movement did to rights, for the hub to mirror."""

    tag: Tag | None
    ident: str
    quantity: int
    granted: int = 0  # L -> G decided by the node: the hub's H grows by this
    hub_loss: int = 0  # G taken by an overdraft or a deficit: the hub's H shrinks by this
    overdraft: int = 0
    deficit: int = 0
    # units of set-asides taken (reservation, units): a reservation eaten whole is uncovered;
    # one eaten in part keeps the rest set aside for its order, to be picked
    eaten: tuple[tuple[str, int], ...] = ()
    fulfilled: str = ""  # the reservation this pick posted


PLAIN = RightsChange(None, "", 0)  # a receipt or a sale within L: nothing for the hub to do


@dataclass(eq=False)
class RightsRefused(InvalidValue):
    """A rights move the state cannot carry: never recorded at a node, refused at the hub."""


_TAKES_LOCAL = frozenset({MovementKind.SELL, MovementKind.PICK, MovementKind.TRANSFER_OUT})
_FULFILS = frozenset({MovementKind.PICK, MovementKind.TRANSFER_OUT})


def fold(rights: Rights, movement: Movement) -> tuple[Rights, RightsChange]:
    """The rights after `movement`. Facts (sales, counts) always fold; moves may be refused."""
    tag = None if movement.tag is Tag.TRANSFER else movement.tag  # moves no rights
    ident, q = movement.tag_id, movement.quantity
    if movement.kind is MovementKind.GRANT:
        return _move(rights, tag, ident, q)
    r = rights
    if q > 0 and _arrives_aside(r, movement, tag, ident):
        return replace(r, reserved=(*r.reserved, (ident, q))), RightsChange(tag, ident, q)
    if q > 0:
        change = PLAIN if tag is None else RightsChange(tag, ident, q)
        return Rights(r.local + q, r.granted, r.unavailable, r.reserved), change
    taken = -q
    if taken <= r.local and movement.kind in _TAKES_LOCAL and tag is not Tag.FULFIL:
        change = PLAIN if tag is None else RightsChange(tag, ident, taken)
        return Rights(r.local - taken, r.granted, r.unavailable, r.reserved), change
    if movement.kind in _FULFILS and tag is Tag.FULFIL:
        held = rights.reservation(ident)
        if held == taken:
            kept = tuple(r for r in rights.reserved if r[0] != ident)
            change = RightsChange(tag, ident, taken, fulfilled=ident)
            return replace(rights, reserved=kept), change
    if movement.kind in (MovementKind.WRITE_OFF, MovementKind.COUNT_ADJUST):
        return _eat(rights, tag, ident, taken, local_first=False)
    return _eat(rights, tag, ident, taken, local_first=True)


def _arrives_aside(rights: Rights, movement: Movement, tag: Tag | None, ident: str) -> bool:
    """A transfer-in set aside for an order's reservation as it is received."""
    return (
        movement.kind is MovementKind.TRANSFER_IN
        and tag is Tag.SETASIDE
        and bool(ident)
        and rights.reservation(ident) is None
    )


def _move(rights: Rights, tag: Tag | None, ident: str, q: int) -> tuple[Rights, RightsChange]:
    r = rights
    change = RightsChange(tag, ident, abs(q))
    if tag in (None, Tag.GRANT) and q > 0:
        r, change = (
            replace(r, local=r.local - q, granted=r.granted + q),
            replace(change, tag=Tag.GRANT, granted=q),
        )
    elif tag is Tag.RELEASE and q < 0:
        r = replace(r, local=r.local - q, granted=r.granted + q)
    elif tag is Tag.SETASIDE and q > 0 and ident and r.reservation(ident) is None:
        r = replace(r, granted=r.granted - q, reserved=(*r.reserved, (ident, q)))
    elif tag is Tag.UNSETASIDE and q > 0 and r.reservation(ident) == q:
        kept = tuple(x for x in r.reserved if x[0] != ident)
        r = replace(r, granted=r.granted + q, reserved=kept)
    elif tag is Tag.HOLD and q > 0:
        r = replace(r, local=r.local - q, unavailable=r.unavailable + q)
    elif tag is Tag.UNHOLD and q > 0:
        r = replace(r, local=r.local + q, unavailable=r.unavailable - q)
    else:
        raise RightsRefused("reference", f"{tag}:{ident} {q}", "not a valid rights move")
    if min(r.local, r.granted, r.unavailable) < 0:
        raise RightsRefused("quantity", str(q), f"{tag} needs more rights than are held")
    return r, change


def _eat(
    rights: Rights, tag: Tag | None, ident: str, q: int, local_first: bool
) -> tuple[Rights, RightsChange]:
    """Take q units: from L first (a sale) or U first (a shortfall), then G, then A."""
    left = q
    local, unavailable = rights.local, rights.unavailable
    order = ("l", "u") if local_first else ("u", "l")
    for pool in order:
        if pool == "l":
            took = min(left, local)
            local, left = local - took, left - took
        else:
            took = min(left, unavailable)
            unavailable, left = unavailable - took, left - took
    beyond_local = q - (rights.local - local) if local_first else 0
    from_g = min(left, rights.granted)
    granted, left = rights.granted - from_g, left - from_g
    reserved, eaten = list(rights.reserved), []
    while left > 0 and reserved:  # the newest set-aside first; the rest of it stays aside
        res_id, res_q = reserved.pop()
        took = min(left, res_q)
        eaten.append((res_id, took))
        left -= took
        if took < res_q:
            reserved.append((res_id, res_q - took))
    if left > 0:
        raise RightsRefused("quantity", str(q), "more than on hand")
    hub_loss = q - (rights.local - local) - (rights.unavailable - unavailable)
    new = Rights(local, granted, unavailable, tuple(reserved))
    change = RightsChange(
        tag,
        ident,
        q,
        # the units eaten leave with their reservations' claims: H loses only the rest
        hub_loss=hub_loss - sum(units for _, units in eaten),
        overdraft=beyond_local,
        deficit=0 if local_first else hub_loss,
        eaten=tuple(eaten),
    )
    return new, change


def fold_all(
    movements: list[Movement], start: dict[str, Rights] | None = None
) -> dict[str, Rights]:
    """Rights per SKU after a list of movements (a whole ledger, or the part after `start`)."""
    state = dict(start or {})
    for movement in movements:
        state[movement.sku], _ = fold(state.get(movement.sku, Rights()), movement)
    return state
