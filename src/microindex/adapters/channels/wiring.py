"""Channels wired to a workspace: the catalog and figures from its databases, the record of
sent payloads in the hub's database (its SQLite file, or PostgreSQL), and the shop's feed
settings from `Settings.feed` (the `[channels]` table: `base_url`, default the workspace's
`link_stem`, and `shipping`, a list of `COUNTRY:REGION:SERVICE:PRICE` options such as
`"GB::Standard:4.95 GBP"`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from microindex.adapters.channels.figures import HubMirror, SqliteFigures
from microindex.domain.channels.items import FeedSettings
from microindex.domain.node import Node
from microindex.service.channel_ports import ChannelStore, ProductReader
from microindex.service.channels import ChannelSources
from microindex.service.kits import KitStore


def feed_settings(workspace: Path, link_stem: str) -> FeedSettings:
    """The `[channels]` table of the workspace's settings, for callers not yet handed the
    `Settings` (`Settings.feed` is the one to take)."""
    from microindex.settings import Settings

    settings = Settings.load(workspace, environ={})
    channels = settings.channels
    return FeedSettings(channels.base_url or link_stem, channels.shipping, settings.time_zone)


class ChannelStores(Protocol):
    """Where channels read the catalog and keep the record of what was sent: the hub's
    storage (chosen in bootstrap)."""

    @property
    def hub_file(self) -> Path | None: ...

    def hub_mirror(self) -> HubMirror: ...

    def products(self) -> ProductReader: ...

    def channel_store(self) -> ChannelStore: ...

    def kits(self) -> KitStore: ...


def channel_sources(
    stores: ChannelStores,
    node_files: Mapping[str, Path],
    nodes: Sequence[Node],
    settings: FeedSettings,
    image_for: Callable[[str], str] = lambda sku: "",
) -> ChannelSources:
    """The catalog, figures and record of sent payloads of the hub's storage, the nodes'
    ledgers from their files and the hub's mirror of them (its file or its database)."""
    figures = SqliteFigures(node_files, stores.hub_mirror())
    return ChannelSources(
        stores.products(), list(nodes), figures, stores.channel_store(), settings, image_for,
        kits=stores.kits().kits(),
    )  # fmt: skip
