"""Return use cases: open against a sale or order, check in by scan, disposition, alert.

A return lives at its return point. Restocking records a `return-restock` movement in the
return point's own ledger, in the same transaction as the decision: the unit is sellable there
again, whichever node sold it. Refurbish and write-off record no movement: a returned unit left
on-hand when it was sold, and comes back into it only when restocked (or, once refurbished,
received again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from microindex.domain.codes import Sku
from microindex.domain.errors import UnknownSku
from microindex.domain.gtin import Gtin
from microindex.domain.kits import parts_wanted
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.node import Location
from microindex.domain.returns import (
    Condition,
    Decision,
    Disposition,
    NoSuchSale,
    Origin,
    OriginKind,
    Reason,
    Return,
    ReturnAlert,
    ReturnLine,
    UnknownReturn,
    check_against_sale,
    nearest_return_point,
    return_alerts,
    rule_for,
)
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory, PackagesUsed
from microindex.service.known import near, registered, unknown_node, unknown_sku
from microindex.service.ledger_history import all_movements
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.resolver import UnitOfWorkLookup
from microindex.service.stock import save_movements

Nodes = Mapping[str, GovernanceUnitOfWorkFactory]
SOLD_KINDS = (MovementKind.SELL, MovementKind.PICK)


def open_return(
    hub: UnitOfWorkFactory,
    nodes: Nodes,
    origin: Origin,
    lines: Sequence[tuple[str, int]],
    reason: Reason,
    at: datetime,
    near: Location | None = None,
    note: str = "",
) -> Return:
    """Open a return of `lines` (SKU, units) against a sale (by its reference or its place
    in the ledger) or an order id at the node that sold it, sent to the return point
    nearest `near` (default: the selling node). A kit comes back as the parts it was sold
    as (ADR 0009), at the quantities it holds."""
    with hub() as uow:
        missing = uow.catalog.missing(sku for sku, _ in lines)
        if missing:
            raise unknown_sku(uow, sorted(missing)[0])
        kits = uow.catalog.kits_among(sku for sku, _ in lines)
        all_nodes = uow.nodes.all()
        seller = next((n for n in all_nodes if n.code.value == origin.node), None)
        if seller is None:
            raise unknown_node(uow, origin.node)
    seller_db = registered(nodes, origin.node)
    if kits:
        lines = list(parts_wanted(lines, kits).items())
    for sold, already in _sales_and_returns(seller_db, nodes, origin):
        for sku, units in lines:
            check_against_sale(origin, sku, sold.get(sku, 0), already.get(sku, 0), units)
    point = nearest_return_point(all_nodes, near or seller.location).code.value
    with nodes[point]() as uow:
        ret = Return(
            f"R-{point}-{uow.returns.next_number():05d}",
            origin,
            point,
            reason,
            at,
            [ReturnLine(sku, units) for sku, units in lines],
            note=note,
        )
        uow.returns.add(ret)
        uow.commit()
    return ret


Units = dict[str, int]


def _sales_and_returns(
    seller_db: UnitOfWorkFactory, nodes: Nodes, origin: Origin
) -> list[tuple[Units, Units]]:
    """What a new return against `origin` is held to, as (sold, already returned) by SKU.

    A sale named by its place (`origin.sale`) lies within the reference it was typed with
    (perhaps none), so a return by either takes from both: the sale's own units and its
    reference's. Two returns against one sale, one by each name, never take more than it
    sold. A kit's sale is one movement a part (`_one_sale`): named by any of them, it is all
    of them."""
    moves = all_movements(seller_db, origin.node)
    sales = {m.seq: m for m in moves if m.kind is MovementKind.SELL}
    if origin.sale is not None and origin.sale not in sales:
        raise NoSuchSale(origin.node, origin.sale)
    same = _one_sale(sales, origin.sale) if origin.sale is not None else set()
    if origin.kind is OriginKind.ORDER:
        return [(_sold(m for m in moves if _under(m, origin)), returned_under(nodes, origin))]
    # the reference typed with the sale: the units of every sale under it are held together
    reference = origin.reference if origin.sale is None else sales[origin.sale].reference
    under = Origin(OriginKind.SALE, reference, origin.node) if reference else None
    by_reference = [m for m in moves if m.kind in SOLD_KINDS and m.reference == reference]
    already: Units = defaultdict(int)
    own: Units = defaultdict(int)
    for ret in all_returns(nodes):
        placed = ret.origin.sale
        if ret.origin.node != origin.node or (placed is None and under is None):
            continue
        if placed is None and ret.origin.reference != reference:
            continue
        if placed is not None and (placed not in sales or sales[placed].reference != reference):
            continue
        for line in ret.lines:
            already[line.sku] += line.quantity
            if placed in same:
                own[line.sku] += line.quantity
    held = [(_sold(by_reference), dict(already))]
    if origin.sale is not None:
        held.append((_sold(sales[s] for s in sorted(same)), dict(own)))
    return held


def _one_sale(sales: Mapping[int, Movement], seq: int) -> set[int]:
    """The seqs of the sale movement `seq` belongs to: a walk-in sale of several SKUs (a
    kit's parts) is recorded at once, one movement a SKU at consecutive seqs with one time,
    reference and actor (`rights.sell_lines_walk_in`), so its neighbours that match are its."""
    first = sales[seq]
    mark = (first.at, first.reference, first.actor)
    found, skus = {seq}, {first.sku}
    for step in (-1, 1):
        at = seq + step
        while at in sales and sales[at].sku not in skus:
            m = sales[at]
            if (m.at, m.reference, m.actor) != mark:
                break
            found.add(at)
            skus.add(m.sku)
            at += step
    return found


def _sold(moves: Iterable[Movement]) -> Units:
    sold: Units = defaultdict(int)
    for m in moves:
        if m.kind in SOLD_KINDS:
            sold[m.sku] -= m.quantity
    return dict(sold)


def _under(m: Movement, origin: Origin) -> bool:
    """An order's goods leave as picks tagged with its reservations (`order/node/sku`); a
    sale's carry the reference staff typed."""
    if origin.kind is OriginKind.ORDER and m.tag is Tag.FULFIL:
        return m.tag_id.split("/", 1)[0] == origin.reference
    return m.reference == origin.reference


def returned_under(nodes: Nodes, origin: Origin) -> dict[str, int]:
    """Units already on returns opened against the same reference at the same node."""
    units: dict[str, int] = defaultdict(int)
    for ret in all_returns(nodes):
        same = ret.origin.sale is None and ret.origin.reference == origin.reference
        if same and ret.origin.node == origin.node:
            for line in ret.lines:
                units[line.sku] += line.quantity
    return dict(units)


def all_returns(nodes: Nodes) -> list[Return]:
    found: list[Return] = []
    for factory in nodes.values():
        with factory() as uow:
            found.extend(uow.returns.all())
    return sorted(found, key=lambda r: (r.opened_at, r.id))


def find_return(nodes: Nodes, return_id: str) -> tuple[str, Return]:
    for code, factory in nodes.items():
        with factory() as uow:
            ret = uow.returns.get(return_id)
        if ret is not None:
            return code, ret
    raise UnknownReturn(return_id)


def check_in(
    hub: UnitOfWorkFactory, nodes: Nodes, return_id: str, scanned: str, quantity: int = 1
) -> list[ReturnLine]:
    """A scan (SKU or GTIN, read in the hub's catalog) of returned goods arriving at the
    return point. A kit's own barcode checks in its parts, at the quantities it holds
    (ADR 0009), all or none."""
    point, _ = find_return(nodes, return_id)
    with hub() as uow:
        sku = scanned_sku(UnitOfWorkLookup(uow), scanned)
        parts = parts_wanted([(sku, quantity)], uow.catalog.kits_among([sku]))
    with nodes[point]() as uow:
        ret = _load(uow.returns.get(return_id), return_id)
        lines = [ret.check_in(part, units) for part, units in parts.items()]
        uow.returns.save(ret)
        uow.commit()
    return lines


def scanned_sku(lookup: UnitOfWorkLookup, scanned: str) -> str:
    """The SKU a scan names: a GTIN (8-14 digits) or the SKU itself."""
    code = scanned.strip()
    if code.isdigit():
        product = lookup.by_gtin(Gtin.parse(code).digits)
        if product is None:
            raise UnknownSku(code)
        return product.sku.value
    if lookup.by_sku(Sku(code).value) is None:
        raise UnknownSku(code, near(code, lookup.skus()))
    return code


def disposition(
    nodes: Nodes,
    return_id: str,
    sku: str,
    condition: Condition,
    at: datetime,
    quantity: int | None = None,
    override: Disposition | None = None,
    actor: str = "",
) -> Decision:
    """Decide what happens to checked-in units: the rule's choice unless `override` is given.

    Restock records a `return-restock` movement at the return point, with the decision.
    """
    point, _ = find_return(nodes, return_id)
    with nodes[point]() as uow:
        ret = _load(uow.returns.get(return_id), return_id)
        product = uow.catalog.get(sku)
        if product is None:
            raise UnknownSku(sku)
        units = ret.undecided(sku) if quantity is None else quantity
        chosen = override or rule_for(condition, product.fragility, ret.reason)
        movement = None
        if chosen is Disposition.RESTOCK and units > 0:
            ledger = uow.ledger.load(point, [sku])
            made = ledger.record(
                sku, MovementKind.RETURN_RESTOCK, units, at, f"return:{return_id}", actor
            )
            save_movements(uow, ledger, at)
            movement = made.seq
        decision = Decision(sku, units, chosen, ret.reason, condition, at, actor, movement)
        ret.decide(decision)
        uow.returns.save(ret)
        uow.commit()
    return decision


def alerts(
    nodes: Nodes,
    packaging: PackagesUsed | None,
    start: datetime,
    end: datetime,
    threshold: float = 0.1,
    min_sold: int = 5,
) -> list[ReturnAlert]:
    """SKUs and package types whose return rate over [start, end) passes `threshold`."""
    sold: dict[str, int] = defaultdict(int)
    for code, factory in nodes.items():
        for m in all_movements(factory, code):
            if m.kind in SOLD_KINDS and start <= m.at < end:
                sold[m.sku] -= m.quantity
    by_sku: dict[str, list[tuple[str, int]]] = defaultdict(list)
    by_ref: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for ret in all_returns(nodes):
        if start <= ret.opened_at < end:
            by_ref[ret.origin.reference].append((ret.id, ret.units))
            for line in ret.lines:
                by_sku[line.sku].append((ret.id, line.quantity))
    found = return_alerts("sku", dict(sold), dict(by_sku), threshold, min_sold)
    if packaging is not None:
        shipped: dict[str, int] = defaultdict(int)
        by_package: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for used in packaging.used():
            if start <= used.at < end:
                shipped[used.package_type] += 1
                by_package[used.package_type] += [(rid, 1) for rid, _ in by_ref[used.order_ref]]
        found += return_alerts("package", dict(shipped), dict(by_package), threshold, min_sold)
    return found


def _load(ret: Return | None, return_id: str) -> Return:
    if ret is None:
        raise UnknownReturn(return_id)
    return ret
