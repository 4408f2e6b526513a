"""What a shopper's phone shows on scanning a shelf or product QR, and the hold it places.

The page names the product and, for each node that holds it, the figure our own pages may show
(the page channel's staleness rule: as of the node's last sync, less a buffer for its age), when
a hold there would be ready, how far away the node is, and how many units the shopper may hold
there now (from the online rights the hub holds). Nodes come nearest first: the scanned shelf's
node, then by distance from it; or, when the shopper says where they are, by distance from them
and then by ready-by time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from microindex.domain.channels.figures import Confidence, Published
from microindex.domain.channels.items import image_links
from microindex.domain.channels.mapping import schema_availability
from microindex.domain.channels.price import price_at
from microindex.domain.errors import InvalidValue, UnknownSku
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.scan import read_scan
from microindex.domain.money import Money
from microindex.domain.node import Location, Node
from microindex.domain.product import Product
from microindex.domain.promise import holds
from microindex.domain.promise.lifecycle import Step
from microindex.service import promise, shelf_holds
from microindex.service.channel_views import ProductPage, product_page
from microindex.service.channels import ChannelSources
from microindex.service.known import node_named
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.promise_ports import CandidateStates, PromiseUnitOfWorkFactory
from microindex.service.resolver import Role, resolve_scan


@dataclass(frozen=True, slots=True)
class Scanned:
    link: DigitalLink
    product: Product
    shelf: str | None  # the node whose shelf label was scanned
    expired: bool  # a product link whose expiry date (AI 17) has passed


@dataclass(frozen=True, slots=True)
class NodeStock:
    """One node's line: its product page (the figure it may show), and what a hold there gets."""

    page: ProductPage  # its figure: the page rule's, or the hub's rights there when more
    as_of: datetime  # when the figure was true
    ready_by: datetime | None  # when a hold placed now would be ready (None: not open soon)
    reservable: int  # units a shopper may hold here now
    refusal: str  # why none may be held here (a domain error's code), "" when some may
    distance_km: float | None = None

    @property
    def node(self) -> Node:
        return self.page.node


@dataclass(frozen=True, slots=True)
class ScanView:
    scanned: Scanned
    price: Money
    image: str
    stock: tuple[NodeStock, ...]  # nearest first
    at: datetime

    @property
    def product(self) -> Product:
        return self.scanned.product


@dataclass(frozen=True, slots=True)
class Held:
    """A hold as the shopper's confirmation shows it."""

    reference: str
    node: Node  # where it is collected
    product: Product
    quantity: int
    ready_by: datetime | None
    until: datetime  # released then unless collected
    step: Step
    created: bool  # False: a repeated form, answered with the first hold


def scanned(hub: PromiseUnitOfWorkFactory, ops: NodeOpsFactory, scan: str, today: date) -> Scanned:
    """The product a shelf label (through its shelf slot) or a product link names."""
    link = read_scan(scan)
    if link.key.ai == "414":
        node, sku = shelf_holds.scanned_item(hub, ops, scan)
        with hub() as uow:
            product = uow.catalog.get(sku)
        if product is None:
            raise UnknownSku(sku)
        return Scanned(link, product, node, False)
    if link.key.ai == "01":
        found = resolve_scan(hub, scan, Role.SHOPPER, today)
        assert found.product is not None  # an unknown GTIN raised UnknownGtin
        return Scanned(link, found.product, None, found.expired)
    raise InvalidValue("scan", scan, "scan a shelf label or a product's code")


def held_rights(hub: PromiseUnitOfWorkFactory, sku: str) -> dict[str, int]:
    """The online rights to `sku` the hub holds, by node."""
    with hub() as uow:
        return {node: max(0, units) for node, units in uow.accounts.held(sku).items()}


