"""What goes on each kind of label: product, shelf, locker compartment, parcel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microindex.adapters.symbols.render import (
    Symbol,
    UnprintableSymbol,
    gs1_128,
    gs1_datamatrix,
    qr,
    retail,
)
from microindex.domain.channels.text import one_line
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.element_string import ElementString
from microindex.domain.gs1.keys import Gln, Sscc
from microindex.domain.gs1.print_grade import Use
from microindex.domain.product import Product


@dataclass(frozen=True, slots=True)
class Label:
    """Text and symbols of one label; the first symbol is the main one (a 2D code). `use` is
    where its symbols are scanned, which sets their printed size (GS1's symbol tables)."""

    heading: str
    lines: tuple[str, ...]
    symbols: tuple[Symbol, ...]
    use: Use = Use.GENERAL


def product_label(
    product: Product,
    stem: str,
    lot: str | None = None,
    serial: str | None = None,
    expiry: date | None = None,
) -> Label:
    """QR with the product's Digital Link, and the linear symbol a till scans (EAN-13, or
    EAN-8 for a GTIN-8) when the GTIN has one."""
    if product.gtin is None:
        raise UnprintableSymbol("qr", product.sku.value, "the product has no GTIN to link")
    link = DigitalLink.product(product.gtin, lot, serial, expiry)
    symbols = [qr(link.uri(stem))]
    linear = retail(product.gtin)
    if linear is not None:
        symbols.append(linear)
    details = [f"SKU {product.sku}", str(product.effective_price())]
    details[-1] += f" {product.price.currency}"
    details += [f"{name} {value}" for name, value in (("LOT", lot), ("SN", serial)) if value]
    if expiry:
        details.append(f"EXP {expiry.isoformat()}")
    return Label(one_line(product.title), tuple(details), tuple(symbols), Use.RETAIL)


def shelf_label(gln: Gln, bin_: str, place: str, stem: str) -> Label:
    """A shelf or bin at a node: `/414/{gln}/254/{bin}` as QR, and as GS1 DataMatrix."""
    link = DigitalLink.location(gln.digits, bin_)
    return Label(
        place,
        (f"BIN {bin_}", f"GLN {gln}"),
        (qr(link.uri(stem)), gs1_datamatrix(link.element_string())),
    )


def locker_label(gln: Gln, compartment: str, locker: str, stem: str) -> Label:
    """A parcel locker's compartment: the compartment is the GLN extension (AI 254)."""
    link = DigitalLink.location(gln.digits, compartment)
    return Label(
        f"{locker} · compartment {compartment}",
        (f"GLN {gln}",),
        (qr(link.uri(stem)),),
    )


def parcel_label(sscc: Sscc, ship_to: tuple[str, ...], service: str, stem: str) -> Label:
    """A shipping label: the SSCC as GS1-128 (carriers scan it) and as a Digital Link QR."""
    link = DigitalLink.parcel(sscc.digits)
    return Label(
        service,
        ("SHIP TO", *ship_to),
        (qr(link.uri(stem)), gs1_128(ElementString.of(("00", sscc.digits)))),
        Use.LOGISTICS,
    )
