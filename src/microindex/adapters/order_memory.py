"""The hub's orders and transfers in memory, beside the in-memory sync stores: the same
contract as SQLite, rolled back with them (one undo journal), so the simulator can promise
through `service/promise.place_order` thousands of times a second."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from microindex.adapters.sync.memory import Journal, MemorySyncDatabase, MemorySyncUnitOfWork
from microindex.domain.promise.lifecycle import Event, Order, Step
from microindex.domain.transfer import Transfer, TransferState
from microindex.service.promise_ports import OrderRecord
from microindex.service.sync_ports import PromiseView


@dataclass
class OrderState:
    records: dict[str, OrderRecord] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)


def _kept(order: Order) -> Order:
    return replace(order, parts=dict(order.parts), events=[])


class MemoryOrders:
    def __init__(self, state: OrderState, journal: Journal) -> None:
        self._s, self._j = state, journal

    def get(self, ident: str) -> OrderRecord | None:
        found = self._s.records.get(ident)
        return None if found is None else replace(found, order=_kept(found.order))

    def add(self, record: OrderRecord) -> None:
        self._j.put(self._s.records, record.order.ident, replace(record, order=_kept(record.order)))
        self.save(record.order)

    def save(self, order: Order) -> None:
        record = self._s.records[order.ident]
        self._j.put(self._s.records, order.ident, replace(record, order=_kept(order)))
        for event in order.events:
            self._j.put(self._s.events, len(self._s.events), event)
        order.events.clear()

    def open_at(self, node: str | None) -> list[Order]:
        found = (self.get(ident) for ident in sorted(self._s.records))
        return [
            r.order
            for r in found
            if r is not None and r.order.open and (node is None or node in r.order.nodes)
        ]

    def at_risk_nodes(self) -> list[str]:
        return sorted(
            {n for r in self._s.records.values() if r.order.open for n in r.order.at_risk}
        )

    def lapsed(self, now: datetime) -> list[str]:
        return sorted(
            ident
            for ident, r in self._s.records.items()
            if r.lease_until <= now and all(p.step is Step.PROMISED for p in r.order.parts.values())
        )

    def events(self, start: datetime, end: datetime) -> list[Event]:
        return [e for _, e in sorted(self._s.events.items()) if start <= e.at < end]

    def history(self, ident: str) -> list[Event]:
        return [e for _, e in sorted(self._s.events.items()) if e.order == ident]


class MemoryTransfers:
    def __init__(self, state: OrderState, journal: Journal) -> None:
        self._s, self._j = state, journal

    def add(self, transfer: Transfer) -> None:
        self.save(transfer)

    def save(self, transfer: Transfer) -> None:
        self._j.put(self._s.transfers, transfer.ident, copy.deepcopy(transfer))

    def get(self, ident: str) -> Transfer | None:
        found = self._s.transfers.get(ident)
        return None if found is None else copy.deepcopy(found)

    def listed(self, state: TransferState | None = None) -> list[Transfer]:
        return [
            copy.deepcopy(t)
            for _, t in sorted(self._s.transfers.items())
            if state is None or t.state is state
        ]


class MemoryPromiseDatabase(MemorySyncDatabase):
    """A hub in memory: the sync stores plus its orders and their transfers."""

    def __init__(self) -> None:
        super().__init__()
        self.orders = OrderState()

    def __call__(self) -> MemoryPromiseUnitOfWork:
        return MemoryPromiseUnitOfWork(self)

    unit_of_work = __call__


class MemoryPromiseUnitOfWork(MemorySyncUnitOfWork):
    def __init__(self, database: MemoryPromiseDatabase) -> None:
        super().__init__(database)
        self.orders = MemoryOrders(database.orders, self._journal)
        self.transfers = MemoryTransfers(database.orders, self._journal)

    def commit(self) -> None:
        super().commit()  # a fresh journal: keep writing into it
        self.orders._j = self.transfers._j = self._journal

    def placed_and_view(
        self, key: str, skus: Collection[str]
    ) -> tuple[OrderRecord | None, PromiseView]:
        return self.orders.get(key), self.accounts.promise_view(skus)
