"""Syndication use cases: feeds for Google (products, local inventory) and Meta, and pushes to
the Merchant API, each item built from the catalog and the nodes' figures, downgraded for age
by the shop's one availability rule (the same for every channel), and recorded as sent in the
same pass that writes it.

Everything streams: products in SKU order, each node's figures in SKU order, merged, so a feed
of 100,000 products holds one product's figures in memory at a time.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.channels.errors import ItemRefused
from microindex.domain.channels.figures import (
    AVAILABILITY_RULE,
    Availability,
    Published,
    StaleRule,
    publish,
)
from microindex.domain.channels.items import (
    FeedSettings,
    google_local,
    google_product,
    item_digest,
    item_key,
    meta_product,
)
from microindex.domain.channels.mapping import Channel, for_sale
from microindex.domain.kits import Kit, bundle_figure
from microindex.domain.node import Node
from microindex.domain.product import Product
from microindex.service.channel_ports import (
    ChannelStore,
    FeedWriter,
    FigureReader,
    ProductReader,
    PushRecord,
    Refusal,
    SentItem,
)


class Mode(StrEnum):
    FULL = "full"
    DELTA = "delta"  # only items whose fields changed since they were last sent
    API = "api"


@dataclass
class ChannelSources:
    """What the channel use cases read: the catalog, the nodes, their figures, and the record."""

    products: ProductReader
    nodes: Sequence[Node]
    figures: FigureReader
    store: ChannelStore
    settings: FeedSettings
    image_for: Callable[[str], str] = field(default=lambda sku: "")
    rule: StaleRule = AVAILABILITY_RULE  # one rule for every channel
    kits: Mapping[str, Kit] = field(default_factory=dict)  # sold as their parts: bundles


@dataclass(frozen=True, slots=True)
class Stocked:
    """A product with the figures each node may publish for it (nodes holding none omitted)."""

    product: Product
    figures: tuple[Published, ...]

    @property
    def total(self) -> int:
        """What the online feeds show: the sum the nodes may publish (unknown ones add none)."""
        return sum(f.quantity for f in self.figures if f.available)

    @property
    def held(self) -> int:
        """Units the rule's safety buffers held back over the nodes."""
        return sum(f.buffer for f in self.figures)


def stocked(sources: ChannelSources, now: datetime) -> Iterator[Stocked]:
    """Every product in SKU order, joined with its nodes' figures as the rule lets every
    channel show them at `now`; a kit with the bundle figure of its parts at each node."""
    rule = sources.rule
    parts = _parts_published(sources, now)
    streams = [sources.figures.figures(node.code.value) for node in sources.nodes]
    merged = heapq.merge(*streams, key=lambda figure: figure.sku)
    groups = itertools.groupby(merged, key=lambda figure: figure.sku)
    pending: tuple[str, Iterable[Availability]] | None = next(groups, None)
    for product in sources.products.products():
        sku = product.sku.value
        while pending is not None and pending[0] < sku:
            pending = next(groups, None)  # figures of a SKU the catalog lacks: not listed
        found: tuple[Published, ...] = ()
        kit = sources.kits.get(sku)
        if kit is not None:  # a kit holds no stock of its own: its parts' figures make it
            found = tuple(
                for_sale(product, bundle_figure(kit, node, held))
                for node, held in parts.items()
                if any(part.sku in held for part in kit.parts)
            )
        elif pending is not None and pending[0] == sku:
            found = tuple(for_sale(product, publish(f, now, rule)) for f in pending[1])
            pending = next(groups, None)
        yield Stocked(product, found)


def _parts_published(sources: ChannelSources, now: datetime) -> dict[str, dict[str, Published]]:
    """What the rule lets channels say of every kit part, node -> SKU -> figure (read once:
    the parts are few, and a kit's figure needs them wherever it comes in the catalog)."""
    skus = sorted({part.sku for kit in sources.kits.values() for part in kit.parts})
    if not skus:
        return {}
    return {
        node.code.value: {
            f.sku: publish(f, now, sources.rule)
            for f in sources.figures.figures(node.code.value, skus)
        }
        for node in sources.nodes
    }


