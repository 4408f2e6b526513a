"""Ports of returns, reconciliation and governance, beside `ports.py` (which they extend).

A governance unit of work is an ordinary unit of work with these stores added on the same
transaction: a restock and the return it closes, or a count adjustment and the variance that
explains it, commit together. Node files hold returns, counts, variances and stock targets; the
hub's file holds job runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from microindex.domain.kpis import Handover, ListingAccuracy
from microindex.domain.packaging import PackageUsed
from microindex.domain.reconciliation import CountLine, Outcome, Variance
from microindex.domain.returns import Return
from microindex.domain.triage import PastSale, Proposal
from microindex.service.ports import UnitOfWork


class ReturnStore(Protocol):
    def next_number(self) -> int: ...
    def add(self, ret: Return) -> None: ...
    def get(self, return_id: str) -> Return | None: ...
    def save(self, ret: Return) -> None: ...
    def all(self) -> list[Return]: ...


@dataclass(frozen=True, slots=True)
class PendingCount:
    id: int
    line: CountLine
    submitted_at: datetime
    actor: str
    source: str


class CountStore(Protocol):
    def submit(
        self, node: str, lines: Sequence[CountLine], at: datetime, actor: str, source: str
    ) -> list[int]: ...
    def pending(self, node: str) -> list[PendingCount]: ...
    def close(self, ids: Iterable[int], at: datetime) -> None: ...
    def add_variance(self, variance: Variance) -> Variance:
        """Store it and return it with its id."""
        ...

    def update_variance(self, variance: Variance) -> None: ...
    def variance(self, node: str, variance_id: int) -> Variance | None: ...
    def variances(
        self, node: str, since: datetime | None = None, outcome: Outcome | None = None
    ) -> list[Variance]: ...
    def last_counted(self, node: str, before: datetime | None = None) -> dict[str, datetime]:
        """Each SKU's last count at `node` (before `before`, if given): reconciled counts and
        those recorded straight to the ledger alike."""
        ...


@dataclass(frozen=True, slots=True)
class StockTarget:
    node: str
    sku: str
    target: int
    rank: int
    score: float
    accepted_at: datetime


class TargetStore(Protocol):
    def replace(self, node: str, proposals: Sequence[Proposal], at: datetime) -> None: ...
    def targets(self, node: str) -> list[StockTarget]: ...


@dataclass(frozen=True, slots=True)
class JobRun:
    id: int
    job: str
    started: datetime
    finished: datetime | None
    outcome: str  # "running", "ok", "failed", "error"
    summary: str
    actor: str


class JobRunStore(Protocol):
    def start(self, job: str, at: datetime, actor: str) -> int: ...
    def finish(self, run_id: int, at: datetime, outcome: str, summary: str) -> JobRun: ...
    def runs(self, job: str | None = None, limit: int = 50) -> list[JobRun]: ...


class GovernanceUnitOfWork(UnitOfWork, Protocol):
    @property
    def returns(self) -> ReturnStore: ...
    @property
    def counts(self) -> CountStore: ...
    @property
    def targets(self) -> TargetStore: ...
    @property
    def runs(self) -> JobRunStore: ...


class GovernanceUnitOfWorkFactory(Protocol):
    def __call__(self) -> GovernanceUnitOfWork: ...


class PastSalesStore(Protocol):
    """Each node's imported past sales (kept in the node's own file)."""

    def replace(self, node: str, sales: Sequence[PastSale]) -> None: ...
    def sales(self, node: str) -> list[PastSale]: ...


class ArchivedSkus(Protocol):
    """SKUs archived from each node's range (pruning's accepted drops), in the node's file."""

    def archive(self, node: str, skus: Sequence[str], at: datetime, actor: str) -> None: ...
    def archived(self, node: str) -> set[str]: ...


class PackagesUsed(Protocol):
    """The packages orders went out in (`PackagingStore.used` satisfies it)."""

    def used(self, node: str | None = None) -> list[PackageUsed]: ...


class FulfilmentEvents(Protocol):
    """Order promises and handovers; the order lifecycle (issue 5) implements it."""

    def handovers(self, start: datetime, end: datetime) -> Iterable[Handover]: ...


class ListingAccuracySource(Protocol):
    """Channel payloads set against the truth; the channels work (issue 8) implements it."""

    def accuracy(self, start: datetime, end: datetime) -> Iterable[ListingAccuracy]: ...

    def keep(self, now: datetime) -> int:
        """Measure and keep the closed days not kept yet; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class SyncStatus:
    node: str
    node_head: int  # the node's own ledger head
    hub_head: int  # the highest of the node's movements the hub holds

    @property
    def lag(self) -> int:
        return max(0, self.node_head - self.hub_head)


class SyncStatusSource(Protocol):
    def status(self, node: str) -> SyncStatus | None: ...
