"""Reading and writing one CSV sheet: encoding, header, spreadsheet row numbers, row errors.

A sheet is written for a spreadsheet: no text cell it would run as a formula
(`cells.text_cell`), and read back with that mark taken off (`cells.typed_text`).
A sheet is read as UTF-8 (an Excel byte-order mark is accepted) one record at a time. Its cells
are separated by commas, or by semicolons where its header is (a spreadsheet set to French,
German or another language whose decimal mark is a comma saves its "CSV" so); in such a sheet
the decimal columns are written with that comma (`6,90`), and a point there is refused rather
than guessed at (`1.234` is a thousand and more in French). Row
numbers are the ones a spreadsheet shows: the header is row 1, the first record row 2, and a
quoted cell spanning several lines is still one row; a quote never closed is reported on the
row that opens it (quotes are read strictly). Problems become `RowError`s collected on the
sheet; a bad row is reported and skipped, never raised.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from microindex.adapters.csvio.cells import TEXT_MARK, decimal_comma, text_cell, typed_text
from microindex.domain.errors import InvalidValue
from microindex.domain.product import Product
from microindex.service.catalog import RowError
from microindex.service.ports import ReadRow

Source = str | os.PathLike[str] | BinaryIO
"""A file path, or a binary stream positioned at the start of the CSV (left open)."""

T = TypeVar("T")

NOT_UTF8 = "not UTF-8 text: save the file as 'CSV UTF-8'"
WORKBOOK = (
    "a spreadsheet workbook (.xlsx, .xls or .ods), not a CSV file: open it and save it as"
    " 'CSV UTF-8'"
)
UTF16 = "UTF-16 text (Excel's 'Unicode Text'), not a CSV file: save it as 'CSV UTF-8'"
# How a file that is no CSV starts: a zip (.xlsx, .ods), an OLE compound file (Excel 97's
# .xls), a UTF-16 byte-order mark (little- or big-endian).
_NOT_CSV = {
    b"PK\x03\x04": WORKBOOK,
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": WORKBOOK,
    b"\xff\xfe": UTF16,
    b"\xfe\xff": UTF16,
}
HEADER_ROW = 1


@dataclass(slots=True)
class Row:
    """One record, its cells by column name, and the sheet's error list it reports into."""

    number: int
    cells: dict[str, str]  # stripped
    errors: list[RowError]
    failed: bool = False

    def text(self, column: str) -> str:
        return self.cells.get(column, "")

    def report(self, column: str, reason: str, value: str = "") -> None:
        self.errors.append(RowError(self.number, column, reason, value))
        self.failed = True

    def take(self, column: str, parse: Callable[[str], T], required: bool = False) -> T | None:
        """The cell parsed, or None when it is empty or wrong (a wrong cell is reported)."""
        text = self.cells.get(column, "")
        if not text:
            if required:
                self.report(column, "is required")
            return None
        try:
            return parse(text)
        except InvalidValue as error:
            self.report(column, error.reason, text)
        except ValueError as error:
            self.report(column, str(error), text)
        return None


@dataclass
class FirstSeen:
    """Remembers the row where each key (a SKU, a GTIN) first appeared in the file."""

    what: str
    rows: dict[str, int] = field(default_factory=dict)

    def claim(self, row: Row, column: str, key: str) -> None:
        first = self.rows.setdefault(key, row.number)
        if first != row.number:
            row.report(column, f"duplicate {self.what}, first on row {first}", key)


@dataclass
class Sheet:
    """The records of a CSV after its header. `errors` fills while iterating."""

    header: tuple[str, ...]
    records: Iterator[list[str]]
    errors: list[RowError]
    rows: int = 0
    named: bool = False  # every column has a name: a row's cells are read without a look
    comma_decimals: tuple[str, ...] = ()  # columns whose decimal mark is a comma (';' sheets)

    def __post_init__(self) -> None:
        self.named = all(self.header)

    def __iter__(self) -> Iterator[Row]:
        number = HEADER_ROW
        while True:
            number += 1
            try:
                record = next(self.records)
            except StopIteration:
                return
            except csv.Error as error:
                self.rows += 1
                self.errors.append(RowError(number, "", _unreadable(error)))
                continue
            joined = "".join(record)
            if joined and not joined.isspace():  # some cell holds more than white space
                self.rows += 1
                row = self._row(number, record, joined)
                if not row.failed:
                    yield row

    def _row(self, number: int, record: list[str], joined: str) -> Row:
        row = Row(number, {}, self.errors)
        if _utf8(joined):  # the usual case: no cell to report
            if self.named and TEXT_MARK not in joined:  # no cell to read back as typed text
                row.cells = dict(zip(self.header, map(str.strip, record), strict=False))
            elif self.named:
                cells = zip(self.header, record, strict=False)
                row.cells = {column: typed_text(cell.strip()) for column, cell in cells}
            else:
                cells = zip(self.header, record, strict=False)
                row.cells = {column: typed_text(cell.strip()) for column, cell in cells if column}
        else:
            for column, cell in zip(self.header, record, strict=False):
                if column and _readable(row, column, cell):
                    row.cells[column] = typed_text(cell.strip())
        for column in self.comma_decimals:
            if written := row.cells.get(column):
                try:
                    row.cells[column] = decimal_comma(written)
                except ValueError as error:
                    row.report(column, str(error), written)
        if len(record) > len(self.header):
            extra = [cell for cell in record[len(self.header) :] if cell.strip()]
            if extra:
                row.report("", "more cells than the header has columns", extra[0])
        return row


