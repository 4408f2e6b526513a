"""Channels wired to a workspace: the catalog and figures from its databases, the record of
sent payloads in the hub's database (its SQLite file, or PostgreSQL), and the shop's feed
settings from `Settings.feed` (the `[channels]` table: `base_url`, default the workspace's
`link_stem`, and `shipping`, a list of `COUNTRY:REGION:SERVICE:PRICE` options such as
`"GB::Standard:4.95 GBP"`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from microindex.adapters.channels.catalog import SqliteProducts, UnitOfWorkProducts
from microindex.adapters.channels.figures import SqliteFigures
from microindex.adapters.sqlite.channel_store import SqliteChannelStore
from microindex.domain.channels.items import FeedSettings
from microindex.domain.errors import InvalidValue
from microindex.domain.node import Node
from microindex.service.channel_ports import ChannelStore, ProductReader
from microindex.service.channels import ChannelSources
from microindex.service.ports import UnitOfWorkFactory


def feed_settings(workspace: Path, link_stem: str) -> FeedSettings:
    """The `[channels]` table of the workspace's settings, for callers not yet handed the
    `Settings` (`Settings.feed` is the one to take)."""
    from microindex.settings import Settings

    channels = Settings.load(workspace, environ={}).channels
    return FeedSettings(channels.base_url or link_stem, channels.shipping)


def channel_sources(
    hub: UnitOfWorkFactory,
    hub_file: Path | None,
    node_files: Mapping[str, Path],
    nodes: Sequence[Node],
    settings: FeedSettings,
    image_for: Callable[[str], str] = lambda sku: "",
) -> ChannelSources:
    """`hub_file` is the hub's SQLite file, or None when the hub is PostgreSQL (the record of
    what was sent is then kept in its database too)."""
    products: ProductReader = SqliteProducts(hub_file) if hub_file else UnitOfWorkProducts(hub)
    store = SqliteChannelStore(hub_file) if hub_file else _postgres_store(hub)
    figures = SqliteFigures(node_files, hub_file)
    return ChannelSources(products, list(nodes), figures, store, settings, image_for)


def _postgres_store(hub: UnitOfWorkFactory) -> ChannelStore:
    from microindex.adapters.postgres.channel_store import PostgresChannelStore
    from microindex.adapters.postgres.unit_of_work import PostgresDatabase

    if not isinstance(hub, PostgresDatabase):
        raise InvalidValue("hub", type(hub).__name__, "channels need a SQLite or PostgreSQL hub")
    return PostgresChannelStore(hub.url, hub.schema)
