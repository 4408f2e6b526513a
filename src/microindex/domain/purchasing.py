"""Purchase orders to suppliers: drafted, sent, received against (in parts), closed.

An order is for one node, where its goods arrive. Each receipt is numbered and records what
came; the goods go into the node's ledger as RECEIVE movements, no more than is outstanding
on each line. An order whose every line has come closes itself; one closed by hand (the
supplier will send no more) keeps what it received. At a node whose agent keeps its ledger on
its own machine a receipt is first `queue`d (its goods travel to the agent as requests and
count against what is outstanding) and booked when the agent's push confirms it (`confirm`).
A receipt may carry a key (a delivery's idempotency key): the same goods again under it are
the receipt first made (`keyed`), never a second one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.money import Money
from microindex.domain.movement import MAX_QUANTITY

MAX_LINES = 500
MAX_SUPPLIER = 200
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$", re.ASCII)


class PoState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTLY_RECEIVED = "partly-received"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class PoLine:
    sku: str
    ordered: int
    unit_cost: Money  # what the supplier charges per unit, before VAT
    received: int = 0
    coming: int = 0  # in queued receipts, not yet confirmed by the node's agent

    def __post_init__(self) -> None:
        Sku(self.sku)
        if not 1 <= self.ordered <= MAX_QUANTITY:
            raise InvalidValue("quantity", str(self.ordered), f"order 1 to {MAX_QUANTITY:,}")

    @property
    def outstanding(self) -> int:
        return max(0, self.ordered - self.received - self.coming)


@dataclass(frozen=True, slots=True)
class Receipt:
    number: int  # 1, 2, ... per order
    at: datetime
    lines: tuple[tuple[str, int], ...]
    actor: str = ""
    key: str = ""  # the idempotency key it came under ("" for none)


@dataclass(eq=False)
class ReceiptKeyReused(DomainError):
    """The same receipt key came with other goods."""

    ident: str
    key: str
    code = "idempotency_key_reused"

    def __str__(self) -> str:
        return f"receipt key {self.key!r} was already used on {self.ident} for other goods"


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    ident: str
    supplier: str
    node: str  # where the goods arrive
    created_at: datetime
    state: PoState = PoState.DRAFT
    lines: tuple[PoLine, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    sent_at: datetime | None = None
    closed_at: datetime | None = None
    note: str = field(default="")
    pending: tuple[Receipt, ...] = ()  # queued for a node's agent elsewhere, not yet confirmed

    def __post_init__(self) -> None:
        if not _IDENT.match(self.ident):
            raise InvalidValue(
                "id", self.ident, "use letters, digits, '.', '_' or '-' (up to 64, no spaces)"
            )
        NodeCode(self.node)
        supplier = self.supplier.strip()
        if not supplier or len(supplier) > MAX_SUPPLIER or not supplier.isprintable():
            raise InvalidValue(
                "supplier", self.supplier, f"1 to {MAX_SUPPLIER} printable characters"
            )
        if len(self.lines) > MAX_LINES:
            raise InvalidValue("lines", str(len(self.lines)), f"at most {MAX_LINES} lines")

    def line(self, sku: str) -> PoLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def add_line(self, sku: str, quantity: int, unit_cost: Money) -> PurchaseOrder:
        """Order `quantity` more of `sku` (a draft only; the same SKU adds up, at the new cost)."""
        self._require(PoState.DRAFT, "add lines to")
        known = self.line(sku)
        if known is not None and known.unit_cost.currency != unit_cost.currency:
            raise InvalidValue("currency", unit_cost.currency, "one currency per line")
        made = PoLine(sku, quantity + (known.ordered if known else 0), unit_cost)
        kept = tuple(line for line in self.lines if line.sku != sku)
        return replace(self, lines=(*kept, made))

    def send(self, at: datetime) -> PurchaseOrder:
        self._require(PoState.DRAFT, "send")
        if not self.lines:
            raise PurchaseOrderRefused(self.ident, self.state.value, "send", "it has no lines")
        return replace(self, state=PoState.SENT, sent_at=at)

    def keyed(self, key: str, arrived: Mapping[str, int]) -> Receipt | None:
        """The receipt made under `key` (booked or on its way), when it was these goods; None
        when no receipt has the key (or there is no key). Other goods under it are refused."""
        if not key:
            return None
        for receipt in (*self.receipts, *self.pending):
            if receipt.key == key:
                if dict(receipt.lines) != {sku: n for sku, n in arrived.items()}:
                    raise ReceiptKeyReused(self.ident, key)
                return receipt
        return None

    def receive(
        self, arrived: Mapping[str, int], at: datetime, actor: str = "", key: str = ""
    ) -> tuple[PurchaseOrder, Receipt]:
        """Goods that came against this order: each SKU on it, no more than outstanding."""
        receipt = self._receipt(arrived, at, actor, key)
        return self._book(receipt, self.lines), receipt

    def queue(
        self, arrived: Mapping[str, int], at: datetime, actor: str = "", key: str = ""
    ) -> tuple[PurchaseOrder, Receipt]:
        """A receipt on its way to the ledger of a node whose agent runs elsewhere: checked as
        `receive` checks it, its units no longer outstanding, booked by `confirm`."""
        receipt = self._receipt(arrived, at, actor, key)
        coming = dict(receipt.lines)
        lines = tuple(
            replace(line, coming=line.coming + coming.get(line.sku, 0)) for line in self.lines
        )
        return replace(self, lines=lines, pending=(*self.pending, receipt)), receipt

    def confirm(self, number: int) -> PurchaseOrder:
        """The node's agent recorded queued receipt `number`: it is booked as received."""
        receipt = next((r for r in self.pending if r.number == number), None)
        if receipt is None:
            raise InvalidValue("receipt", str(number), f"not queued on {self.ident}")
        came = dict(receipt.lines)
        lines = tuple(
            replace(line, coming=line.coming - came.get(line.sku, 0)) for line in self.lines
        )
        pending = tuple(r for r in self.pending if r.number != number)
        return replace(self, pending=pending)._book(receipt, lines)

    def _receipt(
        self, arrived: Mapping[str, int], at: datetime, actor: str, key: str = ""
    ) -> Receipt:
        if self.state not in (PoState.SENT, PoState.PARTLY_RECEIVED):
            raise PurchaseOrderRefused(
                self.ident, self.state.value, "receive against", "only a sent order receives"
            )
        if not arrived:
            raise InvalidValue("lines", "", "a receipt has at least one line")
        for sku, quantity in arrived.items():
            line = self.line(sku)
            if line is None:
                raise InvalidValue("sku", sku, f"not on purchase order {self.ident}")
            if quantity < 1:
                raise InvalidValue("quantity", str(quantity), "must be at least 1")
            if quantity > line.outstanding:
                raise OverReceipt(self.ident, sku, quantity, line.outstanding)
        number = len(self.receipts) + len(self.pending) + 1
        return Receipt(number, at, tuple(sorted(arrived.items())), actor, key)

    def _book(self, receipt: Receipt, lines: tuple[PoLine, ...]) -> PurchaseOrder:
        came = dict(receipt.lines)
        lines = tuple(
            replace(line, received=line.received + came.get(line.sku, 0)) for line in lines
        )
        done = all(line.outstanding == 0 and line.coming == 0 for line in lines)
        state = PoState.CLOSED if done else PoState.PARTLY_RECEIVED
        closed_at = receipt.at if done else None
        receipts = tuple(sorted((*self.receipts, receipt), key=lambda r: r.number))
        return replace(self, lines=lines, receipts=receipts, state=state, closed_at=closed_at)

    def close(self, at: datetime) -> PurchaseOrder:
        """No more will come (or a draft is dropped): what was received stays received."""
        if self.state is PoState.CLOSED:
            raise PurchaseOrderRefused(self.ident, self.state.value, "close", "it is closed")
        if self.pending:
            raise PurchaseOrderRefused(
                self.ident, self.state.value, "close",
                f"receipt {self.pending[0].number} is on its way to {self.node}'s ledger: close"
                " it once the node's agent has synced",
            )  # fmt: skip
        return replace(self, state=PoState.CLOSED, closed_at=at)

    def _require(self, state: PoState, act: str) -> None:
        if self.state is not state:
            raise PurchaseOrderRefused(self.ident, self.state.value, act, f"it is not {state}")


@dataclass(eq=False)
class UnknownPurchaseOrder(DomainError):
    ident: str
    code = "unknown_purchase_order"

    def __str__(self) -> str:
        return f"no purchase order {self.ident!r}"


@dataclass(eq=False)
class PurchaseOrderExists(DomainError):
    ident: str
    code = "purchase_order_exists"

    def __str__(self) -> str:
        return f"purchase order {self.ident!r} exists already"


@dataclass(eq=False)
class PurchaseOrderRefused(DomainError):
    ident: str
    state: str
    act: str
    reason: str
    code = "purchase_order_refused"

    def __str__(self) -> str:
        return f"cannot {self.act} purchase order {self.ident!r} ({self.state}): {self.reason}"


@dataclass(eq=False)
class OverReceipt(DomainError):
    ident: str
    sku: str
    quantity: int
    outstanding: int
    code = "over_receipt"

    def __str__(self) -> str:
        return (
            f"purchase order {self.ident!r} has {self.outstanding} of {self.sku} outstanding,"
            f" not {self.quantity}: receive the extra as a plain `stock receive`"
        )
