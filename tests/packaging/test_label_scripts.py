"""`labels sheet` for a shop whose titles are Japanese, Welsh, Arabic or carry emoji: every
character is drawn by a font that has it, or left out, never printed as an empty box."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import typer
from typer.testing import CliRunner

from microindex.adapters.labels.pdf import fonts
from microindex.bootstrap import bootstrap
from microindex.domain.codes import NodeCode
from microindex.domain.node import Location, Node, NodeKind
from microindex.entrypoints.cli import labels
from microindex.entrypoints.cli.context import state
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings

from .samples import STEM, product

runner = CliRunner()
TITLES = {
    "MUG-1": "万年筆インク ブルーブラック",
    "MUG-2": "Llyfr nodiadau ŵ ŷ",
    "MUG-3": "Stickers 🎉✨ pack",
    "MUG-4": "Llyfr nodiadau ŵ ŷ – papur o Gaerdydd, clawr caled, tudalennau dotiog",
    "MUG-5": "万年筆用インク ブルーブラック 五十ミリリットル 瓶入り",
}
FIELD = re.compile(r"\^FO(\d+),\d+\^A0N,\d+,(\d+)\^FH\\\^FD([^^]*)\^FS")


@pytest.fixture
def cli(tmp_path: Path) -> typer.Typer:
    workspace = bootstrap(Settings(tmp_path / "ws"))
    add_node(workspace.hub, Node(NodeCode("siop"), NodeKind.STORE, "Siop", Location(51.5, -3.2)))
    products = [replace(product(n), title=TITLES[f"MUG-{n}"]) for n in (1, 2, 3, 4, 5)]
    import_products(workspace.hub, ParsedCatalog(products=products), workspace.clock())
    workspace.close()
    root = typer.Typer()

    @root.callback()
    def main(ctx: typer.Context) -> None:
        state(ctx).workspace_path = tmp_path / "ws"
        ctx.call_on_close(state(ctx).close)

    root.add_typer(labels.app, name="labels")
    return root


def _lines(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = [page.get_textpage().get_text_range() for page in document]
        return "\n".join(pages).splitlines()
    finally:
        document.close()


@pytest.mark.parametrize("template", ["avery-l7160", "shipping-4x6"])
def test_japanese_titles_are_drawn_and_emoji_left_out_not_boxed(
    cli: typer.Typer, tmp_path: Path, template: str
) -> None:
    if fonts()[0] == "Helvetica":
        pytest.skip("no DejaVu Sans on this system (apt install fonts-dejavu-core)")
    out = tmp_path / "sheet.pdf"
    args = ["labels", "sheet", "--node", "siop", "--all", "--template", template, "--out", str(out)]
    result = runner.invoke(cli, args, env={"MICROINDEX_LINK_STEM": STEM})
    assert result.exit_code == 0, result.output
    lines = _lines(out)
    # A glyph the font lacks is drawn as its empty box and reads back as nothing.
    assert "万年筆インク ブルーブラック" in lines
    assert "Llyfr nodiadau ŵ ŷ" in lines
    assert "Stickers pack" in lines


def _zpl(cli: typer.Typer, sku: str, *more: str) -> str:
    args = ["labels", "zpl", sku, "--stock", "4x6", *more]
    result = runner.invoke(cli, args, env={"MICROINDEX_LINK_STEM": STEM})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_long_zpl_title_is_cut_at_a_word_end(cli: typer.Typer) -> None:
    title = TITLES["MUG-4"]
    texts = [text for _, _, text in FIELD.findall(_zpl(cli, "MUG-4"))]
    heading = [t for t in texts if not t.startswith(("SKU", "18.00"))]
    shown = " ".join(heading).removesuffix("...")
    assert title.startswith(shown) and title[len(shown)] == " "
    assert "Llyfr nodiadau ŵ ŷ" in shown


def test_a_japanese_zpl_title_stays_clear_of_the_qr_code(cli: typer.Typer) -> None:
    label = _zpl(cli, "MUG-5")
    qr_left = int(re.findall(r"\^FO(\d+),\d+\^BQN", label)[0])
    for left, size, text in FIELD.findall(label):
        # A full-width character is about one em wide, a Latin one about half an em.
        wide = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)
        assert int(left) + wide * int(size) <= qr_left, text


def test_a_zpl_title_the_printers_font_lacks_is_said_and_a_printer_font_can_be_named(
    cli: typer.Typer,
) -> None:
    said = " ".join(_zpl(cli, "MUG-5").split())
    assert "not printed: the printer's built-in font has no 万 年 筆" in said
    assert "not printed" not in _zpl(cli, "MUG-4")  # Welsh: Latin letters
    label = _zpl(cli, "MUG-5", "--font", "E:NOTOSANSJP.TTF")
    assert "^A@N,48,48,E:NOTOSANSJP.TTF^FH\\^FD万年筆用インク" in label
    assert "not printed" not in label and "^A0N" not in label
    args = ["labels", "zpl", "MUG-5", "--font", "E:X^XZ.TTF"]
    refused = runner.invoke(cli, args, env={"MICROINDEX_LINK_STEM": STEM})
    assert refused.exit_code == 1 and "name a font file on the printer" in refused.output
