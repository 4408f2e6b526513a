"""What the accountant asks for: sales in a period (units, net, VAT, gross per sale) and the
stock's value at a moment (on hand at cost and at price, per node and SKU).

A sale is valued at the product's catalog price (its sale price when it has one) and VAT rate
as they are when the export runs: the ledger records units, not prices. Units a customer
brought back are a refund, a line of negative units at the return point when staff decided
what became of them (restocked, refurbished or written off), under the return's id. Stock is
valued at cost from the latest purchase order line for the SKU that received goods, blank when
none did.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.movement import Movement
from microindex.domain.product import Product
from microindex.domain.returns import Return
from microindex.domain.vat import Priced
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.purchasing import PurchaseOrderStore
from microindex.service.triage import is_sale
from microindex.service.vat import Pricing, VatStore

PAGE = 5000


@dataclass(frozen=True, slots=True)
class SaleLine:
    at: datetime
    node: str
    seq: int
    sku: str
    title: str
    quantity: int
    priced: Priced | None  # per unit; None for a SKU no longer in the catalog
    reference: str
    returned: str = ""  # a refund's return id (its quantity below zero); "" for a sale
    line: Priced | None = None  # the line's units priced together (`Pricing.line`)

    @property
    def movement(self) -> str:
        return self.returned or f"{self.node}#{self.seq}"

    def total(self, part: str) -> Decimal | None:
        """The line's net, VAT or gross, a refund's below zero: rounded once on the line,
        not per unit and multiplied (HMRC's VAT Notice 700, 17.5: never rounded down)."""
        if self.line is None:
            return None
        money: Money = getattr(self.line, part)
        total = money.amount if self.quantity >= 0 else -money.amount
        return total if total else abs(total)  # a refund of no VAT is 0.00, not -0.00


def period(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The days `first` to `last` (both in), from local midnight to local midnight."""
    if last < first:
        raise InvalidValue("to", last.isoformat(), "the period ends on or after its first day")
    start = datetime.combine(first, time(0), zone)
    return start, datetime.combine(last + timedelta(days=1), time(0), zone)


def sales(
    ledgers: Mapping[str, UnitOfWorkFactory],
    catalog: Mapping[str, Product],
    vat: VatStore,
    returns: Sequence[Return],
    start: datetime,
    end: datetime,
) -> list[SaleLine]:
    """Every sale (a walk-in SELL, an online order's PICK) at `start` or after and before
    `end`, and every refund of `returns` decided then, by time, node, sequence, its time in
    `start`'s zone."""
    if end <= start:
        raise InvalidValue("to", end.isoformat(), "the period ends after it starts")
    pricing = Pricing(vat)
    found: list[SaleLine] = []
    for code in sorted(ledgers):
        for m in _movements(ledgers[code], code):
            if not is_sale(m) or not start <= m.at < end:
                continue
            product = catalog.get(m.sku)
            found.append(
                SaleLine(
                    m.at.astimezone(start.tzinfo),
                    code,
                    m.seq,
                    m.sku,
                    product.title if product else "",
                    -m.quantity,
                    pricing.of(product) if product else None,
                    m.reference,
                    line=pricing.line(product, -m.quantity) if product else None,
                )
            )
    found.extend(_refunds(returns, catalog, pricing, start, end))
    return sorted(found, key=lambda s: (s.at, s.node, s.seq, s.returned))


def _refunds(
    returns: Sequence[Return],
    catalog: Mapping[str, Product],
    pricing: Pricing,
    start: datetime,
    end: datetime,
) -> Iterator[SaleLine]:
    """Each decision on a returned unit in the period: the customer's money back."""
    for ret in returns:
        for d in ret.decisions:
            if not start <= d.at < end:
                continue
            product = catalog.get(d.sku)
            yield SaleLine(
                d.at.astimezone(start.tzinfo),
                ret.return_point,
                0,
                d.sku,
                product.title if product else "",
                -d.quantity,
                pricing.of(product) if product else None,
                ret.origin.reference,
                ret.id,
                pricing.line(product, d.quantity) if product else None,
            )


@dataclass(frozen=True, slots=True)
class ValueLine:
    node: str
    sku: str
    title: str
    on_hand: int
    unit_cost: Money | None
    priced: Priced | None  # per unit

    @property
    def at_cost(self) -> Decimal | None:
        return None if self.unit_cost is None else self.unit_cost.amount * self.on_hand

    @property
    def at_net_price(self) -> Decimal | None:
        return None if self.priced is None else self.priced.net.amount * self.on_hand


def stock_value(
    ledgers: Mapping[str, UnitOfWorkFactory],
    catalog: Mapping[str, Product],
    vat: VatStore,
    orders: PurchaseOrderStore,
) -> list[ValueLine]:
    """On hand now at every node (units above zero), with unit cost and net price."""
    pricing = Pricing(vat)
    costs = latest_costs(orders)
    found: list[ValueLine] = []
    for code in sorted(ledgers):
        with ledgers[code]() as uow:
            lines = uow.ledger.stock(code)
        for line in lines:
            if line.on_hand <= 0:
                continue
            product = catalog.get(line.sku)
            found.append(
                ValueLine(
                    code,
                    line.sku,
                    product.title if product else "",
                    line.on_hand,
                    costs.get(line.sku),
                    pricing.of(product) if product else None,
                )
            )
    return sorted(found, key=lambda v: (v.node, v.sku))


def latest_costs(orders: PurchaseOrderStore) -> dict[str, Money]:
    """Each SKU's unit cost on the newest purchase order that received some of it."""
    costs: dict[str, tuple[datetime, Money]] = {}
    for order in orders.orders():
        if not order.receipts:
            continue
        last = order.receipts[-1].at
        for line in order.lines:
            known = costs.get(line.sku)
            if line.received and (known is None or last > known[0]):
                costs[line.sku] = (last, line.unit_cost)
    return {sku: cost for sku, (_, cost) in costs.items()}


def _movements(factory: UnitOfWorkFactory, code: str) -> Iterator[Movement]:
    after = 0
    while True:
        with factory() as uow:
            batch = uow.ledger.movements(code, after, PAGE)
        yield from batch
        if len(batch) < PAGE:
            return
        after = batch[-1].seq
