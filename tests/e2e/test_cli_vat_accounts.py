"""VAT and the accountant's files through the command line, on a fresh workspace: prices
shown with VAT out and in as the catalog's mode says, and sales and stock value as CSV whose
typed text a spreadsheet cannot run."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from tests.clock import DEMO_DAY
from tests.e2e.test_cli import SHOPIFY, _promised_all_at_shop, _shop
from tests.e2e.test_cli_kits_purchasing import cli

DAY = DEMO_DAY.isoformat()  # the demo clock's day, on which the sales are made

HOSTILE = 'sku,title,price,currency\nSOAP-1,"=HYPERLINK(""http://x"")",6.00,GBP\n'


def _prices(ws: Path) -> dict[str, tuple[str, str, str, str]]:
    found = json.loads(cli(ws, "vat", "prices", "--json"))
    return {p["sku"]: (p["rate"], p["net"], p["vat"], p["gross"]) for p in found}


def test_prices_show_vat_out_and_in_as_the_catalog_mode_says(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    assert _prices(ws)["BWL-MOSS-S"] == ("0", "28.00", "0.00", "28.00")  # nothing said yet
    cli(ws, "vat", "mode", "inclusive", "--standard-rate", "20")
    cli(ws, "vat", "rate", "MUG-TIDE-350", "5")
    prices = _prices(ws)
    assert prices["BWL-MOSS-S"] == ("20", "23.33", "4.67", "28.00")
    assert prices["MUG-TIDE-350"] == ("5", "24.76", "1.24", "26.00")  # its sale price
    cli(ws, "vat", "mode", "exclusive")  # the standard rate stays
    assert _prices(ws)["BWL-MOSS-S"] == ("20", "28.00", "5.60", "33.60")
    cli(ws, "vat", "rate", "MUG-TIDE-350")  # back to the standard rate
    assert _prices(ws)["MUG-TIDE-350"][0] == "20"
    assert "a percentage from 0 to 100" in cli(ws, "vat", "rate", "BWL-MOSS-S", "120", ok=False)
    assert "not a number" in cli(ws, "vat", "rate", "BWL-MOSS-S", "=1+1", ok=False)
    assert "inclusive or exclusive" in cli(ws, "vat", "mode", "gross", ok=False)
    assert "no product with SKU 'NOPE'" in cli(ws, "vat", "rate", "NOPE", "5", ok=False)


def test_the_accountant_gets_sales_and_stock_value_as_csv(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source, hostile = tmp_path / "products_export.csv", tmp_path / "hostile.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    hostile.write_text(HOSTILE, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    cli(ws, "catalog", "import", str(hostile))
    cli(ws, "vat", "mode", "inclusive", "--standard-rate", "20")
    cli(ws, "po", "draft", "PO-1", "--supplier", "Soapworks", "--node", "shop")
    cli(ws, "po", "add", "PO-1", "SOAP-1", "5", "--cost", "2.10")
    cli(ws, "po", "send", "PO-1")
    cli(ws, "po", "receive", "PO-1", "SOAP-1:5")
    cli(ws, "stock", "sell", "shop", "SOAP-1", "2", "--ref", "-2+3 <!-- till")
    cli(ws, "stock", "sell", "shop", "BWL-MOSS-S", "1")

    out = tmp_path / "sales.csv"
    cli(ws, "accounts", "sales", "--from", DAY, "--to", DAY, "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    soap = next(r for r in rows if r["sku"] == "SOAP-1")
    assert soap["title"] == '\'=HYPERLINK("http://x")'  # shown as text, never run
    assert soap["reference"] == "'-2+3 <!-- till"
    assert (soap["quantity"], soap["net"], soap["vat"], soap["gross"]) == (
        "2", "10.00", "2.00", "12.00",
    )  # fmt: skip
    assert sorted(r["sku"] for r in rows) == ["BWL-MOSS-S", "SOAP-1"]
    before = tmp_path / "before.csv"
    earlier = (
        (DEMO_DAY - timedelta(days=25)).isoformat(),
        (DEMO_DAY - timedelta(days=1)).isoformat(),
    )
    cli(ws, "accounts", "sales", "--from", earlier[0], "--to", earlier[1], "-o", str(before))
    assert before.read_text(encoding="utf-8").count("\n") == 1  # the header alone
    assert "ends on or after" in cli(
        ws, "accounts", "sales", "--from", DAY, "--to", earlier[0], ok=False
    )

    out = tmp_path / "stock-value.csv"
    cli(ws, "accounts", "stock-value", "-o", str(out))
    value = {r["sku"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert (value["SOAP-1"]["on_hand"], value["SOAP-1"]["value_at_cost"]) == ("3", "6.30")
    assert value["SOAP-1"]["value_at_net_price"] == "15.00"
    assert value["BWL-MOSS-S"]["unit_cost"] == ""  # never bought on an order: no cost known


def test_stock_bought_in_another_currency_keeps_each_value_in_its_own(tmp_path: Path) -> None:
    """A supplier abroad invoices in EUR, the shop sells in GBP: the value at cost is in EUR,
    the value at net price in GBP, and the file says which is which."""
    ws = _shop(tmp_path)
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(HOSTILE, encoding="utf-8")
    cli(ws, "catalog", "import", str(hostile))
    cli(ws, "po", "draft", "PO-EU", "--supplier", "Savonnerie", "--node", "shop")
    cli(ws, "po", "add", "PO-EU", "SOAP-1", "4", "--cost", "1.20", "--currency", "EUR")
    cli(ws, "po", "send", "PO-EU")
    cli(ws, "po", "receive", "PO-EU", "SOAP-1:4")

    out = tmp_path / "stock-value.csv"
    cli(ws, "accounts", "stock-value", "-o", str(out))
    [soap] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (soap["value_at_cost"], soap["cost_currency"]) == ("4.80", "EUR")
    assert (soap["value_at_net_price"], soap["currency"]) == ("24.00", "GBP")


def test_sales_subtract_the_units_customers_brought_back(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    cli(ws, "node", "add", "desk", "--kind", "store", "--name", "Returns desk", "--lat", "51.5",
        "--lon", "-0.1", "--return-point")  # fmt: skip
    cli(ws, "stock", "sell", "shop", "MUG-TIDE-250", "3", "--ref", "till:shop")
    opening = ("returns", "open", "shop", "till:shop", "MUG-TIDE-250:2", "--reason", "faulty")
    opened = json.loads(cli(ws, *opening, "--json"))
    cli(ws, "returns", "check-in", opened["id"], "MUG-TIDE-250", "--quantity", "2")
    cli(ws, "returns", "disposition", opened["id"], "MUG-TIDE-250", "--condition", "as-new",
        "--as", "restock", "--quantity", "1")  # fmt: skip
    cli(ws, "returns", "disposition", opened["id"], "MUG-TIDE-250", "--condition", "damaged",
        "--as", "write-off")  # fmt: skip

    out = tmp_path / "sales.csv"
    cli(ws, "accounts", "sales", "--from", DAY, "--to", DAY, "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sum(int(r["quantity"]) for r in rows) == 1  # 3 sold, 2 refunded
    assert sum(Decimal(r["gross"]) for r in rows) == Decimal("24.00")
    refunds = [r for r in rows if int(r["quantity"]) < 0]
    assert [(r["movement"], r["node"], r["quantity"], r["vat"], r["gross"]) for r in refunds] == [
        (opened["id"], "desk", "-1", "0.00", "-24.00"),
        (opened["id"], "desk", "-1", "0.00", "-24.00"),
    ]
    assert {r["reference"] for r in refunds} == {"till:shop"}


def test_sales_count_the_online_orders_picked(tmp_path: Path) -> None:
    ws, order = _promised_all_at_shop(tmp_path)  # 6 mugs promised online at the shop
    cli(ws, "order", "advance", order, "shop", "picked")
    out = tmp_path / "sales.csv"
    cli(ws, "accounts", "sales", "--from", DAY, "--to", DAY, "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["sku"], r["quantity"], r["gross"]) for r in rows] == [
        ("MUG-TIDE-250", "6", "144.00")
    ]


def test_a_lines_vat_is_rounded_once_on_the_line_not_per_unit(tmp_path: Path) -> None:
    """100 soaps at 12.99 with 20% VAT in: the till took 1,299.00, of which VAT is a sixth,
    216.50. Rounded per unit (2.16) and then multiplied it was 216.00, VAT rounded down by 50p,
    which HMRC does not allow a retailer (VAT Notice 700, 17.5: round each calculation to the
    nearer penny, never down); the unit columns keep each unit's own figures."""
    ws = _shop(tmp_path)
    source = tmp_path / "soap.csv"
    source.write_text("sku,title,price,currency\nSOAP-9,Soap,12.99,GBP\n", encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    cli(ws, "vat", "mode", "inclusive", "--standard-rate", "20")
    cli(ws, "stock", "receive", "shop", "SOAP-9", "100")
    cli(ws, "stock", "sell", "shop", "SOAP-9", "100")

    out = tmp_path / "sales.csv"
    cli(ws, "accounts", "sales", "--from", DAY, "--to", DAY, "-o", str(out))
    [soap] = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (soap["net"], soap["vat"], soap["gross"]) == ("1082.50", "216.50", "1299.00")
    assert (soap["unit_net"], soap["unit_vat"], soap["unit_gross"]) == ("10.83", "2.16", "12.99")
