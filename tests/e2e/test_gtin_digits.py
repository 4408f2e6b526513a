"""A GTIN typed in another script's digits (Arabic-Indic, full-width) is a bad row with its
number through the real CLI, and the file is not imported: Python reads them as digits, no
barcode, feed or scanner does."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()
HEADER = "sku,title,price,currency,gtin\n"


def test_a_catalog_with_a_gtin_in_arabic_indic_digits_is_refused_with_its_row(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "shop"
    assert runner.invoke(app, ["-w", str(shop), "init"], obj=on_demo_day()).exit_code == 0
    catalog = tmp_path / "catalog.csv"
    arabic = "4006381333931".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    rows = f"MUG-1,Mug,9.50,GBP,4006381333931\nMUG-2,Mug two,9.50,GBP,{arabic}\n"
    catalog.write_text(HEADER + rows, encoding="utf-8")
    result = runner.invoke(
        app, ["-w", str(shop), "catalog", "import", str(catalog)], obj=on_demo_day()
    )
    assert result.exit_code != 0
    assert "row 3, column 'gtin': a GTIN has digits 0-9 only" in result.output
    listed = runner.invoke(app, ["-w", str(shop), "catalog", "list"], obj=on_demo_day())
    assert "MUG-1" not in listed.output  # all or nothing
