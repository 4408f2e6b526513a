"""Channels wired to a workspace: the catalog and figures from its SQLite files, the record of
sent payloads in the hub's file, and the shop's feed settings from `microindex.toml`.

`[channels]` table: `base_url` (default: the workspace's `link_stem`) and `shipping`, a list of
`COUNTRY:REGION:SERVICE:PRICE` options such as `"GB::Standard:4.95 GBP"`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from microindex.adapters.channels.catalog import SqliteProducts, UnitOfWorkProducts
from microindex.adapters.channels.figures import SqliteFigures
from microindex.adapters.sqlite.channel_store import SqliteChannelStore
from microindex.domain.channels.items import FeedSettings, ShippingOption
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.node import Node
from microindex.service.channel_ports import ProductReader
from microindex.service.channels import ChannelSources
from microindex.service.ports import UnitOfWorkFactory

SETTINGS_FILE = "microindex.toml"
CHANNELS_FILE = "channels.sqlite"  # the record of sent payloads when the hub is PostgreSQL


def shipping_option(text: str) -> ShippingOption:
    try:
        country, region, service, price = text.split(":", 3)
        amount, currency = price.split(" ")
        return ShippingOption(country, service, Money(Decimal(amount), currency), region)
    except ValueError:
        raise InvalidValue("shipping", text, "use COUNTRY:REGION:SERVICE:PRICE") from None


def feed_settings(workspace: Path, link_stem: str) -> FeedSettings:
    file = workspace / SETTINGS_FILE
    table: dict[str, object] = {}
    if file.exists():
        with file.open("rb") as handle:
            loaded = tomllib.load(handle).get("channels", {})
            table = loaded if isinstance(loaded, dict) else {}
    options = table.get("shipping", [])
    shipping = tuple(shipping_option(str(o)) for o in options) if isinstance(options, list) else ()
    return FeedSettings(str(table.get("base_url", link_stem)), shipping)


def channel_sources(
    hub: UnitOfWorkFactory,
    hub_file: Path | None,
    workspace: Path,
    node_files: Mapping[str, Path],
    nodes: Sequence[Node],
    settings: FeedSettings,
    image_for: Callable[[str], str] = lambda sku: "",
) -> ChannelSources:
    """`hub_file` is the hub's SQLite file, or None when the hub is PostgreSQL."""
    products: ProductReader = SqliteProducts(hub_file) if hub_file else UnitOfWorkProducts(hub)
    store_file = hub_file or workspace / CHANNELS_FILE
    store = SqliteChannelStore(store_file)
    if hub_file is None:
        from microindex.adapters.sqlite.unit_of_work import SqliteDatabase

        database = SqliteDatabase(store_file)
        database.migrate()
        database.close()
    figures = SqliteFigures(node_files, hub_file)
    return ChannelSources(products, list(nodes), figures, store, settings, image_for)
