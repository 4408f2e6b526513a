"""Cell values shared by the CSV formats: whole numbers, yes/no, dates and lists."""

from __future__ import annotations

import re
from datetime import date

from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin
from microindex.domain.product import web_url

_WHOLE = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


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


def split_list(text: str, separator: str) -> tuple[str, ...]:
    """Items of a list cell, trimmed, empty items dropped."""
    return tuple(item.strip() for item in text.split(separator) if item.strip())


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
