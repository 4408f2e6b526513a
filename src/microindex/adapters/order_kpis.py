"""KPI sources from orders and channels: handovers (time to fulfilment), order fill per node,
and listing accuracy per channel, behind the governance ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.channels.accuracy import Basis
from microindex.domain.channels.items import FeedSettings
from microindex.domain.kpis import Handover, ListingAccuracy
from microindex.domain.node import Node
from microindex.domain.promise.lifecycle import Step
from microindex.service import promise
from microindex.service.accuracy_days import Sources, keep_closed_days, kept_accuracy
from microindex.service.channel_ports import ChannelStore
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory

LOOKBACK = timedelta(days=60)  # how long before its handover an order may have been promised
HANDED = frozenset({Step.HANDED_OVER, Step.DELIVERED})


class OrderHandovers:
    """`FulfilmentEvents` from the order lifecycle: promised → handed over, per node."""

    def __init__(self, hub: PromiseUnitOfWorkFactory) -> None:
        self._hub = hub

    def handovers(self, start: datetime, end: datetime) -> Iterator[Handover]:
        events = promise.order_events(self._hub, start - LOOKBACK, end)
        promised = {(e.order, e.node): e.at for e in events if e.step is Step.PROMISED}
        for e in events:
            began = promised.get((e.order, e.node))
            if e.step is Step.HANDED_OVER and began is not None and start <= e.at < end:
                yield Handover(e.order, e.node, began, e.at)


@dataclass(frozen=True, slots=True)
class OrderFill:
    """Order lines promised to a node in the period, and those it handed over itself."""

    node: str
    promised: int
    handed_over: int

    @property
    def rate(self) -> float | None:
        return None if self.promised == 0 else self.handed_over / self.promised


def order_fill(hub: PromiseUnitOfWorkFactory, start: datetime, end: datetime) -> list[OrderFill]:
    """Per node, the share of order lines promised to it in [start, end) that it handed over
    itself (not released, cancelled or re-routed); still-open lines count as not yet."""
    events = promise.order_events(hub, start, end + LOOKBACK)
    placed = {(e.order, e.node) for e in events if e.step is Step.PROMISED and e.at < end}
    handed = {(e.order, e.node) for e in events if e.step in HANDED}
    lines: dict[str, list[int]] = {}
    for order, node in placed:
        parts = promise.get_order(hub, order).order.parts
        count = len(parts[node].lines) if node in parts else 0
        tally = lines.setdefault(node, [0, 0])
        tally[0] += count
        tally[1] += count if (order, node) in handed else 0
    return [OrderFill(node, p, h) for node, (p, h) in sorted(lines.items())]


class ChannelListingAccuracy:
    """`ListingAccuracySource` from the channels' recorded payloads: per channel, what it was
    read back showing (or, with no read-back, what it was told) against the ledgers."""

    def __init__(
        self,
        open_store: Callable[[], ChannelStore],
        hub: UnitOfWorkFactory,
        ledgers: Mapping[str, UnitOfWorkFactory],
        nodes: Callable[[], Sequence[Node]],
        settings: FeedSettings,
    ) -> None:
        self._args = (open_store, hub, ledgers)
        self._nodes, self._settings = nodes, settings

    def keep(self, now: datetime) -> int:
        with self._sources() as sources:
            return keep_closed_days(sources, now)

    @contextmanager
    def _sources(self) -> Iterator[Sources]:
        open_store, hub, ledgers = self._args
        store = open_store()  # for this read only: a store may hold its own connection
        try:
            yield Sources(store, hub, ledgers, self._nodes(), self._settings)
        finally:
            store.close()

    def accuracy(self, start: datetime, end: datetime) -> list[ListingAccuracy]:
        with self._sources() as sources:
            report = kept_accuracy(sources, (start, end))
        totals: dict[tuple[str, Basis], list[int]] = {}
        for cell in report.cells:
            tally = totals.setdefault((cell.channel, cell.basis), [0, 0])
            tally[0] += cell.checked
            tally[1] += cell.matched
        found = []
        for channel in sorted({c for c, _ in totals}):
            shown = totals.get((channel, Basis.SHOWN), [0, 0])
            checked, matched = shown if shown[0] else totals.get((channel, Basis.TOLD), [0, 0])
            if checked:
                found.append(ListingAccuracy(channel, checked, matched))
        return found
