"""The demo shop's channel history: a morning push of the local inventory and Meta feeds, so
listing accuracy (what each channel was told against the ledgers) has weeks to measure."""

from __future__ import annotations

from datetime import datetime

from microindex.adapters.channels.wiring import channel_sources
from microindex.bootstrap import Workspace
from microindex.domain.channels.items import Item
from microindex.domain.channels.mapping import Channel
from microindex.service.channels import ChannelSources, send
from microindex.service.nodes import list_nodes

PUSHED = (Channel.GOOGLE_LOCAL, Channel.META)


class _Sent:
    """The channel's side is not simulated: the record of what was sent is what counts."""

    def write(self, item: Item) -> None:
        return None


def open_sources(workspace: Workspace) -> ChannelSources:
    settings = workspace.settings
    nodes = list_nodes(workspace.hub)
    files = {n.code.value: settings.nodes_dir / f"{n.code.value}.sqlite" for n in nodes}
    return channel_sources(workspace.storage, files, nodes, settings.feed)


def push_channels(sources: ChannelSources, at: datetime) -> None:
    for channel in PUSHED:
        send(sources, channel, _Sent(), at)