def scan_view(
    sources: ChannelSources,
    hub: PromiseUnitOfWorkFactory,
    ops: NodeOpsFactory,
    scan: str,
    now: datetime,
    shopper: Location | None = None,
) -> ScanView:
    """The page for `scan`: the nodes holding the product (the scanned shelf's always), nearest
    first from the shopper when they said where they are, else from the shelf."""
    found = scanned(hub, ops, scan, now.date())
    sku = found.product.sku.value
    held = held_rights(hub, sku)
    lines = [_line(sources, node, sku, held.get(node.code.value, 0), now) for node in sources.nodes]
    shown = [line for line in lines if _worth_showing(line, found.shelf)]
    origin = shopper or next(
        (line.node.location for line in shown if line.node.code.value == found.shelf), None
    )
    if origin is not None:
        shown = [replace(line, distance_km=line.node.location.km_to(origin)) for line in shown]
    first = found.shelf if shopper is None else None
    shown.sort(key=lambda line: _nearest(line, first))
    image = next(iter(image_links(found.product, sources.image_for(sku))), "")
    return ScanView(found, price_at(found.product, now), image, tuple(shown), now)


def _line(sources: ChannelSources, node: Node, sku: str, held: int, now: datetime) -> NodeStock:
    page = _at_least_held(sources, product_page(sources, sku, node.code.value, now), held)
    why = holds.refusal(node, sku, 1, held, now)
    return NodeStock(
        page,
        now - timedelta(seconds=page.figure.age_s),
        holds.ready_for_hold(node, now),
        holds.reservable(node, sku, held, now),
        "" if why is None else why.code,
    )


def _at_least_held(sources: ChannelSources, page: ProductPage, held: int) -> ProductPage:
    """The page's figure, or the hub's rights there when more: rights are firm whatever the
    figure's age (they are units on hand that only the hub may spend), so at least that many."""
    figure = page.figure
    if held <= figure.quantity:
        return page
    firm = Published(figure.node, figure.sku, held, Confidence.BUFFERED, 0, figure.age_s)
    available = schema_availability(page.product, firm, sources.settings.day_of(page.at))
    return replace(page, figure=firm, availability=available)


def _worth_showing(line: NodeStock, shelf: str | None) -> bool:
    return line.page.figure.quantity > 0 or line.reservable > 0 or line.node.code.value == shelf


def _nearest(line: NodeStock, first: str | None) -> tuple[int, float, float, str]:
    ready = math.inf if line.ready_by is None else line.ready_by.timestamp()
    distance = math.inf if line.distance_km is None else line.distance_km
    return (0 if line.node.code.value == first else 1, distance, ready, line.node.code.value)


def _node(nodes: Sequence[Node], code: str) -> Node:
    return node_named(nodes, code)


def placed_before(hub: PromiseUnitOfWorkFactory, key: str) -> bool:
    try:
        promise.get_order(hub, key)
    except promise.UnknownOrder:
        return False
    return True


def hold(
    hub: PromiseUnitOfWorkFactory,
    ops: NodeOpsFactory,
    nodes: Sequence[Node],
    key: str,
    scan: str,
    node: str,
    quantity: int,
    at: datetime,
    states: CandidateStates | None = None,
) -> Held:
    """Hold `quantity` of the scanned item for pickup at `node`, for `shelf_holds.HOLD` once it
    is ready there. The same key again answers with its first hold, whatever changed since."""
    product = scanned(hub, ops, scan, at.date()).product
    sku = product.sku.value
    where = _node(nodes, node)
    if not placed_before(hub, key):
        why = holds.refusal(where, sku, quantity, held_rights(hub, sku).get(node, 0), at)
        if why is not None:
            raise why
    lease = holds.lease(where, at, shelf_holds.HOLD)
    placed = shelf_holds.hold_item(hub, key, sku, node, nodes, at, quantity, lease, states)
    return _held(placed, product, nodes)


def _held(placed: promise.Placed, product: Product, nodes: Sequence[Node]) -> Held:
    order = placed.record.order
    part = next(iter(order.parts.values()))
    where = _node(nodes, part.transfer_to or part.node)
    units = sum(quantity for _, quantity in part.lines)
    ready = part.arrives_by if part.transfer_to else part.ready_by
    return Held(
        order.ident,
        where,
        product,
        units,
        ready,
        placed.record.lease_until,
        order.step,
        placed.created,
    )
