from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.domain.codes import NodeCode
from microindex.domain.node import Capabilities, Location, Node, NodeKind
from microindex.entrypoints.cli.search import app
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.service.stock import receive
from microindex.settings import Settings
from tests.search.conftest import CATALOG

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = bootstrap(Settings(tmp_path))
    node = Node(
        NodeCode("shopfront"),
        NodeKind.STORE,
        "Shop",
        Location(51.52, -0.1),
        capabilities=Capabilities(pickup=True),
    )
    add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog(CATALOG), AT)
    receive(ws.hub, "shopfront", "MUG-1", 3, AT)  # the hub's replica of the node's ledger
    ws.close()
    monkeypatch.setenv("MICROINDEX_WORKSPACE", str(tmp_path))
    return tmp_path


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_find_at_the_hub_as_json(shop: Path) -> None:
    data = run("find", "stonewre mug", "--in-stock", "--json")
    assert [h["sku"] for h in data["hits"]] == ["MUG-1"]


def test_near_says_where_and_by_when(shop: Path) -> None:
    data = run("near", "mug", "--lat", "51.521", "--lon", "-0.1", "--json")
    hit = data["hits"][0]
    assert hit["sku"] == "MUG-1" and hit["reach"][0]["node"] == "shopfront"


def test_rebuild_and_bad_filters(shop: Path) -> None:
    result = CliRunner().invoke(app, ["rebuild"])
    assert result.exit_code == 0 and "hub: 6 products" in result.output
    assert CliRunner().invoke(app, ["find", "mug", "--attr", "navy"]).exit_code == 1


def _one_product_shop(folder: Path, monkeypatch: pytest.MonkeyPatch, sku: str, title: str) -> None:
    """A workspace whose catalog is one product titled `title` (as a CSV may keep it)."""
    from decimal import Decimal

    from microindex.domain.codes import Sku
    from microindex.domain.money import Money
    from microindex.domain.product import Product

    ws = bootstrap(Settings(folder))
    product = Product(Sku(sku), title, Money(Decimal("2.50"), "GBP"))
    import_products(ws.hub, ParsedCatalog([product]), AT)
    ws.close()
    monkeypatch.setenv("MICROINDEX_WORKSPACE", str(folder))


def test_a_title_with_control_characters_is_shown_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title imported with \\x00 or \\x01 in it (a CSV keeps them) once broke `search find`
    with rich's MarkupError: the CLI marked the matching words with those very characters."""
    _one_product_shop(tmp_path, monkeypatch, "CAKE-1", "Croissant\x01 butter\x00 [bold]")
    result = CliRunner().invoke(app, ["find", "croissant"])
    assert result.exit_code == 0, result.output
    assert "CAKE-1" in result.output and "[bold]" in result.output


def test_a_title_with_escape_sequences_sends_the_terminal_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title holding ESC sequences (a supplier's CSV: recolour, retitle the window) and
    other controls is shown with U+FFFD in their place, in a table's highlighted cell and in
    a line, never sent to the terminal as they are; `--json` keeps the title as it is."""
    title = "Sourdough \x1b]0;owned\x07loaf \x1b[2J\x9b31m rye\x7f"
    _one_product_shop(tmp_path, monkeypatch, "BREAD-1", title)
    result = CliRunner().invoke(app, ["find", "sourdough"])
    assert result.exit_code == 0, result.output
    assert "BREAD-1" in result.output and "\ufffd" in result.output
    for control in ("\x1b", "\x07", "\x9b", "\x7f"):
        assert control not in result.output
    found = CliRunner().invoke(app, ["find", "sourdough", "--json"])
    assert found.exit_code == 0 and json.loads(found.output)["hits"][0]["title"] == title
