"""`microindex labels ...`: Digital Links, symbols, label sheets, ZPL, NFC tags, scan resolving."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress

from microindex.adapters.labels.pdf import LAYOUTS, write_pdf
from microindex.adapters.labels.templates import (
    locker_label,
    parcel_label,
    product_label,
    shelf_label,
)
from microindex.adapters.labels.zpl import DPIS, STOCKS, zpl_label
from microindex.adapters.symbols import render
from microindex.adapters.symbols.nfc import USER_MEMORY, NfcTag, ndef_for_tag, tag_bytes
from microindex.adapters.symbols.render import Symbol, Symbology, UnprintableSymbol
from microindex.domain.errors import InvalidValue, UnknownSku
from microindex.domain.gs1.ai import yymmdd
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.keys import Gln, Sscc
from microindex.domain.product import Product
from microindex.entrypoints.cli.context import (
    all_node_databases,
    console,
    domain_errors,
    errors,
    node_database,
    print_json,
    workspace,
)
from microindex.service.catalog import products_by_sku
from microindex.service.records import product_record
from microindex.service.resolver import Action, Role, resolve_scan

app = typer.Typer(help="Packaging signals: GS1 Digital Links, symbols, labels, NFC, scans.")

SKU = typer.Argument(..., help="Product SKU.")
STEM = typer.Option(
    None,
    "--stem",
    help="Your Digital Link domain (and path), e.g. https://shop.example; default: the"
    " workspace's link_stem setting.",
)


def _stem(ctx: typer.Context, stem: str | None) -> str:
    return stem or workspace(ctx).settings.link_stem


LOT = typer.Option(None, "--lot", help="Batch/lot (AI 10).")
SERIAL = typer.Option(None, "--serial", help="Serial number (AI 21).")
EXPIRY = typer.Option(None, "--expiry", help="Expiry date YYYY-MM-DD (AI 17).")
OUT = typer.Option(..., "--out", "-o", help="File to write.")
TEMPLATE = typer.Option("avery-l7160", "--template", help=f"One of {', '.join(LAYOUTS)}.")


def _product(ctx: typer.Context, sku: str) -> Product:
    found = products_by_sku(workspace(ctx).hub, [sku]).get(sku)
    if found is None:
        raise UnknownSku(sku)
    return found


def _expiry(ctx: typer.Context, text: str | None) -> date | None:
    """The expiry typed, refused unless GS1's 50-year window reads it back as typed."""
    if text is None:
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("expiry", text, "a date as YYYY-MM-DD") from None
    yymmdd(when, workspace(ctx).clock().date())
    return when


def _given(lot: str | None, serial: str | None) -> tuple[str | None, str | None]:
    """A lot or serial typed empty is a mistake, not "none": say so rather than drop it."""
    for name, value in (("lot", lot), ("serial", serial)):
        if value is not None and not value:
            raise InvalidValue(name, value, f"is empty: leave --{name} out, or give one")
    return lot, serial


def _out(path: Path, suffixes: tuple[str, ...]) -> Path:
    """Where a file goes: its folder must exist and its suffix say what is written."""
    if path.suffix.lower() not in suffixes:
        kinds = " or ".join(suffixes)
        raise InvalidValue("out", str(path), f"name a {kinds} file: that is what is written")
    if not path.parent.is_dir():
        raise InvalidValue("out", str(path), f"the folder {path.parent} does not exist")
    return path


def _layout(code: str) -> str:
    if code not in LAYOUTS:
        raise InvalidValue("template", code, f"use one of {', '.join(LAYOUTS)}")
    return code


@app.command("link")
def link(
    ctx: typer.Context,
    sku: str = SKU,
    stem: str | None = STEM,
    lot: str | None = LOT,
    serial: str | None = SERIAL,
    expiry: str | None = EXPIRY,
) -> None:
    """Print a product's Digital Link. Example: microindex labels link MUG-TIDE-350 --lot L7"""
    with domain_errors():
        lot, serial = _given(lot, serial)
        label = product_label(
            _product(ctx, sku), _stem(ctx, stem), lot, serial, _expiry(ctx, expiry)
        )
    typer.echo(label.symbols[0].data)