def google_items(sources: ChannelSources, now: datetime) -> Iterator[SentItem]:
    for entry in stocked(sources, now):
        sku = entry.product.sku.value
        image = sources.image_for(sku)
        item = google_product(
            entry.product, entry.total, now, sources.settings, image, sku in sources.kits
        )
        yield SentItem(item_key(sku), item, entry.held)


def local_items(sources: ChannelSources, now: datetime) -> Iterator[SentItem]:
    by_code = {node.code.value: node for node in sources.nodes}
    for entry in stocked(sources, now):
        sku = entry.product.sku.value
        for figure in entry.figures:
            item = google_local(entry.product, by_code[figure.node], figure, now)
            yield SentItem(item_key(sku, figure.node), item, figure.buffer)


def meta_items(sources: ChannelSources, now: datetime) -> Iterator[SentItem]:
    for entry in stocked(sources, now):
        sku = entry.product.sku.value
        image = sources.image_for(sku)
        item = meta_product(entry.product, entry.total, now, sources.settings, image)
        yield SentItem(item_key(sku), item, entry.held)


ITEMS: dict[Channel, Callable[[ChannelSources, datetime], Iterator[SentItem]]] = {
    Channel.GOOGLE: google_items,
    Channel.GOOGLE_LOCAL: local_items,
    Channel.META: meta_items,
}


def send(
    sources: ChannelSources,
    channel: Channel,
    writer: FeedWriter,
    now: datetime,
    mode: Mode = Mode.FULL,
    record: bool = True,
) -> PushRecord:
    """Write `channel`'s feed to `writer` and record every item sent, in one streamed pass.

    DELTA sends only the items whose fields differ from what the channel was last sent.
    Items the writer refuses (`ItemRefused`: the channel answered no to that item) are not
    recorded, so DELTA sends them again; the record returned lists them.
    With `record=False` (a dry run) nothing is recorded and the record returned has id 0.
    """
    items = ITEMS[channel](sources, now)
    if mode is Mode.DELTA:
        items = _changed(items, sources.store.latest_digests(channel.value))
    refused: list[Refusal] = []
    sent = _written(items, writer, refused)
    if record:
        done = sources.store.record_push(channel.value, mode.value, now, sent)
    else:
        done = PushRecord(0, channel.value, mode.value, now, sum(1 for _ in sent))
    return replace(done, refused=tuple(refused))


def _changed(items: Iterator[SentItem], last: dict[str, str]) -> Iterator[SentItem]:
    return (item for item in items if last.get(item.key) != item_digest(item.fields))


def _written(
    items: Iterator[SentItem], writer: FeedWriter, refused: list[Refusal]
) -> Iterator[SentItem]:
    for item in items:
        try:
            writer.write(item.fields)
        except ItemRefused as refusal:
            refused.append(Refusal(item.key, refusal.status, refusal.reason))
            continue
        yield item


def observe(
    store: ChannelStore, channel: Channel, at: datetime, shown: Iterable[SentItem]
) -> PushRecord:
    """Record what a channel was read back showing (a channel report, our own page)."""
    return store.record_push(channel.value, "observed", at, shown)


@dataclass(frozen=True, slots=True)
class ServedFile:
    """A feed file as the hub serves it: its bytes, a strong ETag of them, and when this
    content first appeared (its Last-Modified)."""

    name: str
    body: bytes
    etag: str
    modified_at: datetime


class _Discard:
    def write(self, item: dict[str, str]) -> None:
        return None


def serve_file(
    sources: ChannelSources,
    name: str,
    channel: Channel | None,
    render: Callable[[], bytes],
    now: datetime,
) -> ServedFile:
    """Render the feed file `name` for a channel fetching it at `now`. Its ETag is a digest of
    the bytes, so an unchanged file keeps its ETag and its Last-Modified (the fetcher is told
    "not modified"); a changed one is new from `now`, and its items are recorded as sent to
    `channel` (as `feeds` records a file it writes), so listing accuracy sees what it served."""
    body = render()
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    modified_at, new = sources.store.served(name, etag, now)
    if new and channel is not None:
        send(sources, channel, _Discard(), now, Mode.FULL)
    return ServedFile(name, body, etag, modified_at)
