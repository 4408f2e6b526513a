"""Channel use cases over history: newsletter entries (new drops, restocks) and listing accuracy.

Both read history that only grows: the hub's catalog outbox (when each product version
appeared) and each node's ledger (what was on hand when).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from microindex.domain.channels.accuracy import (
    AccuracyCell,
    Basis,
    Measurement,
    Mismatch,
    Timeline,
    Told,
    measure,
    windows,
)
from microindex.domain.channels.figures import exact
from microindex.domain.channels.items import (
    MEASURED,
    FeedSettings,
    Item,
    google_local,
    google_product,
    image_links,
    measured,
    meta_product,
)
from microindex.domain.channels.mapping import Channel, discontinued, for_sale, schema_availability
from microindex.domain.channels.newsletter import (
    Change,
    FeedEntry,
    drop_entry,
    restock_entry,
    restocks,
)
from microindex.domain.channels.price import feed_price, price_at, sale_window
from microindex.domain.movement import Movement
from microindex.domain.node import Node
from microindex.domain.product import Product
from microindex.service.catalog import PRODUCT_TOPIC
from microindex.service.channel_ports import ChannelStore
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.records import product_from_record

PAGE = 5000


def product_versions(hub: UnitOfWorkFactory) -> Iterator[tuple[datetime, Product]]:
    """Every product version the catalog published, oldest first."""
    last = 0
    while True:
        with hub() as uow:
            messages, upto = uow.outbox.of_topic(PRODUCT_TOPIC, last, PAGE)
        for message in messages:
            yield message.created_at, product_from_record(message.payload)
        if upto == last:
            return
        last = upto


def ledger(database: UnitOfWorkFactory, node: str) -> Iterator[Movement]:
    """A node's ledger in sequence order, page by page."""
    after = 0
    while True:
        with database() as uow:
            page = uow.ledger.movements(node, after, PAGE)
        if not page:
            return
        yield from page
        after = page[-1].seq


def newsletter_entries(
    hub: UnitOfWorkFactory,
    ledgers: Mapping[str, UnitOfWorkFactory],
    nodes: Sequence[Node],
    settings: FeedSettings,
    limit: int = 50,
    available: Callable[[str, str], bool] | None = None,
) -> list[FeedEntry]:
    """The newest `limit` changes worth a newsletter: first appearances and restocks.

    With `available(node, sku)` (the availability rule every channel uses, as of now), a
    restock is listed only while its node may still be said to have the SKU: a newsletter
    built from the feed never announces "back in stock" where the shelves say otherwise."""
    base = settings.base_url
    latest: dict[str, Product] = {}
    entries: list[FeedEntry] = []
    for at, product in product_versions(hub):
        sku = product.sku.value
        if sku not in latest:
            entries.append(drop_entry(base, sku, product.title, settings.product_url(product), at))
        latest[sku] = product
    for node in nodes:
        code = node.code.value
        if code not in ledgers:
            continue
        for restock in restocks(ledger(ledgers[code], code), {}):
            known = latest.get(restock.sku)
            if known is not None and not discontinued(known):  # no longer sold: no news
                link = settings.node_product_url(known, code)
                entries.append(restock_entry(base, restock, known.title, node.name, link))
    entries.sort(key=lambda e: (e.at, e.guid), reverse=True)
    if available is not None:
        still = (e for e in entries if e.change is not Change.RESTOCK or available(e.node, e.sku))
        entries = list(itertools.islice(still, limit))
    return [_pictured(entry, latest) for entry in entries[:limit]]


def _pictured(entry: FeedEntry, products: Mapping[str, Product]) -> FeedEntry:
    """The entry with its product's first catalog picture (JSON Feed's `image`)."""
    product = products.get(entry.sku)
    images = image_links(product) if product is not None else ()
    return replace(entry, image=images[0]) if images and not entry.image else entry


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    cells: list[AccuracyCell]
    mismatches: list[Mismatch]


def split_key(channel: Channel, key: str) -> tuple[str, str]:
    """(node, SKU) of an item's key: the SKU alone for the online feeds, `node/SKU` for local
    inventory and pages (node codes hold no `/`; a SKU may)."""
    if channel in (Channel.GOOGLE, Channel.META):
        return "", key
    node, _, sku = key.partition("/")
    return node, sku


