"""The node stock file: `sku,quantity`, every bad row reported with its spreadsheet row."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from microindex.adapters.csvio import parse_stock, write_stock
from microindex.service.catalog import RowError
from microindex.service.stock import StockRow


def sheet(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_rows_become_stock_rows() -> None:
    parsed = parse_stock(sheet("sku,quantity\nMUG-01,12\nTEE-RED-S,0\n"))

    assert parsed.stock == [StockRow("MUG-01", 12), StockRow("TEE-RED-S", 0)]
    assert parsed.errors == []
    assert parsed.rows == 2


def test_negative_quantity_is_reported_with_row_and_column() -> None:
    parsed = parse_stock(sheet("sku,quantity\nMUG-01,12\nTEE-RED-S,-3\n"))

    assert parsed.stock == [StockRow("MUG-01", 12)]
    assert parsed.errors == [RowError(3, "quantity", "cannot be negative", "-3")]


def test_a_fractional_quantity_is_not_a_whole_number() -> None:
    parsed = parse_stock(sheet("sku,quantity\nMUG-01,1.5\n"))

    assert parsed.errors == [RowError(2, "quantity", "not a whole number", "1.5")]


def test_duplicate_sku_is_reported_on_the_later_row_naming_the_first() -> None:
    parsed = parse_stock(sheet("sku,quantity\nMUG-01,1\nTEE,2\nMUG-01,3\n"))

    assert parsed.stock == [StockRow("MUG-01", 1), StockRow("TEE", 2)]
    assert parsed.errors == [RowError(4, "sku", "duplicate SKU, first on row 2", "MUG-01")]


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    parsed = parse_stock(sheet("sku,quantity\n,1\nA,x\nB,-1\nC,2\n"))

    assert [(e.row, e.column) for e in parsed.errors] == [
        (2, "sku"),
        (3, "quantity"),
        (4, "quantity"),
    ]
    assert parsed.stock == [StockRow("C", 2)]


def test_a_missing_column_is_a_row_one_error_and_nothing_is_read() -> None:
    parsed = parse_stock(sheet("sku,qty\nMUG-01,1\n"))

    assert parsed.errors == [RowError(1, "quantity", "required column is missing")]
    assert parsed.stock == []


def test_an_empty_file_is_reported() -> None:
    parsed = parse_stock(sheet(""))

    assert parsed.errors == [RowError(1, "", "the file is empty")]


def test_excel_byte_order_mark_is_accepted() -> None:
    parsed = parse_stock(sheet("\ufeffsku,quantity\r\nMUG-01,4\r\n"))

    assert parsed.stock == [StockRow("MUG-01", 4)]
    assert parsed.errors == []


def test_bytes_that_are_not_utf8_are_reported_on_their_row_and_column() -> None:
    parsed = parse_stock(sheet("sku,quantity\nMUG-01,1\nCAFÉ,2\nTEE,3\n", "latin-1"))

    assert parsed.stock == [StockRow("MUG-01", 1), StockRow("TEE", 3)]
    [error] = parsed.errors
    assert (error.row, error.column, error.value) == (3, "sku", "CAF\ufffd")
    assert "UTF-8" in error.reason


def test_a_quoted_cell_spanning_lines_is_still_one_row() -> None:
    parsed = parse_stock(sheet('sku,quantity\nMUG-01,"1\n2"\nTEE,-1\n'))

    assert [(e.row, e.column) for e in parsed.errors] == [(2, "quantity"), (3, "quantity")]


def test_a_cell_larger_than_csv_allows_is_reported_and_reading_goes_on() -> None:
    huge = "9" * 200_000
    parsed = parse_stock(sheet(f'sku,quantity\nMUG-01,"{huge}"\nTEE,3\n'))

    [error] = parsed.errors
    assert error.row == 2
    assert "field limit" in error.reason
    assert parsed.stock == [StockRow("TEE", 3)]


def test_blank_lines_are_skipped_but_keep_their_row_number() -> None:
    parsed = parse_stock(sheet("sku,quantity\n\n,\nTEE,-1\n"))

    assert parsed.errors == [RowError(4, "quantity", "cannot be negative", "-1")]
    assert parsed.rows == 1


def test_a_path_can_be_read(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("sku,quantity\nMUG-01,2\n", encoding="utf-8")

    assert parse_stock(path).stock == [StockRow("MUG-01", 2)]
    assert parse_stock(str(path)).stock == [StockRow("MUG-01", 2)]


def test_the_callers_stream_is_left_open() -> None:
    stream = sheet("sku,quantity\nMUG-01,2\n")
    parse_stock(stream)
    assert not stream.closed


stock_rows = st.lists(
    st.builds(
        StockRow,
        sku=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,30}", fullmatch=True),
        quantity=st.integers(min_value=0, max_value=10**9),
    ),
    unique_by=lambda row: row.sku,
    max_size=20,
)


@given(stock_rows)
def test_written_stock_reads_back_the_same(rows: list[StockRow]) -> None:
    stream = io.BytesIO()
    write_stock(rows, stream)
    stream.seek(0)

    parsed = parse_stock(stream)

    assert parsed.errors == []
    assert parsed.stock == rows