@app.command("product")
def product(
    ctx: typer.Context,
    sku: str = SKU,
    out: Path = OUT,
    symbology: Symbology = typer.Option(Symbology.QR, "--symbol", help="Which symbol."),
    stem: str | None = STEM,
    lot: str | None = LOT,
    serial: str | None = SERIAL,
    expiry: str | None = EXPIRY,
) -> None:
    """One symbol for a product, PNG or SVG by the file's suffix.

    Example: microindex labels product MUG-TIDE-350 --symbol gs1-datamatrix --lot L7 -o m.svg
    """
    with domain_errors():
        _out(out, (".png", ".svg"))
        lot, serial = _given(lot, serial)
        found = _product(ctx, sku)
        symbol = _symbol(symbology, found, _stem(ctx, stem), lot, serial, _expiry(ctx, expiry))
        if out.suffix.lower() == ".svg":
            out.write_text(render.svg(symbol))
        else:
            out.write_bytes(render.png(symbol))
    console.print(f"{symbology.value} for {sku} written to {out}")


_GTIN_ONLY = {
    Symbology.EAN13: render.ean13,
    Symbology.EAN8: render.ean8,
    Symbology.UPCA: render.upca,
    Symbology.ITF14: render.itf14,
}  # the symbols that carry the GTIN alone


def _symbol(
    symbology: Symbology,
    found: Product,
    stem: str,
    lot: str | None,
    serial: str | None,
    expiry: date | None,
) -> Symbol:
    if found.gtin is None:  # refused as the symbol asked for, not as the label's QR
        raise UnprintableSymbol(symbology.value, found.sku.value, "the product has no GTIN")
    if symbology is Symbology.QR:
        return product_label(found, stem, lot, serial, expiry).symbols[0]
    if symbology in _GTIN_ONLY:
        return _GTIN_ONLY[symbology](found.gtin)
    elements = DigitalLink.product(found.gtin, lot, serial, expiry).element_string()
    if symbology is Symbology.GS1_128:
        return render.gs1_128(elements)
    return render.gs1_datamatrix(elements)


@app.command("sheet")
def sheet(
    ctx: typer.Context,
    node: str = typer.Option(..., "--node", help="Node whose products get labels."),
    out: Path = OUT,
    template: str = TEMPLATE,
    stem: str | None = STEM,
    every: bool = typer.Option(False, "--all", help="Every catalog product, not only in stock."),
) -> None:
    """A PDF label sheet for every product a node holds (products without a GTIN are skipped).

    Example: microindex labels sheet --node shopfront --template avery-l7160 --out shop.pdf
    """
    with domain_errors():
        _out(out, (".pdf",))
        layout = LAYOUTS[_layout(template)]
        database = node_database(ctx, node)
        with database() as uow:
            held = {line.sku for line in uow.ledger.stock(node) if line.on_hand > 0}
            products = [p for p in uow.catalog.all() if every or p.sku.value in held]
        printable = [p for p in products if p.gtin is not None]
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"labels for {node}", total=len(printable))
            count = write_pdf(
                (product_label(p, _stem(ctx, stem)) for p in printable),
                layout,
                out,
                done=lambda _: progress.advance(task),
            )
    skipped = len(products) - len(printable)
    console.print(f"{count} labels on {layout.code} written to {out}; {skipped} without a GTIN")


@app.command("shelf")
def shelf(
    ctx: typer.Context,
    gln: str = typer.Option(..., "--gln", help="The node's GLN (13 digits)."),
    bins: list[str] = typer.Option(..., "--bin", help="Shelf/bin or locker compartment ids."),
    place: str = typer.Option(..., "--place", help="Name printed on the label."),
    out: Path = OUT,
    template: str = TEMPLATE,
    locker: bool = typer.Option(False, "--locker", help="Locker compartment labels."),
    stem: str | None = STEM,
) -> None:
    """Shelf or locker-compartment labels: /414/{gln}/254/{bin}.

    Example: microindex labels shelf --gln 9520123456788 --bin A1 --place Shopfront -o s.pdf
    """
    with domain_errors():
        _out(out, (".pdf",))
        where = Gln(gln)
        make = locker_label if locker else shelf_label
        count = write_pdf(
            [make(where, b, place, _stem(ctx, stem)) for b in bins], LAYOUTS[_layout(template)], out
        )
    console.print(f"{count} labels written to {out}")


@app.command("parcel")
def parcel(
    ctx: typer.Context,
    sscc: str = typer.Option(..., "--sscc", help="The parcel's SSCC (18 digits)."),
    ship_to: list[str] = typer.Option(..., "--ship-to", help="Address lines, in order."),
    service: str = typer.Option(..., "--service", help="Carrier and method, e.g. DPD next-day."),
    out: Path = OUT,
    stem: str | None = STEM,
) -> None:
    """A 4x6 inch shipping label (PDF). Example:
    microindex labels parcel --sscc 095201230000000424 --ship-to "Jo Bloggs" --ship-to "E8 1AA"
    --service "Royal Mail Tracked 48" -o parcel.pdf
    """
    with domain_errors():
        _out(out, (".pdf",))
        label = parcel_label(Sscc(sscc), tuple(ship_to), service, _stem(ctx, stem))
        write_pdf([label], LAYOUTS["shipping-4x6"], out)
    console.print(f"shipping label written to {out}")


