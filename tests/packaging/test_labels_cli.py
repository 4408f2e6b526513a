"""The `labels` sub-app end to end, on a workspace with a node and two products."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.domain.codes import NodeCode
from microindex.domain.node import Location, Node, NodeKind
from microindex.entrypoints.cli import labels
from microindex.entrypoints.cli.context import state
from microindex.service import stock
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.nodes import add_node
from microindex.settings import Settings

from .samples import STEM, gtin, product

runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path) -> typer.Typer:
    workspace = bootstrap(Settings(tmp_path / "ws"))
    add_node(workspace.hub, Node(NodeCode("shopfront"), NodeKind.STORE, "Shop", Location(51.5, 0)))
    products = [product(1), product(2), product(3, with_gtin=False)]
    import_products(workspace.hub, ParsedCatalog(products=products), workspace.clock())
    workspace.close()
    root = typer.Typer()

    @root.callback()
    def main(ctx: typer.Context) -> None:
        state(ctx).workspace_path = tmp_path / "ws"
        ctx.call_on_close(state(ctx).close)

    root.add_typer(labels.app, name="labels")
    return root


def run(app: typer.Typer, *args: str) -> str:
    result = runner.invoke(app, ["labels", *args], env={"MICROINDEX_LINK_STEM": STEM})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps long lines


def test_link_prints_the_products_digital_link(cli: typer.Typer) -> None:
    assert run(cli, "link", "MUG-1", "--lot", "L1") == (f"{STEM}/01/{gtin(1).digits}/10/L1")


def test_product_writes_png_and_svg(cli: typer.Typer, tmp_path: Path) -> None:
    run(cli, "product", "MUG-1", "--symbol", "gs1-datamatrix", "-o", str(tmp_path / "m.png"))
    run(cli, "product", "MUG-1", "--symbol", "ean13", "-o", str(tmp_path / "e.svg"))
    assert (tmp_path / "m.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "e.svg").read_text()


def test_sheet_prints_every_product_with_a_gtin(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    output = run(cli, "sheet", "--node", "shopfront", "--all", "--out", str(out))
    assert "2 labels" in output and "1 without a GTIN" in output
    assert out.read_bytes().startswith(b"%PDF")


def test_zpl_and_nfc_commands(cli: typer.Typer, tmp_path: Path) -> None:
    assert "^BQN" in run(cli, "zpl", "MUG-1")
    output = run(cli, "nfc", "MUG-1", "--tag", "ntag213", "-o", str(tmp_path / "t.ndef"))
    assert "of 144 bytes" in output


def test_resolve_prints_json(cli: typer.Typer, tmp_path: Path) -> None:
    ws = bootstrap(Settings(tmp_path / "ws"))
    pull_catalog(ws.hub, ws.node("shopfront"))
    stock.receive(ws.node("shopfront"), "shopfront", "MUG-1", 3, ws.clock())
    ws.close()
    output = run(cli, "resolve", f"{STEM}/01/{gtin(1).digits}", "--node", "shopfront", "--json")
    assert '"action": "pick"' in output and '"on_hand": 3' in output


def test_a_malformed_scan_is_an_error_with_the_reason(cli: typer.Typer) -> None:
    result = runner.invoke(cli, ["labels", "resolve", f"{STEM}/01/09520123456789"])
    assert result.exit_code == 1
    assert "check digit" in result.output


def test_unknown_template_is_refused(cli: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "labels",
            "sheet",
            "--node",
            "shopfront",
            "--template",
            "x",
            "-o",
            str(tmp_path / "a.pdf"),
        ],
    )
    assert result.exit_code == 1
    assert "avery-l7160" in result.output


def fails(app: typer.Typer, *args: str) -> str:
    result = runner.invoke(app, ["labels", *args], env={"MICROINDEX_LINK_STEM": STEM})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return " ".join(result.output.split())


def test_an_expiry_the_gs1_window_would_read_in_another_century_is_refused(
    cli: typer.Typer, tmp_path: Path
) -> None:
    out = tmp_path / "m.png"
    said = fails(
        cli, "product", "MUG-1", "--symbol", "gs1-128", "--expiry", "2080-06-30", "-o", str(out)
    )
    assert "50 years" in said and not out.exists()
    assert "50 years" in fails(cli, "link", "MUG-1", "--expiry", "2080-06-30")


def test_an_empty_lot_or_serial_is_refused_not_dropped(cli: typer.Typer) -> None:
    assert "lot" in fails(cli, "link", "MUG-1", "--lot", "")
    assert "serial" in fails(cli, "link", "MUG-1", "--serial", "")


def test_a_file_in_a_missing_folder_or_of_an_unknown_kind_is_refused_in_one_line(
    cli: typer.Typer, tmp_path: Path
) -> None:
    said = fails(cli, "product", "MUG-1", "-o", str(tmp_path / "missing" / "x.png"))
    assert "does not exist" in said
    said = fails(cli, "product", "MUG-1", "-o", str(tmp_path / "x.jpg"))
    assert ".png or .svg" in said and not (tmp_path / "x.jpg").exists()


def test_a_lot_with_parentheses_is_carried_as_typed_through_the_cli(
    cli: typer.Typer, tmp_path: Path
) -> None:
    """#19 item 1, as a user met it: `--lot 'A(21)B'` once became (10)A and (21)B."""
    from PIL import Image

    from .decoding import decode_all, gs1_keys, scanner_data

    for symbol in ("gs1-128", "gs1-datamatrix"):
        out = tmp_path / f"{symbol}.png"
        run(cli, "product", "MUG-1", "--symbol", symbol, "--lot", "A(21)B", "-o", str(out))
        (found,) = decode_all(Image.open(out))
        assert gs1_keys(scanner_data(found)) == {"01": gtin(1).digits, "10": "A(21)B"}
    zpl = run(cli, "zpl", "MUG-1", "--lot", "(21)X")
    assert "%2821%29X" in zpl  # the QR's Digital Link, the lot percent-encoded


