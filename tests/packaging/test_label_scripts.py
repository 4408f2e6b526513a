"""`labels sheet` for a shop whose titles are Japanese, Welsh, Arabic or carry emoji: every
character is drawn by a font that has it, or left out, never printed as an empty box."""

from __future__ import annotations

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
}


@pytest.fixture
def cli(tmp_path: Path) -> typer.Typer:
    workspace = bootstrap(Settings(tmp_path / "ws"))
    add_node(workspace.hub, Node(NodeCode("siop"), NodeKind.STORE, "Siop", Location(51.5, -3.2)))
    products = [replace(product(n), title=TITLES[f"MUG-{n}"]) for n in (1, 2, 3)]
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