@dataclass(frozen=True, slots=True)
class StreamedCatalog:
    """A catalog file being read: its rows as they are parsed (read once, in file order), and
    its bad rows, which grow as the rows are read. Whether two rows share a SKU or a GTIN is
    left to the import, which sees the whole file (`service.catalog.import_products`)."""

    read: Iterator[ReadRow]
    errors: list[RowError]
    sheet: Sheet
    sku_column: str
    gtin_column: str

    @property
    def products(self) -> Iterator[Product]:
        return (row.product for row in self.read if row.product is not None)


@contextmanager
def open_sheet(
    source: Source, required: Sequence[str], known: Sequence[str] = (), decimals: Sequence[str] = ()
) -> Iterator[Sheet]:
    """Read the header and check it; a sheet with a bad header yields no rows. A column named
    as a `required` or `known` one in another case (`SKU`, `Title`) is read as that one. A
    sheet whose header is separated by semicolons is read so, its `decimals` columns with a
    decimal comma."""
    with _text(source) as text:
        first = text.readline()
        start = first[:8].encode("utf-8", "surrogateescape")
        if said := next((why for sign, why in _NOT_CSV.items() if start.startswith(sign)), ""):
            yield Sheet((), iter(()), [RowError(HEADER_ROW, "", said)])
            return
        delimiter = _delimiter(first, {*required, *known})
        lines = itertools.chain([first] if first else [], text)
        records = csv.reader(lines, delimiter=delimiter, strict=True)
        errors: list[RowError] = []
        header = _header(records, {*required, *known}, required, errors)
        sheet = Sheet(header, records if not errors else iter(()), errors)
        if delimiter == ";":
            sheet.comma_decimals = tuple(column for column in decimals if column in header)
        yield sheet


def _delimiter(line: str, known: Iterable[str]) -> str:
    """';' when the header line names more of the `known` columns split at semicolons than
    at commas (a spreadsheet in a language with a decimal comma), else ','."""
    names = {name.casefold() for name in known}

    def found(delimiter: str) -> int:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        return sum(cell.strip().casefold() in names for cell in cells)

    return ";" if found(";") > found(",") else ","


class SheetWriter:
    """Rows into a CSV a person opens in a spreadsheet: every text cell through `text_cell`,
    so none is read as a formula; numbers and empty cells as they are."""

    def __init__(self, rows: csv.DictWriter[str]) -> None:
        self._rows = rows

    def writerow(self, row: Mapping[str, object]) -> None:
        self._rows.writerow({k: text_cell(v) if isinstance(v, str) else v for k, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, object]]) -> None:
        for row in rows:
            self.writerow(row)


@contextmanager
def sheet_writer(stream: BinaryIO, columns: Sequence[str]) -> Iterator[SheetWriter]:
    """A CSV writer, header written, putting UTF-8 into a binary stream that is left open.
    The file starts with the byte-order mark: without it Excel reads the bytes in the
    Windows code page and shows `£12.50` as `Â£12.50` (`open_sheet` reads the mark as nothing)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.DictWriter(text, fieldnames=list(columns), restval="")
        writer.writeheader()
        yield SheetWriter(writer)
    finally:
        text.flush()
        text.detach()


@contextmanager
def _text(source: Source) -> Iterator[io.TextIOWrapper]:
    if isinstance(source, (str, os.PathLike)):
        with Path(source).open("rb") as raw, _decoded(raw) as text:
            yield text
        return
    text = _decoded(source)
    try:
        yield text
    finally:
        text.detach()


def _decoded(raw: BinaryIO) -> io.TextIOWrapper:
    # Undecodable bytes become lone surrogates, reported cell by cell with their row.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _header(
    records: Iterator[list[str]],
    known: Iterable[str],
    required: Sequence[str],
    errors: list[RowError],
) -> tuple[str, ...]:
    spelled = {name.casefold(): name for name in known}
    try:
        names = [spelled.get(name.strip().casefold(), name.strip()) for name in next(records)]
    except StopIteration:
        errors.append(RowError(HEADER_ROW, "", "the file is empty"))
        return ()
    except csv.Error as error:
        errors.append(RowError(HEADER_ROW, "", _unreadable(error)))
        return ()
    header = Row(HEADER_ROW, {}, errors)
    seen: set[str] = set()
    for name in names:
        if name and _readable(header, "", name) and name in seen:
            header.report(name, "the column appears twice")
        seen.add(name)
    for name in required:
        if name not in seen:
            header.report(name, "required column is missing")
    return tuple(names)


def _unreadable(error: csv.Error) -> str:
    """What a row the CSV reader could not read says. Read strictly, a quote never closed
    ends the file inside its cell, which would otherwise take every row after it."""
    if str(error) == "unexpected end of data":
        return "a quote opened on this row is never closed: every row after it was read into it"
    if str(error).startswith("field larger than field limit"):  # the rows after it, so far
        limit = csv.field_size_limit()
        return (
            f"a quote opened on this row is never closed, or a cell is over the field limit"
            f" ({limit} characters)"
        )
    return f"unreadable CSV: {error}"


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _readable(row: Row, column: str, cell: str) -> bool:
    if not _utf8(cell):
        shown = cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        row.report(column, NOT_UTF8, shown)
        return False
    return True