def test_a_gs1_128_over_48_characters_is_refused_with_the_way_out(cli: typer.Typer) -> None:
    """#19 item 7: 20-character lot and serial with an expiry is 70 data characters."""
    said = fails(
        cli,
        "product",
        "MUG-1",
        "--symbol",
        "gs1-128",
        "--lot",
        "L" * 20,
        "--serial",
        "S" * 20,
        "--expiry",
        "2027-06-30",
        "-o",
        "x.png",
    )
    assert "48" in said and "gs1-datamatrix" in said


@pytest.mark.parametrize(
    "scanned",
    [
        f"HTTPS://SHOP.EXAMPLE/01/{gtin(1).digits}",
        f"{STEM}/01/{gtin(1).digits}/",
        f"(01){gtin(1).digits}(12)270630",
        f"(01){gtin(1).digits}(4321)1",
    ],
)
def test_the_resolver_reads_valid_scans_it_once_refused(cli: typer.Typer, scanned: str) -> None:
    """#19 item 8: upper-case scheme and host, a trailing slash, AIs 12 and 4321."""
    output = run(cli, "resolve", scanned, "--json")
    assert gtin(1).digits in output and "MUG-1" in output


@pytest.mark.parametrize(
    "stem", ["https://shop example", "https://shop.example/01/09520123456788", "ftp://x.org"]
)
def test_a_stem_that_cannot_be_a_link_is_refused(cli: typer.Typer, stem: str) -> None:
    """#19 item 9: a space, a stem that already holds a primary key, a scheme other than http(s)."""
    assert "stem" in fails(cli, "link", "MUG-1", "--stem", stem).lower()


def test_ean8_and_itf14_print_the_symbol_asked_for(cli: typer.Typer, tmp_path: Path) -> None:
    """`--symbol itf14` once wrote a GS1 DataMatrix, and `--symbol ean8` wrote one for a
    GTIN-13 that no EAN-8 can carry, instead of refusing it."""
    import zxingcpp
    from PIL import Image

    from .decoding import decode_all

    out = tmp_path / "case.png"
    run(cli, "product", "MUG-1", "--symbol", "itf14", "-o", str(out))
    (found,) = decode_all(Image.open(out))
    assert (found.format, found.text) == (zxingcpp.BarcodeFormat.ITF, gtin(1).digits)
    assert "only a GTIN-8 fits an EAN-8" in fails(
        cli, "product", "MUG-1", "--symbol", "ean8", "-o", str(tmp_path / "e.png")
    )


@pytest.mark.parametrize("symbol", ["ean13", "gs1-128", "gs1-datamatrix"])
def test_a_product_without_a_gtin_is_refused_as_the_symbol_asked_for(
    cli: typer.Typer, tmp_path: Path, symbol: str
) -> None:
    """The refusal named the QR code whatever symbol was asked for."""
    said = fails(cli, "product", "MUG-3", "--symbol", symbol, "-o", str(tmp_path / "x.png"))
    assert f"as {symbol}: the product has no GTIN" in said, said
    assert not (tmp_path / "x.png").exists()
