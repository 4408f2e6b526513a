"""Every CSV export a shop owner opens in Excel, through the real CLI: each starts with the
UTF-8 byte-order mark (without it Excel reads the bytes as the Windows code page and shows
`Â£12.50` and `CrÃ¨me`), reads back as the same text, and runs no cell as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.clock import DEMO_DAY
from tests.e2e.test_cli import _shop
from tests.e2e.test_cli_kits_purchasing import cli
from tests.e2e.test_csv_formulas import runs_as_formula

BOM = b"\xef\xbb\xbf"
DAY = DEMO_DAY.isoformat()
CATALOG = "sku,title,price,currency\nWG-CRM-1,Crème brûlée candle £,12.50,GBP\n"


def test_every_export_opens_in_excel_with_its_pounds_and_accents(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "wick-and-glaze.csv"
    source.write_text(CATALOG, encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    cli(ws, "stock", "receive", "shop", "WG-CRM-1", "5")
    cli(ws, "stock", "sell", "shop", "WG-CRM-1", "1", "--ref", "=till 1 £")
    exports = {
        name: tmp_path / f"{name}.csv"
        for name in ("plain", "shopify", "stock", "kpis", "sales", "stock-value")
    }
    cli(ws, "catalog", "export", str(exports["plain"]))
    cli(ws, "catalog", "export", str(exports["shopify"]), "--format", "shopify")
    cli(ws, "stock", "export", "shop", str(exports["stock"]))
    cli(ws, "governance", "kpis", "--csv", str(exports["kpis"]))
    cli(ws, "accounts", "sales", "--from", DAY, "--to", DAY, "-o", str(exports["sales"]))
    cli(ws, "accounts", "stock-value", "-o", str(exports["stock-value"]))
    for name, path in exports.items():
        data = path.read_bytes()
        assert data.startswith(BOM), name
        assert not data[len(BOM) :].startswith(BOM), name  # one mark, not two
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][0].isascii(), name  # the first column keeps its plain name
        assert not [c for row in rows for c in row if runs_as_formula(c)], name
    for name in ("plain", "shopify", "sales", "stock-value"):
        assert "Crème brûlée candle £" in exports[name].read_bytes().decode("utf-8-sig"), name
    assert "'=till 1 £" in exports["sales"].read_bytes().decode("utf-8-sig")
    again = tmp_path / "again"
    cli(again, "init")
    cli(again, "catalog", "import", str(exports["plain"]))  # the mark reads back as nothing
    assert "Crème brûlée candle £" in cli(again, "catalog", "list")
