"""Feed files written as items arrive: Google's RSS 2.0 (`g:` namespace) and TSV, Meta's CSV.

Nothing is held but the current item; a file appears under its name only when complete (it is
written beside it and renamed), so a channel fetching it never reads half a feed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import TextIOBase, TextIOWrapper
from pathlib import Path
from typing import IO
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from microindex.adapters.csvio.cells import text_cell
from microindex.domain.channels.items import GOOGLE_COLUMNS, LOCAL_COLUMNS, META_COLUMNS, Item
from microindex.domain.channels.text import clean

G_NS = "http://base.google.com/ns/1.0"
RSS_CORE = frozenset({"title", "link", "description"})
SHIPPING_PARTS = ("country", "region", "service", "price")
NO_ATTRIBUTES: AttributesImpl[str] = AttributesImpl({})
REPEATED = frozenset({"additional_image_link"})  # a comma-separated list: one element each


@contextmanager
def replaced(path: Path) -> Iterator[TextIOWrapper]:
    """A text file written beside `path` and moved over it once the block ends without error."""
    part = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with part.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


class GoogleXmlWriter:
    """`<rss version="2.0" xmlns:g=...><channel>` then one `<item>` per write."""

    def __init__(self, handle: TextIOBase, title: str, link: str, description: str) -> None:
        self._xml = XMLGenerator(handle, encoding="utf-8", short_empty_elements=True)
        self._xml.startDocument()
        self._xml.startElement("rss", AttributesImpl({"version": "2.0", "xmlns:g": G_NS}))
        self._xml.startElement("channel", NO_ATTRIBUTES)
        for name, text in (("title", title), ("link", link), ("description", description)):
            self._text(name, text)

    def _text(self, name: str, text: str) -> None:
        self._xml.startElement(name, NO_ATTRIBUTES)
        self._xml.characters(clean(text))
        self._xml.endElement(name)

    def write(self, item: Item) -> None:
        self._xml.startElement("item", NO_ATTRIBUTES)
        for name, value in item.items():
            if not value:
                continue
            if name == "shipping":
                for option in value.split(","):
                    self._shipping(option)
            elif name in REPEATED:
                for part in value.split(","):
                    self._text(f"g:{name}", part)
            else:
                self._text(name if name in RSS_CORE else f"g:{name}", value)
        self._xml.endElement("item")

    def _shipping(self, option: str) -> None:
        self._xml.startElement("g:shipping", NO_ATTRIBUTES)
        for part, text in zip(SHIPPING_PARTS, option.split(":", 3), strict=True):
            if text:
                self._text(f"g:{part}", text)
        self._xml.endElement("g:shipping")

    def close(self) -> None:
        self._xml.endElement("channel")
        self._xml.endElement("rss")
        self._xml.endDocument()


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as the text it is: cleaned; tabs and line breaks (which
    would break a row) as spaces; never a formula (`csvio.cells.text_cell`)."""
    value = clean(value)
    if any(c in value for c in "\t\n"):
        value = " ".join(value.split())
    return text_cell(value)


class TableWriter:
    """A header row, then one row per item (fields an item lacks are left empty). The values
    of `spaced` columns are written with spaces for underscores (`in_stock` as `in stock`)."""

    def __init__(
        self,
        handle: IO[str],
        columns: Sequence[str],
        delimiter: str,
        spaced: frozenset[str] = frozenset(),
    ) -> None:
        self.columns = tuple(columns)
        self.spaced = spaced
        self._rows = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        self._rows.writerow(self.columns)

    def write(self, item: Item) -> None:
        self._rows.writerow([self._value(column, item.get(column, "")) for column in self.columns])

    def _value(self, column: str, value: str) -> str:
        return _cell(value.replace("_", " ") if column in self.spaced else value)

    def close(self) -> None:
        return None


# Google's tab-delimited local inventory feed spells its enumerated values with spaces
# (`in stock`, `limited availability`, `out of stock`, `same day`, `next day`, `not supported`);
# its XML and the Merchant API take underscores (support.google.com/merchants/answer/3061342).
LOCAL_SPACED = frozenset({"availability", "pickup_method", "pickup_sla"})


def google_tsv(handle: IO[str], local: bool = False) -> TableWriter:
    if local:
        return TableWriter(handle, LOCAL_COLUMNS, "\t", LOCAL_SPACED)
    return TableWriter(handle, GOOGLE_COLUMNS, "\t")


def meta_csv(handle: IO[str]) -> TableWriter:
    return TableWriter(handle, META_COLUMNS, ",")
