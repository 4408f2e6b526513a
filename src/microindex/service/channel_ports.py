"""Ports of the syndication use cases: figures with their age, products in SKU order, feed
writers, and the record of every payload sent to (or read back from) a channel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from microindex.domain.channels.accuracy import AccuracyCell
from microindex.domain.channels.figures import Availability
from microindex.domain.product import Product

Item = dict[str, str]


class FigureReader(Protocol):
    """Availability figures of one node, in SKU order, each with its as-of time and source.

    An adapter decides where they come from: the node's own ledger (as of its last movement),
    or the hub's mirror with sync's figure ages (as of the last successful sync)."""

    def figures(self, node: str, skus: Iterable[str] | None = None) -> Iterator[Availability]: ...


class ProductReader(Protocol):
    """The catalog in SKU order, streamed (a feed of 100,000 products never sits in memory)."""

    def products(self) -> Iterator[Product]: ...
    def product(self, sku: str) -> Product | None: ...
    def with_handle(self, handle: str) -> list[Product]:
        """The products sharing `handle`, in SKU order (read through an index)."""
        ...


class FeedWriter(Protocol):
    """Where a feed's items go: a file being streamed, an API batch, a test's list."""

    def write(self, item: Item) -> None:
        """Take one item; raise `ItemRefused` when the channel refuses that item alone."""
        ...


@dataclass(frozen=True, slots=True)
class SentItem:
    """One item as a channel was told it (or as it was read back showing it)."""

    key: str  # the item's identity at the channel: SKU, or store_code/SKU
    fields: Item
    held: int = 0  # units the availability rule's safety buffer held back (not an error)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One item a channel refused: its key in the record, the answer's status and reason."""

    key: str
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class PushRecord:
    id: int
    channel: str
    kind: str  # full, delta, api, observed
    at: datetime
    items: int  # recorded as sent (refused items are not)
    refused: tuple[Refusal, ...] = ()  # in the push that made this record (not stored)


class ChannelStore(Protocol):
    """Every payload sent, per item and field; what channels were read back showing."""

    def record_push(
        self, channel: str, kind: str, at: datetime, items: Iterable[SentItem]
    ) -> PushRecord:
        """Consume `items` (streamed) and record them as one push; a push that fails midway
        is never counted (nor its digests taken as the latest)."""
        ...

    def pushes(self, channel: str | None = None) -> list[PushRecord]:
        """Pushes (observations included) in the order they were recorded."""
        ...

    def latest_digests(self, channel: str) -> dict[str, str]:
        """Per item key, the digest of the fields last sent (for changed-only feeds)."""
        ...

    def history(
        self,
        channel: str,
        until: datetime,
        keys: Iterable[str] | None = None,
        observed: bool = False,
    ) -> Iterator[tuple[datetime, SentItem]]:
        """Items sent (or, `observed`, read back) up to `until`, oldest first."""
        ...

    def kept_accuracy(
        self, first: date, last: date
    ) -> tuple[set[date], list[AccuracyCell], str | None]:
        """The days in [first, last) whose listing accuracy is kept, their cells (one per
        channel, basis and field with anything checked, each spanning its day) and the marks
        they were kept at (`service.accuracy_days.Marks`, as text; None: nothing kept yet)."""
        ...

    def keep_accuracy(
        self,
        marks: str,
        stale_from: date | None,
        days: Iterable[date],
        cells: Iterable[AccuracyCell],
    ) -> None:
        """In one transaction: drop the kept days from `stale_from` on, keep `days` with
        their `cells`, and note `marks`."""
        ...

    def served(self, name: str, etag: str, at: datetime) -> tuple[datetime, bool]:
        """Note that the feed file `name` is served at `at` with content `etag`: when that
        content first appeared (the file's Last-Modified), and whether that is now (the content
        is new, so what it lists is to be recorded as sent)."""
        ...

    def close(self) -> None: ...
