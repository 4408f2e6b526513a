"""Kits (bundles): a catalog SKU sold from its parts' stock, never stocked on its own.

A kit holds no stock of its own: at each node it is available as many times as its scarcest
part allows, and selling one (walk-in or promised online) moves each part's ledger. So the
no-oversell guarantee of the parts covers the kit: a part shared by kits and single sales is
spent from one set of rights, whichever way it leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from microindex.domain.channels.figures import Confidence, Published
from microindex.domain.codes import Sku
from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.movement import Movement, MovementKind

MAX_PARTS = 50
MAX_PER_KIT = 1000


@dataclass(frozen=True, slots=True)
class KitPart:
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        Sku(self.sku)
        if not 1 <= self.quantity <= MAX_PER_KIT:
            raise InvalidValue(
                "quantity", str(self.quantity), f"a kit takes 1 to {MAX_PER_KIT} of a part"
            )


@dataclass(frozen=True, slots=True)
class Kit:
    """`sku` (a product in the catalog) made of `parts`, each a different SKU, none the kit."""

    sku: str
    parts: tuple[KitPart, ...]

    def __post_init__(self) -> None:
        Sku(self.sku)
        if not 1 <= len(self.parts) <= MAX_PARTS:
            raise InvalidValue("parts", str(len(self.parts)), f"a kit has 1 to {MAX_PARTS} parts")
        skus = [part.sku for part in self.parts]
        if len(set(skus)) != len(skus):
            raise InvalidValue("parts", ", ".join(skus), "each part appears once per kit")
        if self.sku in skus:
            raise InvalidValue("parts", self.sku, "a kit cannot be a part of itself")

    def takes(self, quantity: int) -> dict[str, int]:
        """What selling `quantity` kits takes of each part."""
        if quantity < 1:
            raise InvalidValue("quantity", str(quantity), "must be at least 1")
        return {part.sku: part.quantity * quantity for part in self.parts}

    def available(self, on_hand: Mapping[str, int]) -> int:
        """How many kits `on_hand` (of each part, at one node) makes: its scarcest part's."""
        return min(max(0, on_hand.get(p.sku, 0)) // p.quantity for p in self.parts)


def kits_of(rows: Iterable[tuple[str, str, int]]) -> dict[str, Kit]:
    """Kits from stored (kit, part, quantity) rows, each kit's parts in their stored order."""
    parts: dict[str, list[KitPart]] = {}
    for kit, part, quantity in rows:
        parts.setdefault(kit, []).append(KitPart(part, int(quantity)))
    return {sku: Kit(sku, tuple(found)) for sku, found in parts.items()}


_WORST = list(Confidence)  # exact, buffered, limited, withheld: each later one says less


def bundle_figure(kit: Kit, node: str, parts: Mapping[str, Published]) -> Published:
    """What every channel may say of `kit` at `node`, from what the one availability rule
    lets them say of its parts there (`parts`, by SKU; a part missing has none): as many kits
    as the scarcest part's published units make, said with the least confidence of any part,
    so a kit is never shown surer, or in more units, than any of its parts."""
    found = [(parts.get(p.sku), p.quantity) for p in kit.parts]
    if any(figure is None for figure, _ in found):
        return Published(node, kit.sku, 0, Confidence.EXACT)
    figures = [(figure, need) for figure, need in found if figure is not None]
    confidence = max((f.confidence for f, _ in figures), key=_WORST.index)
    age = max(f.age_s for f, _ in figures)
    if confidence is Confidence.WITHHELD:
        return Published(node, kit.sku, 0, confidence, 0, age)
    quantity = min(f.quantity // need for f, need in figures)
    truth = min((f.quantity + f.buffer) // need for f, need in figures)
    return Published(node, kit.sku, quantity, confidence, truth - quantity, age)


def check_kit(kit: Kit, kits: Mapping[str, Kit]) -> None:
    """Kits do not nest: a kit's parts are not kits, and a part of a kit is not made a kit."""
    nested = sorted(part.sku for part in kit.parts if part.sku in kits)
    if nested:
        raise InvalidValue("parts", nested[0], "is a kit itself: kits are made of single items")
    used_in = sorted(k.sku for k in kits.values() if kit.sku in {p.sku for p in k.parts})
    if used_in:
        raise InvalidValue("sku", kit.sku, f"is a part of kit {used_in[0]}: it cannot be a kit")


def parts_wanted(lines: Iterable[tuple[str, int]], kits: Mapping[str, Kit]) -> dict[str, int]:
    """Order or sale lines with every kit replaced by its parts, quantities added up per SKU
    (first-seen order kept)."""
    wanted: dict[str, int] = {}
    for sku, quantity in lines:
        kit = kits.get(sku)
        taken = kit.takes(quantity) if kit is not None else {sku: quantity}
        for part, count in taken.items():
            wanted[part] = wanted.get(part, 0) + count
    return wanted


@dataclass(eq=False)
class UnknownKit(DomainError):
    sku: str
    code = "unknown_kit"

    def __str__(self) -> str:
        return f"no kit {self.sku!r} (make one with `microindex kit set`)"


# What puts units on a node's shelf, and what to do with a kit's parts instead
_ADDS_STOCK = {
    MovementKind.RECEIVE: "receive",
    MovementKind.COUNT_ADJUST: "count",
    MovementKind.TRANSFER_IN: "transfer",
    MovementKind.RETURN_RESTOCK: "return",
}


@dataclass(eq=False)
class KitHoldsNoStock(DomainError):
    """Units put under a kit's own SKU: no kit stock counts them, and a sale of the kit
    spends its parts, so they would sit in the ledger for ever (ADR 0009)."""

    sku: str
    parts: tuple[str, ...]
    act: str  # what to do with the parts instead: receive, count, transfer, return
    code = "kit_holds_no_stock"

    def __str__(self) -> str:
        return (
            f"{self.sku} is a kit: it holds no stock of its own;"
            f" {self.act} its parts instead ({', '.join(self.parts)})"
        )


def stock_added(movements: Iterable[Movement]) -> dict[str, str]:
    """The SKUs `movements` put units on the shelf under, each with the act that did (first)."""
    added: dict[str, str] = {}
    for m in movements:
        act = _ADDS_STOCK.get(m.kind)
        if act is not None and m.quantity > 0:
            added.setdefault(m.sku, act)
    return added


def refuse_kits(added: Mapping[str, str], kits: Mapping[str, Kit]) -> None:
    """KitHoldsNoStock for the first SKU (in sort order) of `added` (SKU -> act, as
    `stock_added` says) that is one of `kits`."""
    for sku in sorted(set(added) & set(kits)):
        raise KitHoldsNoStock(sku, tuple(part.sku for part in kits[sku].parts), added[sku])


@dataclass(eq=False)
class HeldOfItsOwn(DomainError):
    """A product made a kit would keep what it holds of its own: units no kit stock counts,
    orders waiting for units that never come in again, reorder points low for ever."""

    sku: str
    held: tuple[str, ...]  # each said as "2 on hand at shop", "open order web-1", ...
    code = "held_of_its_own"

    def __str__(self) -> str:
        return (
            f"{self.sku} has {'; '.join(self.held)}: a kit holds no stock of its own, so"
            f" sell, write off or move that stock, finish or cancel those orders and remove"
            f" those reorder points first, then make {self.sku} a kit"
        )
