"""In-memory fakes of the channel ports, for service tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from microindex.domain.channels.accuracy import AccuracyCell
from microindex.domain.channels.figures import Availability
from microindex.domain.channels.items import Item, item_digest
from microindex.domain.product import Product
from microindex.service.channel_ports import PushRecord, SentItem

OBSERVED = "observed"


class MemoryChannelStore:
    def __init__(self) -> None:
        self._pushes: list[PushRecord] = []
        self._items: dict[int, list[SentItem]] = {}
        self._latest: dict[str, dict[str, str]] = {}
        self._served: dict[str, tuple[str, datetime]] = {}
        self._kept: dict[date, list[AccuracyCell]] = {}
        self._marks: str | None = None

    def record_push(
        self, channel: str, kind: str, at: datetime, items: Iterable[SentItem]
    ) -> PushRecord:
        sent = {item.key: item for item in items}  # consumed first: all or nothing
        record = PushRecord(len(self._pushes) + 1, channel, kind, at, len(sent))
        self._pushes.append(record)
        self._items[record.id] = sorted(sent.values(), key=lambda item: item.key)
        if kind != OBSERVED:
            latest = self._latest.setdefault(channel, {})
            latest.update({key: item_digest(item.fields) for key, item in sent.items()})
        return record

    def close(self) -> None:
        return None

    def served(self, name: str, etag: str, at: datetime) -> tuple[datetime, bool]:
        kept = self._served.get(name)
        if kept is not None and kept[0] == etag:
            return kept[1], False
        self._served[name] = (etag, at)
        return at, True

    def pushes(self, channel: str | None = None) -> list[PushRecord]:
        return [p for p in self._pushes if channel is None or p.channel == channel]

    def latest_digests(self, channel: str) -> dict[str, str]:
        return dict(self._latest.get(channel, {}))

    def kept_accuracy(
        self, first: date, last: date
    ) -> tuple[set[date], list[AccuracyCell], str | None]:
        days = {d for d in self._kept if first <= d < last}
        return days, [c for d in sorted(days) for c in self._kept[d]], self._marks

    def keep_accuracy(
        self,
        marks: str,
        stale_from: date | None,
        days: Iterable[date],
        cells: Iterable[AccuracyCell],
    ) -> None:
        if stale_from is not None:
            self._kept = {d: c for d, c in self._kept.items() if d < stale_from}
        for day in days:
            self._kept[day] = []
        for cell in cells:
            self._kept[cell.start.date()].append(cell)
        self._marks = marks

    def history(
        self,
        channel: str,
        until: datetime,
        keys: Iterable[str] | None = None,
        observed: bool = False,
    ) -> Iterator[tuple[datetime, SentItem]]:
        wanted = None if keys is None else set(keys)
        for push in self._pushes:
            if push.channel != channel or (push.kind == OBSERVED) != observed or push.at > until:
                continue
            for item in self._items[push.id]:
                if wanted is None or item.key in wanted:
                    yield push.at, item


@dataclass
class ListProducts:
    items: Sequence[Product]

    def products(self) -> Iterator[Product]:
        return iter(sorted(self.items, key=lambda p: p.sku.value))

    def product(self, sku: str) -> Product | None:
        return next((p for p in self.items if p.sku.value == sku), None)

    def with_handle(self, handle: str) -> list[Product]:
        return [p for p in self.products() if p.handle == handle]


@dataclass
class ListFigures:
    items: Sequence[Availability]

    def figures(self, node: str, skus: Iterable[str] | None = None) -> Iterator[Availability]:
        wanted = None if skus is None else set(skus)
        found = [f for f in self.items if f.node == node and (wanted is None or f.sku in wanted)]
        return iter(sorted(found, key=lambda f: f.sku))


@dataclass
class ListWriter:
    items: list[Item] = field(default_factory=list)

    def write(self, item: Item) -> None:
        self.items.append(item)
