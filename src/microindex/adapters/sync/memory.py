"""In-memory sync storage: fast enough for thousands of simulated runs, same contract as SQLite.

A unit of work changes the state in place and keeps an undo journal; rollback (or a simulated
crash at commit) puts every value back, so a crash mid-apply leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self

from microindex.adapters.memory import (
    MemoryCatalog,
    MemoryDatabase,
    MemoryLedger,
    MemoryMeta,
    MemoryNodes,
    MemoryOutbox,
    MemoryPopUps,
    MemoryStaging,
)
from microindex.domain.sync.account import OPEN, NodeAccount, Request, Reservation
from microindex.domain.sync.allocation import SplitRate
from microindex.domain.sync.messages import AgentReport, Peer
from microindex.domain.sync.node import NodeSide
from microindex.domain.sync.rights import Rights
from microindex.service.sync_ports import PromiseView

_MISSING = object()


class SimulatedCrash(Exception):
    """The process died at this point: nothing after it happened."""


@dataclass
class _Sync:
    sides: dict[str, NodeSide] = field(default_factory=dict)
    applied: dict[tuple[str, str], bool] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    peers: dict[str, Peer] = field(default_factory=dict)
    held: dict[tuple[str, str], int] = field(default_factory=dict)
    mirror: dict[tuple[str, str], Rights] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    requests: dict[tuple[str, int], Request] = field(default_factory=dict)
    next_request: dict[str, int] = field(default_factory=dict)
    online: dict[str, tuple[float, float]] = field(default_factory=dict)
    walk_in: dict[str, dict[str, float]] = field(default_factory=dict)
    split: dict[tuple[str, str], SplitRate] = field(default_factory=dict)
    agents: dict[str, tuple[AgentReport, float]] = field(default_factory=dict)


class Journal:
    """Remembers the first old value of every key written, to undo them all."""

    def __init__(self) -> None:
        self._old: dict[tuple[int, Any], tuple[dict[Any, Any], Any]] = {}

    def put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        mark = (id(table), key)
        if mark not in self._old:
            self._old[mark] = (table, table.get(key, _MISSING))
        if value is _MISSING:
            table.pop(key, None)
        else:
            table[key] = value

    def undo(self) -> None:
        for (_, key), (table, old) in self._old.items():
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self._old.clear()


def _clone_side(side: NodeSide) -> NodeSide:
    return replace(
        side,
        rights=dict(side.rights),
        low_water=dict(side.low_water),
        applied=set(),
        newly_applied=set(),
        touched=set(),
    )


class MemoryRights:
    def __init__(self, sync: _Sync, journal: Journal) -> None:
        self._s, self._j = sync, journal

    def sent(self, node: str) -> tuple[int, int]:
        side = self._s.sides.get(node)
        return (1, 0) if side is None else (side.incarnation, side.counter)

    def load(self, node: str) -> NodeSide:
        side = self._s.sides.get(node)
        return NodeSide(node, {}, 0) if side is None else _clone_side(side)

    def applied(self, node: str, keys: Iterable[str]) -> set[str]:
        return {k for k in keys if (node, k) in self._s.applied}

    def save(self, side: NodeSide) -> None:
        for key in side.newly_applied:
            self._j.put(self._s.applied, (side.node, key), True)
        self._j.put(self._s.sides, side.node, _clone_side(side))


class MemoryAccounts:
    def __init__(self, sync: _Sync, journal: Journal) -> None:
        self._s, self._j = sync, journal

    def epoch(self) -> str:
        return self._s.meta.get("epoch", "")

    def set_epoch(self, epoch: str) -> None:
        self._j.put(self._s.meta, "epoch", epoch)

    def peer(self, node: str) -> Peer:
        peer = self._s.peers.get(node)
        return Peer(node) if peer is None else replace(peer)

    def save_peer(self, peer: Peer) -> None:
        self._j.put(self._s.peers, peer.node, replace(peer))

    def load(
        self, node: str, skus: Collection[str] | None = None, requests: bool = False
    ) -> NodeAccount:
        s = self._s

        def wanted(sku: str) -> bool:
            return skus is None or sku in skus

        held = {sku: h for (n, sku), h in s.held.items() if n == node and wanted(sku)}
        mirror = {sku: r for (n, sku), r in s.mirror.items() if n == node and wanted(sku)}
        open_ = {
            i: r
            for i, r in s.reservations.items()
            if r.node == node and r.state in OPEN and wanted(r.sku)
        }
        unsettled = (
            {seq: r for (n, seq), r in s.requests.items() if n == node}
            if skus is None or requests
            else {}
        )
        return NodeAccount(node, held, mirror, open_, unsettled, s.next_request.get(node, 1))

    def next_skus(self, node: str, after: str, limit: int) -> list[str]:
        return sorted(sku for n, sku in self._s.held if n == node and sku > after)[:limit]

    def load_rights(
        self, node: str, skus: Collection[str], seen: PromiseView | None = None
    ) -> NodeAccount:
        account = self.load(node, skus)
        account.reservations.clear()
        return account

    def save(self, account: NodeAccount) -> None:
        s, node = self._s, account.node
        for sku in account.touched_skus:
            self._j.put(s.held, (node, sku), account.h(sku))
            if sku in account.mirror:
                self._j.put(s.mirror, (node, sku), account.mirror[sku])
        for ident in account.touched_reservations:
            self._j.put(s.reservations, ident, account.reservations[ident])
        for seq in account.settled:
            self._j.put(s.requests, (node, seq), _MISSING)
        for seq, request in account.requests.items():
            if (node, seq) not in s.requests:
                self._j.put(s.requests, (node, seq), request)
        self._j.put(s.next_request, node, account.next_request)
        account.touched_skus.clear()
        account.touched_reservations.clear()
        account.settled.clear()

    def reservation(self, ident: str) -> Reservation | None:
        return self._s.reservations.get(ident)

    def reservations(self, idents: Collection[str]) -> dict[str, Reservation]:
        kept = self._s.reservations
        return {ident: kept[ident] for ident in idents if ident in kept}

    def held(self, sku: str) -> dict[str, int]:
        return {n: h for (n, s), h in self._s.held.items() if s == sku}

    def held_many(self, skus: Collection[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for (node, sku), h in self._s.held.items():
            if sku in skus:
                found.setdefault(sku, {})[node] = h
        return found

    def walk_in_rates(
        self, nodes: Collection[str], skus: Collection[str] | None = None
    ) -> dict[str, dict[str, float]]:
        found: dict[str, dict[str, float]] = {}
        for node in nodes:
            rates = self._s.walk_in.get(node, {})
            chosen = rates if skus is None else {s: rates[s] for s in skus if s in rates}
            if chosen:
                found[node] = dict(chosen)
        return found

    def split_rates(self, node: str, skus: Collection[str]) -> dict[str, SplitRate]:
        rates = self._s.walk_in.get(node, {})
        return {
            sku: self._s.split.get((node, sku), SplitRate(rates[sku], 0.0, -1.0))
            for sku in skus
            if sku in rates
        }

    def save_split_rates(self, node: str, rates: Mapping[str, SplitRate]) -> None:
        walk_in = {sku: r.walk_in for sku, r in rates.items()}
        self._j.put(self._s.walk_in, node, {**self._s.walk_in.get(node, {}), **walk_in})
        for sku, rate in rates.items():
            self._j.put(self._s.split, (node, sku), rate)

    def report_agent(self, node: str, report: AgentReport, at_s: float) -> None:
        self._j.put(self._s.agents, node, (report, at_s))

    def agent_reports(self) -> dict[str, tuple[AgentReport, float]]:
        return dict(self._s.agents)

    def peer_epochs(self) -> dict[str, str]:
        return {node: peer.epoch for node, peer in self._s.peers.items()}

    def open_nodes(self) -> list[str]:
        return sorted({r.node for r in self._s.reservations.values() if r.state in OPEN})

    def online_rate(self, sku: str) -> tuple[float, float]:
        return self._s.online.get(sku, (0.0, 0.0))

    def online_rates(self, skus: Collection[str]) -> dict[str, tuple[float, float]]:
        return {sku: self._s.online[sku] for sku in skus if sku in self._s.online}

    def set_online_rates(self, rates: Mapping[str, tuple[float, float]]) -> None:
        for sku, rate in rates.items():
            self._j.put(self._s.online, sku, rate)

    def epochs(self) -> tuple[str, dict[str, str]]:
        return self.epoch(), self.peer_epochs()

    def promise_view(self, skus: Collection[str]) -> PromiseView:
        epoch, epochs = self.epochs()
        walk_in = self.walk_in_rates(epochs, skus)
        return PromiseView(epoch, epochs, self.held_many(skus), walk_in, self.online_rates(skus))


class MemorySyncDatabase:
    """One node's or the hub's storage. `crash_at_commit` makes the next commit die instead."""

    def __init__(self) -> None:
        self.base = MemoryDatabase().state
        self.sync = _Sync()
        self.crash_at_commit = False

    def __call__(self) -> MemorySyncUnitOfWork:
        return MemorySyncUnitOfWork(self)

    def reading(self) -> MemorySyncUnitOfWork:
        """`ports.DatabaseReads.reading`: a copy, as every unit of work here."""
        return MemorySyncUnitOfWork(self)

    unit_of_work = __call__

    def staging(self) -> MemoryStaging:
        return MemoryStaging(self)


class MemorySyncUnitOfWork:
    def __init__(self, database: MemorySyncDatabase) -> None:
        self._db = database
        base = database.base
        self._journal = Journal()
        self.catalog = MemoryCatalog(base)
        self.nodes = MemoryNodes(base)
        self.ledger = MemoryLedger(base)
        self.outbox = MemoryOutbox(base)
        self.meta = MemoryMeta(base)
        self.popups = MemoryPopUps(base)
        self.popups = MemoryPopUps(base)
        self.rights = MemoryRights(database.sync, self._journal)
        self.accounts = MemoryAccounts(database.sync, self._journal)
        self._open = False

    def __enter__(self) -> Self:
        base = self._db.base
        self._small = {
            name: dict(getattr(base, name))
            for name in ("products", "nodes", "heads", "on_hand", "meta", "popups")
        }
        self._lengths = (len(base.movements), len(base.outbox), len(base.counts))
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        if self._db.crash_at_commit:
            self._db.crash_at_commit = False
            raise SimulatedCrash("crashed before commit")
        self._journal = Journal()
        self.rights._j = self.accounts._j = self._journal
        self.__enter__()

    def rollback(self) -> None:
        if not self._open:
            return
        base = self._db.base
        for name, saved in self._small.items():
            setattr(base, name, saved)
        movements, outbox, counts = self._lengths
        while len(base.movements) > movements:
            base.movements.popitem()
        del base.outbox[outbox:]
        del base.counts[counts:]
        self._journal.undo()
        self._open = False
        self._rebind()

    def _rebind(self) -> None:
        base = self._db.base
        self.catalog = MemoryCatalog(base)
        self.nodes = MemoryNodes(base)
        self.ledger = MemoryLedger(base)
        self.outbox = MemoryOutbox(base)
        self.meta = MemoryMeta(base)
        self.popups = MemoryPopUps(base)
