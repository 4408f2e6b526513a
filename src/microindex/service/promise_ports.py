"""What order promising needs from storage, beyond the sync stores."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from microindex.domain.node import Node
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.lifecycle import Event, Order
from microindex.domain.promise.order import OrderRequest
from microindex.service.node_ops_ports import TransferStore
from microindex.service.ports import CatalogStaging, UnitOfWork
from microindex.service.sync_ports import PromiseView, SyncUnitOfWork


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as stored: the aggregate, what was asked, and why it went where it went."""

    order: Order
    digest: str  # of the request: a retried key with another request is refused
    request: dict[str, Any]
    why: tuple[str, ...]
    lease_until: datetime  # an order not confirmed by then is released


class OrderStore(Protocol):
    def get(self, ident: str) -> OrderRecord | None: ...
    def add(self, record: OrderRecord) -> None: ...
    def save(self, order: Order) -> None:
        """Write each part's step and append `order.events` (then cleared)."""
        ...

    def open_at(self, node: str | None) -> list[Order]:
        """Open orders with a part at `node` or goods travelling to it (None: every node)."""
        ...

    def at_risk_nodes(self) -> list[str]:
        """Nodes where a part of an open order is at risk (its goods gone, not yet promised
        again elsewhere)."""
        ...

    def lapsed(self, now: datetime) -> list[str]:
        """Orders still only promised (not confirmed) whose lease ended by `now`."""
        ...

    def events(self, start: datetime, end: datetime) -> list[Event]: ...
    def history(self, ident: str) -> list[Event]:
        """One order's steps, in the order they were taken."""
        ...


class PromiseUnitOfWork(SyncUnitOfWork, Protocol):
    @property
    def orders(self) -> OrderStore: ...
    @property
    def transfers(self) -> TransferStore:
        """The hub's transfers, so an order and the transfers it needs commit together."""
        ...

    def placed_and_view(
        self, key: str, skus: Collection[str]
    ) -> tuple[OrderRecord | None, PromiseView]:
        """What placing an order reads first: `orders.get(key)` (the idempotency check) and
        `accounts.promise_view(skus)`, in one round trip where the storage can."""
        ...


class PromiseUnitOfWorkFactory(Protocol):
    def __call__(self) -> PromiseUnitOfWork: ...

    def reading(self) -> UnitOfWork:
        """`ports.DatabaseReads.reading`: a snapshot that never waits for a writer."""
        ...


class HubUnitOfWorkFactory(PromiseUnitOfWorkFactory, Protocol):
    """A hub's database: its units of work, and staging for its catalog imports."""

    def staging(self) -> AbstractContextManager[CatalogStaging]:
        """Where a catalog import is set aside before it is merged (`ports.CatalogStaging`)."""
        ...


class CandidateStates(Protocol):
    """What the registry does not know about a node when an order is placed: a van's position
    on its round, whether a locker has a free compartment for the order's parcel, a pop-up's
    last day. Answers a Candidate to start from (online rights and rates are filled in by
    place_order) for the nodes it knows something about."""

    def __call__(self, nodes: Sequence[Node], request: OrderRequest) -> Mapping[str, Candidate]: ...
