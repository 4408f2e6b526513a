"""Wick & Glaze (candles and ceramics, Leeds) moves onto microindex with the files its old
tools and Excel left: each file the CLI cannot take is refused whole, with one clear line per
problem naming the row, and nothing is imported."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.e2e.test_cli import _shop, cli


def _workbook() -> bytes:
    """The start of an .xlsx (a zip of XML parts), as Excel writes one."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 200 + "</worksheet>")
    return data.getvalue()


def _catalog(ws: Path) -> list[object]:
    return list(json.loads(cli(ws, "catalog", "list", "--json"))["items"])


def test_a_workbook_renamed_csv_is_named_as_a_workbook(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    for name, data in {
        "products.csv": _workbook(),
        "old-excel.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),  # an Excel 97 .xls
    }.items():
        source = tmp_path / name
        source.write_bytes(data)
        for command in (["catalog", "import"], ["stock", "import", "van"]):
            out = cli(ws, *command, str(source), ok=False)
            assert "row 1" in out and "a spreadsheet workbook (.xlsx, .xls or .ods), not a CSV file" in out, out
            assert "save it as 'CSV UTF-8'" in out, out
            assert "\\x" not in out and "PK" not in out, out  # no bytes of the zip shown
            assert "required column" not in out, out  # one problem, not four
    assert _catalog(ws) == []
