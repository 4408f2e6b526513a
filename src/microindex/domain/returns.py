"""Returns: opened against a sale (or, once orders exist, an order), sent to the nearest return
point, checked in by scan and dispositioned by rules, each decision with a reason code.

A return is kept at its return point (the node that receives the goods), so restocking it and
recording the `return-restock` movement happen in one transaction at that node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.node import Location, Node
from microindex.domain.product import Fragility


class OriginKind(StrEnum):
    """What a return is opened against: a walk-in sale now, an order when orders land."""

    SALE = "sale"  # sell movements at a node: by the reference staff typed, or by `sale`
    ORDER = "order"  # an order id (issue 5)


@dataclass(frozen=True, slots=True)
class Origin:
    """A sale is named by the reference staff typed with it (every sale under it, e.g.
    `till:shopfront`) or by `sale`, its own place in the selling node's ledger (the `seq`
    a sale answers, `node#seq` as `stock sell` prints it), for a sale made without one. The
    two are separate fields: a reference is never read as a place, whatever it looks like."""

    kind: OriginKind
    reference: str
    node: str  # where it was sold from
    sale: int | None = None  # the sale's movement seq at `node`: instead of a reference

    def __post_init__(self) -> None:
        if self.sale is not None:
            if self.kind is not OriginKind.SALE or self.reference:
                raise InvalidValue(
                    "sale", str(self.sale), "a return names a sale by its reference or its place"
                )
            if self.sale < 1:
                raise InvalidValue("sale", str(self.sale), "a sale's place in a ledger is 1 on")
        elif not self.reference.strip():
            raise InvalidValue("reference", self.reference, "a return names the sale or order")

    @property
    def label(self) -> str:
        """The origin as a person names it: the reference, or the sale as `node#seq`."""
        return self.reference if self.sale is None else f"{self.node}#{self.sale}"


class Reason(StrEnum):
    """Why the customer brought it back (the reason code on the return)."""

    CHANGED_MIND = "changed-mind"
    WRONG_ITEM = "wrong-item"
    NOT_AS_DESCRIBED = "not-as-described"
    DAMAGED_IN_TRANSIT = "damaged-in-transit"
    FAULTY = "faulty"


class Condition(StrEnum):
    """What staff find at check-in."""

    AS_NEW = "as-new"
    OPENED = "opened"
    DAMAGED = "damaged"


class Disposition(StrEnum):
    RESTOCK = "restock"  # back into the receiving node's stock: sellable there again
    REFURBISH = "refurbish"  # out of sellable stock, to the bench for repair
    WRITE_OFF = "write-off"  # not sellable; recorded, not restocked


class ReturnState(StrEnum):
    OPEN = "open"  # opened, goods not all in yet
    RECEIVED = "received"  # every unit checked in, some not yet dispositioned
    CLOSED = "closed"  # every unit dispositioned


# The disposition rules: what happens to a unit, by its condition, then by its fragility.
DISPOSITION_RULES: dict[Condition, dict[Fragility, Disposition]] = {
    Condition.AS_NEW: dict.fromkeys(Fragility, Disposition.RESTOCK),
    Condition.OPENED: {
        Fragility.STURDY: Disposition.RESTOCK,
        Fragility.FRAGILE: Disposition.REFURBISH,
        Fragility.VERY_FRAGILE: Disposition.REFURBISH,
    },
    Condition.DAMAGED: {
        Fragility.STURDY: Disposition.REFURBISH,
        Fragility.FRAGILE: Disposition.WRITE_OFF,
        Fragility.VERY_FRAGILE: Disposition.WRITE_OFF,
    },
}


def rule_for(condition: Condition, fragility: Fragility, reason: Reason) -> Disposition:
    """The rule's disposition; a faulty item never goes straight back on the shelf."""
    chosen = DISPOSITION_RULES[condition][fragility]
    if reason is Reason.FAULTY and chosen is Disposition.RESTOCK:
        return Disposition.REFURBISH
    return chosen


@dataclass(eq=False)
class ReturnRefused(DomainError):
    """A step on a return that its state or lines do not allow."""

    return_id: str
    reason: str
    code = "return_refused"

    def __str__(self) -> str:
        return f"return {self.return_id}: {self.reason}"


class UnknownReturn(ReturnRefused):
    """No return has this id at any return point."""

    code = "unknown_return"

    def __init__(self, return_id: str) -> None:
        super().__init__(return_id, "no such return")


@dataclass(eq=False)
class NoReturnPoint(DomainError):
    near: str
    code = "no_return_point"

    def __str__(self) -> str:
        return f"no node accepts returns (near {self.near})"


@dataclass(eq=False)
class NoSuchSale(DomainError):
    """A return names a sale by its place in a node's ledger where no walk-in sale is."""

    node: str
    seq: int
    code = "no_such_sale"

    def __str__(self) -> str:
        return f"no walk-in sale {self.node}#{self.seq} (as `stock sell` printed it)"


