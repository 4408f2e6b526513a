"""Cell values shared by the CSV formats: whole numbers, yes/no, dates and lists."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin
from microindex.domain.product import web_url

_WHOLE = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_UNSEEN = frozenset({"Cc", "Cf"})  # control characters; format marks such as U+200B


def whole_number(text: str) -> int:
    """A whole number, 0 or more ("12"); a decimal or a negative number is refused."""
    if not _WHOLE.fullmatch(text):
        raise ValueError("not a whole number")
    value = int(text)
    if value < 0:
        raise ValueError("cannot be negative")
    return value


def yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


def title_text(text: str) -> str:
    """A title with a character a reader sees: one of control characters and invisible
    format marks only (which the channels drop or show as nothing) would be listed untitled."""
    if all(c.isspace() or unicodedata.category(c) in _UNSEEN for c in text):
        raise ValueError("has no character a reader can see")
    return text


def split_list(text: str, separator: str) -> tuple[str, ...]:
    """Items of a list cell, trimmed, empty items dropped."""
    return tuple(item.strip() for item in text.split(separator) if item.strip())


# A long number Excel shows and saves in scientific notation (`5.01235E+12`, `5,01235E+12`
# where the decimal mark is a comma): only its first six digits are left.
_SCIENTIFIC = re.compile(r"[0-9]([.,][0-9]+)?E\+[0-9]+", re.ASCII | re.IGNORECASE)
SCIENTIFIC = (
    "Excel wrote it in scientific notation, its last digits lost: format the column as Text"
    " and type them again"
)


def gtin_cell(text: str) -> Gtin:
    """A GTIN cell; one Excel turned into `5.01235E+12` is named as such, not as a typo."""
    if _SCIENTIFIC.fullmatch(text):
        raise ValueError(SCIENTIFIC)
    return Gtin.parse(text)


def sku_cell(text: str) -> Sku:
    """A SKU cell; a SKU of digits Excel turned into `5.01235E+12` is named as `gtin_cell`
    names a GTIN (a SKU may hold '.', '+' is what refuses it, in words about Excel)."""
    if _SCIENTIFIC.fullmatch(text):
        raise ValueError(SCIENTIFIC)
    return Sku(text)


def gtin_text(gtin: Gtin | None) -> str:
    """GTIN-13 when the GTIN has one (what a scanner reads off an EAN), else all 14 digits."""
    if gtin is None:
        return ""
    return gtin.gtin13 or gtin.digits


def web_urls(text: str, separator: str) -> tuple[str, ...]:
    """A list cell of image addresses, each an http(s) URL (see `web_url`)."""
    found = split_list(text, separator)
    for item in found:
        try:
            web_url(item)
        except InvalidValue as error:
            raise ValueError(f"{error.reason} (got {item[:80]!r})") from None
    return found


# A cell a spreadsheet would run as a formula starts with one of these (OWASP's CSV Injection
# page: `=`, `+`, `-`, `@`, tab and carriage return; ASVS 1.2.10 adds the null character).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
TEXT_MARK = "'"  # a spreadsheet's own "this cell is text" mark
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def text_cell(value: str) -> str:
    """The value as a cell a spreadsheet shows as text and never runs: a leading formula
    character goes behind an apostrophe. A plain number (`-3`, `+12.50`) is left as it is, so it
    still adds up; a phone number with spaces (`+44 20 7946 0000`) is text and gets the mark.
    A value that already starts with an apostrophe before a formula character (or another
    apostrophe) gets one more, so `typed_text` gives back exactly what was written."""
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return TEXT_MARK + value
    if value.startswith(TEXT_MARK) and value[1:].startswith((*FORMULA_START, TEXT_MARK)):
        return TEXT_MARK + value
    return value


def typed_text(cell: str) -> str:
    """A cell read back as the text it stands for: the apostrophe `text_cell` put before a
    formula character (or before another apostrophe) taken off; any other cell as it is, so a
    hand-typed `'Tis the season` keeps its apostrophe."""
    if cell.startswith(TEXT_MARK) and cell[1:].startswith((*FORMULA_START, TEXT_MARK)):
        return cell[1:]
    return cell


_COMMA_DECIMAL = re.compile(r"-?[0-9]+(,[0-9]+)?", re.ASCII)


def decimal_comma(text: str) -> str:
    """A number written with a decimal comma (`6,90`), as a point writes it (`6.90`); a point
    or a space in it is refused, never guessed at (`1.234` and `1 234` are thousands)."""
    if _COMMA_DECIMAL.fullmatch(text):
        return text.replace(",", ".")
    if "." in text:
        raise ValueError("this file is separated by ';': write decimals with a comma, like 12,50")
    raise ValueError("not a number (write it like 12,50, without a thousands separator)")
