"""The accountant's CSV files: sales in a period, and stock value now. Text a person typed
(titles, references) is written so a spreadsheet shows it as text: control characters
dropped, and a leading `=`, `+`, `-`, `@`, tab or carriage return behind an apostrophe (OWASP's
CSV injection advice). Amounts are plain decimals, exact to the currency's minor unit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import BinaryIO

from microindex.adapters.csvio.sheet import sheet_writer
from microindex.service.accounts import SaleLine, ValueLine

SALES_COLUMNS = (
    "date", "time", "node", "movement", "sku", "title", "quantity", "vat_rate",
    "unit_net", "unit_vat", "unit_gross", "net", "vat", "gross", "currency", "reference",
)  # fmt: skip
STOCK_COLUMNS = (
    "node", "sku", "title", "on_hand", "unit_cost", "value_at_cost", "unit_net_price",
    "value_at_net_price", "currency", "cost_currency",
)  # fmt: skip


def _printable(value: str) -> str:
    """Typed text as printable characters (the sheet writer keeps it from being run)."""
    return "".join(c for c in value if c.isprintable() or c == " ")


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def write_sales(stream: BinaryIO, lines: Sequence[SaleLine]) -> None:
    with sheet_writer(stream, SALES_COLUMNS) as writer:
        for s in lines:
            p = s.priced
            writer.writerow(
                {
                    "date": s.at.date().isoformat(),
                    "time": s.at.time().isoformat(timespec="seconds"),
                    "node": s.node,
                    "movement": s.movement,
                    "sku": _printable(s.sku),
                    "title": _printable(s.title),
                    "quantity": s.quantity,
                    "vat_rate": "" if p is None else str(p.rate),
                    "unit_net": _amount(None if p is None else p.net.amount),
                    "unit_vat": _amount(None if p is None else p.vat.amount),
                    "unit_gross": _amount(None if p is None else p.gross.amount),
                    "net": _amount(s.total("net")),
                    "vat": _amount(s.total("vat")),
                    "gross": _amount(s.total("gross")),
                    "currency": "" if p is None else p.gross.currency,
                    "reference": _printable(s.reference),
                }
            )


def write_stock_value(stream: BinaryIO, lines: Sequence[ValueLine]) -> None:
    with sheet_writer(stream, STOCK_COLUMNS) as writer:
        for v in lines:
            writer.writerow(
                {
                    "node": v.node,
                    "sku": _printable(v.sku),
                    "title": _printable(v.title),
                    "on_hand": v.on_hand,
                    "unit_cost": _amount(v.unit_cost.amount if v.unit_cost else None),
                    "value_at_cost": _amount(v.at_cost),
                    "unit_net_price": _amount(v.priced.net.amount if v.priced else None),
                    "value_at_net_price": _amount(v.at_net_price),
                    "currency": v.priced.net.currency if v.priced else "",
                    "cost_currency": v.unit_cost.currency if v.unit_cost else "",
                }
            )