@app.command("zpl")
def zpl_cmd(
    ctx: typer.Context,
    sku: str = SKU,
    stock: str = typer.Option("62x29", "--stock", help=f"Label stock: {', '.join(STOCKS)}."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File (default: print)."),
    stem: str | None = STEM,
    lot: str | None = LOT,
    serial: str | None = SERIAL,
    expiry: str | None = EXPIRY,
    dpi: int = typer.Option(
        203, "--dpi", help=f"The printer's resolution: {', '.join(map(str, DPIS))}."
    ),
    font: str = typer.Option(
        "",
        "--font",
        help="A font file on the printer for the text, e.g. E:NOTOSANSJP.TTF (default: its "
        "built-in font, which has no Japanese, Arabic or emoji).",
    ),
) -> None:
    """A product label in ZPL for a Zebra printer, every symbol sized for the stock and the
    printer's dots at GS1 grade (a linear code the stock cannot hold is left off, and said).

    Example: microindex labels zpl MUG-TIDE-350 --stock 4x6 --dpi 300
    """
    with domain_errors():
        if stock not in STOCKS:
            raise InvalidValue("stock", stock, f"use one of {', '.join(STOCKS)}")
        if dpi not in DPIS:
            raise InvalidValue("dpi", str(dpi), f"use one of {', '.join(map(str, DPIS))}")
        lot, serial = _given(lot, serial)
        if out is not None:
            _out(out, (".zpl", ".txt"))
        label = product_label(
            _product(ctx, sku), _stem(ctx, stem), lot, serial, _expiry(ctx, expiry)
        )
        made = zpl_label(label, STOCKS[stock].at(dpi), font)
    for note in made.left_off:
        errors.print(escape(note), highlight=False)
    text = made.text
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        console.print(f"ZPL written to {out}")


@app.command("nfc")
def nfc(
    ctx: typer.Context,
    sku: str = SKU,
    tag: NfcTag = typer.Option(NfcTag.NTAG213, "--tag", help="Tag type."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the NDEF message here."),
    stem: str | None = STEM,
    lot: str | None = LOT,
    serial: str | None = SERIAL,
) -> None:
    """The NDEF message (one URI record) for an NFC tag, checked against the tag's memory.

    Example: microindex labels nfc MUG-TIDE-350 --tag ntag215 -o mug.ndef
    """
    with domain_errors():
        lot, serial = _given(lot, serial)
        if out is not None:
            _out(out, (".ndef", ".bin"))
        uri = product_label(_product(ctx, sku), _stem(ctx, stem), lot, serial).symbols[0].data
        message = ndef_for_tag(uri, tag)
    if out is not None:
        out.write_bytes(message)
    console.print(f"{uri}: {tag_bytes(message)} of {USER_MEMORY[tag]} bytes on an {tag.value}")


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    scanned: str = typer.Argument(..., help="A Digital Link URL, GS1 element string or GTIN."),
    role: Role = typer.Option(Role.STAFF, "--role", help="staff or shopper."),
    node: str | None = typer.Option(None, "--node", help="The node where the scan happens."),
    task: Action | None = typer.Option(None, "--task", help="The action staff are doing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What a scan names, its stock by node and the action at hand.

    Example: microindex labels resolve "https://shop.example/01/09520123456788/10/L7"
    """
    with domain_errors():
        ws = workspace(ctx)
        found = resolve_scan(
            ws.hub, scanned, role, ws.clock().date(), node, task, all_node_databases(ctx)
        )
    data = {
        "subject": found.subject.value,
        "elements": found.link.element_string().bracketed(),
        "action": found.action.value if found.action else None,
        "actions": [a.value for a in found.actions],
        "product": product_record(found.product) if found.product else None,
        "stock": [asdict(line) for line in found.stock],
        "expiry": found.expiry.isoformat() if found.expiry else None,
        "expired": found.expired,
    }
    if as_json:
        print_json(data)
        return
    title = found.product.title if found.product else found.subject.value
    console.print(f"[bold]{title}[/] {data['elements']}")
    for line in found.stock:
        console.print(f"  {line.node}: {line.on_hand}")
    if found.action:
        console.print(
            f"action: [bold]{found.action.value}[/] (also: "
            f"{', '.join(a.value for a in found.actions[1:]) or 'none'})"
        )