class _Truth:
    """What each channel should have shown at a moment: the truth from the ledgers replayed in
    time order (each movement at its own time, ties by sequence, however late it was recorded),
    less at most what the availability rule's buffer held back when the channel was told."""

    def __init__(
        self,
        hub: UnitOfWorkFactory,
        ledgers: Mapping[str, UnitOfWorkFactory],
        nodes: Sequence[Node],
        settings: FeedSettings,
        skus: set[str],
    ) -> None:
        self.settings = settings
        self.nodes = {n.code.value: n for n in nodes}
        self._made: dict[tuple[Channel, int, str, int, tuple[date, bool, bool]], Item] = {}
        self.products: dict[str, Timeline[Product]] = {}
        for at, product in product_versions(hub):
            if product.sku.value in skus:
                self.products.setdefault(product.sku.value, Timeline()).add(at, product)
        self.stock: dict[tuple[str, str], Timeline[int]] = {}
        for code, database in ledgers.items():
            self.stock.update(on_hand_over_time(ledger(database, code), skus))

    def quantity(self, node: str, sku: str, at: datetime) -> int:
        line = self.stock.get((node, sku))
        return (line.at(at) or 0) if line else 0

    def item(self, channel: Channel, key: str, at: datetime, told: Told) -> Item | None:
        node, sku = split_key(channel, key)
        product = self.products[sku].at(at) if sku in self.products else None
        if product is None:
            return None
        if channel in (Channel.GOOGLE, Channel.META):
            true = sum(self.quantity(code, sku, at) for code in self.nodes)
        else:
            true = self.quantity(node, sku, at)
        low = max(0, true - told.held)
        said = told_quantity(told.fields)
        if said is not None:
            return self._item(channel, product, node, min(max(said, low), true), at)
        exact_item = self._item(channel, product, node, true, at)
        if low < true and exact_item.get("availability") != told.fields.get("availability"):
            held_back = self._item(channel, product, node, low, at)
            if held_back.get("availability") == told.fields.get("availability"):
                return held_back
        return exact_item

    def _item(
        self, channel: Channel, product: Product, node: str, quantity: int, at: datetime
    ) -> Item:
        """The item, built once per product version, node, quantity and what of the moment
        an item reads: the shop's day (availability dates) and where it falls in the sale window
        (announced, on, over). A day of 15-minute samples builds each item a few times, not 96."""
        window = sale_window(product)
        moment = (
            self.settings.day_of(at),
            window is None or window.covers(at),
            window is None or at < window.end,
        )
        key = (channel, id(product), node, quantity, moment)  # versions live as long as self
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._build(channel, product, node, quantity, at)
        return found

    def _build(
        self, channel: Channel, product: Product, node: str, quantity: int, at: datetime
    ) -> Item:
        if channel is Channel.GOOGLE:
            return measured(channel, google_product(product, quantity, at, self.settings))
        if channel is Channel.META:
            return measured(channel, meta_product(product, quantity, at, self.settings))
        figure = for_sale(product, exact(node, product.sku.value, quantity))
        if channel is Channel.GOOGLE_LOCAL:
            return measured(channel, google_local(product, self.nodes[node], figure, at))
        words = schema_availability(product, figure, self.settings.day_of(at)) or ""
        return {"availability": words, "price": feed_price(price_at(product, at))}


def on_hand_over_time(
    movements: Iterable[Movement], skus: set[str]
) -> dict[tuple[str, str], Timeline[int]]:
    """On-hand per (node, SKU) over time: movements replayed in the order of their own times
    (ties by sequence), so one recorded late with an earlier time counts from that time."""
    moves: dict[tuple[str, str], list[tuple[datetime, int, int]]] = {}
    for m in movements:
        if m.sku in skus and m.on_hand_delta:
            moves.setdefault((m.node, m.sku), []).append((m.at, m.seq, m.on_hand_delta))
    lines: dict[tuple[str, str], Timeline[int]] = {}
    for key, found in moves.items():
        line: Timeline[int] = Timeline()
        total = 0
        for at, _, delta in sorted(found):
            total += delta
            line.add(at, total)
        lines[key] = line
    return lines


def told_quantity(fields: Item) -> int | None:
    """The quantity an item told its channel (local inventory, Meta), None where it tells none."""
    for name in ("quantity", "quantity_to_sell_on_facebook"):
        if fields.get(name, "").isdigit():
            return int(fields[name])
    return None


def _shown(
    store: ChannelStore, channel: Channel, until: datetime, observed: bool
) -> dict[str, Timeline[Told]]:
    found: dict[str, Timeline[Told]] = {}
    for at, sent in store.history(channel.value, until, observed=observed):
        found.setdefault(sent.key, Timeline()).add(at, Told(sent.fields, sent.held))
    return found


def listing_accuracy(
    store: ChannelStore,
    hub: UnitOfWorkFactory,
    ledgers: Mapping[str, UnitOfWorkFactory],
    nodes: Sequence[Node],
    settings: FeedSettings,
    span: tuple[datetime, datetime],
    window: timedelta = timedelta(days=1),
    step: timedelta = timedelta(minutes=15),
    channels: Sequence[Channel] = (
        Channel.GOOGLE,
        Channel.GOOGLE_LOCAL,
        Channel.META,
        Channel.PAGE,
    ),
) -> AccuracyReport:
    """Per channel, basis (told / read back) and field: the share of sampled (item, moment)
    pairs where the channel showed the truth, window by window over `span`."""
    start, end = span
    spans = windows(start, end, window)
    shown = {
        (channel, basis): _shown(store, channel, end, basis is Basis.SHOWN)
        for channel in channels
        for basis in Basis
    }
    skus = {split_key(channel, key)[1] for (channel, _), lines in shown.items() for key in lines}
    truth = _Truth(hub, ledgers, nodes, settings, skus)
    cells: list[AccuracyCell] = []
    mismatches: list[Mismatch] = []
    for (channel, basis), lines in shown.items():
        if not lines:
            continue
        fields = MEASURED[channel]
        judge = partial(truth.item, channel)
        result: Measurement = measure(channel.value, basis, fields, lines, judge, spans, step)
        cells += result.cells
        mismatches += result.mismatches
    return AccuracyReport(cells, mismatches)