@dataclass(eq=False)
class ReturnExceedsSale(DomainError):
    """More units returned against a sale reference than were sold under it."""

    reference: str
    node: str
    sku: str
    sold: int
    returned: int
    code = "return_exceeds_sale"

    def __str__(self) -> str:
        return (
            f"{self.sku}: {self.returned} returned against {self.reference!r} at {self.node}, "
            f"but only {self.sold} sold under it"
        )


@dataclass(frozen=True, slots=True)
class Decision:
    sku: str
    quantity: int
    disposition: Disposition
    reason: Reason
    condition: Condition
    at: datetime
    actor: str = ""
    movement: int | None = None  # the ledger seq of the restock at the return point


@dataclass(frozen=True, slots=True)
class ReturnLine:
    sku: str
    quantity: int
    received: int = 0

    def __post_init__(self) -> None:
        if self.quantity <= 0 or not 0 <= self.received <= self.quantity:
            raise InvalidValue("quantity", str(self.quantity), "a return line has 1 or more")


@dataclass
class Return:
    id: str
    origin: Origin
    return_point: str
    reason: Reason
    opened_at: datetime
    lines: list[ReturnLine]
    decisions: list[Decision] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        skus = [line.sku for line in self.lines]
        if not skus or len(skus) != len(set(skus)):
            raise InvalidValue("lines", ",".join(skus), "one line per SKU, at least one")

    @property
    def state(self) -> ReturnState:
        if any(line.received < line.quantity for line in self.lines):
            return ReturnState.OPEN
        decided = sum(d.quantity for d in self.decisions)
        return ReturnState.CLOSED if decided == self.units else ReturnState.RECEIVED

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def check_in(self, sku: str, quantity: int = 1) -> ReturnLine:
        """A scan at the return point: `quantity` more units of `sku` arrived."""
        index = self._line_index(sku)
        line = self.lines[index]
        if quantity <= 0 or line.received + quantity > line.quantity:
            raise ReturnRefused(
                self.id, f"{sku}: {line.received} of {line.quantity} in, cannot add {quantity}"
            )
        self.lines[index] = replace(line, received=line.received + quantity)
        return self.lines[index]

    def undecided(self, sku: str) -> int:
        line = self.lines[self._line_index(sku)]
        return line.received - sum(d.quantity for d in self.decisions if d.sku == sku)

    def decide(self, decision: Decision) -> Decision:
        """Disposition received units; only units checked in and not yet decided."""
        if decision.quantity <= 0 or decision.quantity > self.undecided(decision.sku):
            raise ReturnRefused(
                self.id,
                f"{decision.sku}: {self.undecided(decision.sku)} unit(s) in and undecided, "
                f"cannot disposition {decision.quantity}",
            )
        self.decisions.append(decision)
        return decision

    def returned_units(self, sku: str) -> int:
        return sum(line.quantity for line in self.lines if line.sku == sku)

    def _line_index(self, sku: str) -> int:
        for index, line in enumerate(self.lines):
            if line.sku == sku:
                return index
        raise ReturnRefused(self.id, f"{sku} is not on this return")


def nearest_return_point(nodes: Sequence[Node], near: Location) -> Node:
    """The closest node that accepts returns (ties: by code)."""
    points = [n for n in nodes if n.capabilities.return_point]
    if not points:
        raise NoReturnPoint(f"{near.lat:.4f},{near.lon:.4f}")
    return min(points, key=lambda n: (round(n.location.km_to(near), 6), n.code.value))


def check_against_sale(origin: Origin, sku: str, sold: int, already: int, returned: int) -> None:
    """Refuse a return of more units than the sale reference sold (less earlier returns)."""
    if already + returned > sold:
        raise ReturnExceedsSale(origin.label, origin.node, sku, sold, already + returned)


@dataclass(frozen=True, slots=True)
class ReturnAlert:
    """A return rate over the threshold, with the evidence that raised it."""

    dimension: str  # "sku" or "package"
    key: str
    sold: int
    returned: int
    rate: float
    threshold: float
    evidence: tuple[str, ...]  # return ids

    def __str__(self) -> str:
        return (
            f"{self.dimension} {self.key}: {self.returned} returned of {self.sold} "
            f"({self.rate:.0%} > {self.threshold:.0%}); returns {', '.join(self.evidence)}"
        )


def return_alerts(
    dimension: str,
    sold: dict[str, int],
    returned: dict[str, list[tuple[str, int]]],
    threshold: float,
    min_sold: int = 5,
    min_returned: int = 2,
) -> list[ReturnAlert]:
    """Alerts for keys whose returned/sold passes `threshold`, with at least `min_sold` sold
    and `min_returned` returned (one return is an anecdote, not a pattern).

    `returned` maps a key to (return id, units) pairs: the ids are the evidence.
    """
    alerts: list[ReturnAlert] = []
    for key, pairs in sorted(returned.items()):
        units = sum(q for _, q in pairs)
        base = sold.get(key, 0)
        if base < min_sold or units < min_returned or units / base <= threshold:
            continue
        ids = tuple(sorted({rid for rid, _ in pairs}))
        alerts.append(ReturnAlert(dimension, key, base, units, units / base, threshold, ids))
    return sorted(alerts, key=lambda a: (-a.rate, a.key))
