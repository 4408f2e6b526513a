"""Ports of the sync use cases: rights and sync marks at a node, accounts and peers at the hub.

They live beside `ports.py` rather than in it so the sync work can grow on its own; a sync unit
of work is an ordinary unit of work with these two stores added, on the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from microindex.domain.sync.account import NodeAccount, Reservation
from microindex.domain.sync.allocation import SplitRate
from microindex.domain.sync.messages import AgentReport, Peer, Push, Reply
from microindex.domain.sync.node import NodeSide
from microindex.service.ports import UnitOfWork
from microindex.service.rounds_ports import PopUpStore


@dataclass(frozen=True, slots=True)
class PromiseView:
    """What a promise reads of the hub's accounts for an order's SKUs (`promise_view`)."""

    epoch: str = ""  # the hub's
    epochs: dict[str, str] = field(default_factory=dict)  # as `peer_epochs`
    held: dict[str, dict[str, int]] = field(default_factory=dict)  # as `held_many`
    walk_in: dict[str, dict[str, float]] = field(default_factory=dict)  # every node's
    online: dict[str, tuple[float, float]] = field(default_factory=dict)  # as `online_rates`


class RightsStore(Protocol):
    """A node's rights per SKU and its sync marks (node side)."""

    def load(self, node: str) -> NodeSide: ...
    def sent(self, node: str) -> tuple[int, int]:
        """The incarnation and counter of the node's last push (as `load` gives them), read
        without the rights: a read whatever the SKUs the node holds."""
        ...

    def applied(self, node: str, keys: Iterable[str]) -> set[str]: ...
    def save(self, side: NodeSide) -> None: ...


class AccountStore(Protocol):
    """The hub's accounts with its nodes (hub side)."""

    def epoch(self) -> str: ...
    def set_epoch(self, epoch: str) -> None: ...
    def peer(self, node: str) -> Peer: ...
    def save_peer(self, peer: Peer) -> None: ...
    def load(
        self, node: str, skus: Collection[str] | None = None, requests: bool = False
    ) -> NodeAccount:
        """The node's account; with `skus`, only their rights and open reservations, and no
        unsettled requests unless `requests`: enough to reserve and cancel (promising), and
        with `requests` to sync the SKUs a push touches."""
        ...

    def next_skus(self, node: str, after: str, limit: int) -> list[str]:
        """Up to `limit` of the SKUs the hub keeps rights of at the node, in order after
        `after` (from the first when `after` is "")."""
        ...

    def load_rights(
        self, node: str, skus: Collection[str], seen: PromiseView | None = None
    ) -> NodeAccount:
        """The node's account (locked like `load`) with only `skus`' rights: no reservations
        and no requests, so enough to reserve (promising) but not to cancel.

        `seen`, the `promise_view` this unit of work read for these SKUs, lets a store answer
        from it and take the node's lock only when the account is saved (at the latest at
        commit): that save then spends each SKU's rights only if they are still held, else
        NotEnoughRights (from `save` or from `commit`), and the unit of work rolls back. Such
        an account only reserves (its requests are numbered when saved); a store may ignore
        `seen` and lock now."""
        ...

    def save(self, account: NodeAccount) -> None: ...
    def reservation(self, ident: str) -> Reservation | None: ...
    def reservations(self, idents: Collection[str]) -> dict[str, Reservation]:
        """`reservation` for several at once, in one read: ident -> reservation (an unknown
        ident is absent)."""
        ...

    def held(self, sku: str) -> dict[str, int]:
        """H per node for one SKU: where an online order may be promised."""
        ...

    def held_many(self, skus: Collection[str]) -> dict[str, dict[str, int]]:
        """`held` for several SKUs in one read: SKU -> node -> H (a SKU held nowhere is absent)."""
        ...

    def walk_in_rates(
        self, nodes: Collection[str], skus: Collection[str] | None = None
    ) -> dict[str, dict[str, float]]:
        """Walk-in sales per second, node -> SKU -> rate, as of each node's last sync: of
        `skus` only when given (an order's), else all the nodes'. A pair never rated is absent.
        Each is as of the SKU's last split there (a sale, a receipt or the idle sweep)."""
        ...

    def split_rates(self, node: str, skus: Collection[str]) -> dict[str, SplitRate]:
        """The rates each of `skus` was last split with at the node, and when (`at_s` -1 when
        only its walk-in rate is known, as of the node's last sync); a SKU never split is absent."""
        ...

    def save_split_rates(self, node: str, rates: Mapping[str, SplitRate]) -> None:
        """Set the node's rates of these SKUs (the others keep theirs): the walk-in rate
        `walk_in_rates` reads, with the online share and time of the split."""
        ...

    def report_agent(self, node: str, report: AgentReport, at_s: float) -> None:
        """Keep the latest report of the node's own agent (hub clock `at_s`)."""
        ...

    def agent_reports(self) -> dict[str, tuple[AgentReport, float]]:
        """The latest report of each node's own agent, with when it came; a node whose agent
        never reported (one whose ledger the hub's workspace holds) is absent."""
        ...

    def peer_epochs(self) -> dict[str, str]:
        """The hub epoch each node was last heard in (`Peer.epoch`), without the rest of its
        peer record; a node never heard from is absent."""
        ...

    def open_nodes(self) -> list[str]:
        """Nodes with open reservations (for expiry)."""
        ...

    def online_rate(self, sku: str) -> tuple[float, float]:
        """(units per second, hub time in seconds it was last updated)."""
        ...

    def online_rates(self, skus: Collection[str]) -> dict[str, tuple[float, float]]:
        """`online_rate` for several SKUs in one read; a SKU never ordered online is absent."""
        ...

    def set_online_rates(self, rates: Mapping[str, tuple[float, float]]) -> None:
        """Set each SKU's (units per second, hub time in seconds), in one write."""
        ...

    def epochs(self) -> tuple[str, dict[str, str]]:
        """`epoch` and `peer_epochs` in one read."""
        ...

    def promise_view(self, skus: Collection[str]) -> PromiseView:
        """Everything a promise reads before it decides, for its `skus`, in one read: the
        epochs, H per node, every node's walk-in rates and the online rates."""
        ...


class SyncUnitOfWork(UnitOfWork, Protocol):
    @property
    def rights(self) -> RightsStore: ...
    @property
    def accounts(self) -> AccountStore: ...
    @property
    def popups(self) -> PopUpStore:
        """Pop-ups' dates: the hub's, sent to each pop-up's node; a node's own, as learned."""
        ...


class SyncUnitOfWorkFactory(Protocol):
    def __call__(self) -> SyncUnitOfWork: ...

    def reading(self) -> UnitOfWork:
        """`ports.DatabaseReads.reading`: a snapshot that never waits for a writer."""
        ...


class SyncTransport(Protocol):
    """Carries one push to the hub and brings its reply back (or raises)."""

    def exchange(self, push: Push) -> Reply: ...


class HubUnreachable(Exception):
    """The exchange did not complete (network down, timeout, hub error): retry later."""
