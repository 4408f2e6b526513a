"""In-memory governance stores: the fake service tests use, held to the SQLite stores' contract.

A unit of work works on copies of both the ledger state and the governance state and swaps
them in together on commit, like the SQLite transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from microindex.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from microindex.domain.ledger import CountResult
from microindex.domain.reconciliation import CountLine, Outcome, Variance
from microindex.domain.returns import Return
from microindex.domain.triage import Proposal
from microindex.service.governance_ports import JobRun, PendingCount, StockTarget


@dataclass
class _GovState:
    returns: dict[str, Return] = field(default_factory=dict)
    submitted: list[tuple[str, PendingCount, datetime | None]] = field(default_factory=list)
    variances: list[Variance] = field(default_factory=list)
    targets: dict[str, list[StockTarget]] = field(default_factory=dict)
    runs: list[JobRun] = field(default_factory=list)


class MemoryReturns:
    def __init__(self, state: _GovState) -> None:
        self._s = state

    def next_number(self) -> int:
        return len(self._s.returns) + 1

    def add(self, ret: Return) -> None:
        if ret.id in self._s.returns:
            raise ValueError(f"return {ret.id} exists")
        self._s.returns[ret.id] = copy.deepcopy(ret)

    def get(self, return_id: str) -> Return | None:
        found = self._s.returns.get(return_id)
        return copy.deepcopy(found)

    def save(self, ret: Return) -> None:
        self._s.returns[ret.id] = copy.deepcopy(ret)

    def all(self) -> list[Return]:
        return [copy.deepcopy(r) for r in self._s.returns.values()]


class MemoryCounts:
    def __init__(
        self, state: _GovState, ledger_counts: Callable[[], list[tuple[CountResult, datetime, str]]]
    ) -> None:
        self._s = state
        self._ledger_counts = ledger_counts  # the counts recorded straight to the ledger

    def submit(
        self, node: str, lines: Sequence[CountLine], at: datetime, actor: str, source: str
    ) -> list[int]:
        ids = []
        for line in lines:
            ids.append(len(self._s.submitted) + 1)
            self._s.submitted.append((node, PendingCount(ids[-1], line, at, actor, source), None))
        return ids

    def pending(self, node: str) -> list[PendingCount]:
        return [p for n, p, closed in self._s.submitted if n == node and closed is None]

    def close(self, ids: Iterable[int], at: datetime) -> None:
        wanted = set(ids)
        self._s.submitted = [
            (n, p, at if p.id in wanted and closed is None else closed)
            for n, p, closed in self._s.submitted
        ]

    def add_variance(self, variance: Variance) -> Variance:
        stored = replace(variance, id=len(self._s.variances) + 1)
        self._s.variances.append(stored)
        return stored

    def update_variance(self, variance: Variance) -> None:
        self._s.variances[variance.id - 1] = variance

    def variance(self, node: str, variance_id: int) -> Variance | None:
        found = [v for v in self._s.variances if v.id == variance_id and v.node == node]
        return found[0] if found else None

    def variances(
        self, node: str, since: datetime | None = None, outcome: Outcome | None = None
    ) -> list[Variance]:
        return [
            v
            for v in self._s.variances
            if v.node == node
            and (since is None or v.at >= since)
            and (outcome is None or v.outcome is outcome)
        ]

    def last_counted(self, node: str, before: datetime | None = None) -> dict[str, datetime]:
        seen = [(v.sku, v.at) for v in self.variances(node)]
        seen += [(c.sku, at) for c, at, _ in self._ledger_counts() if c.node == node]
        last: dict[str, datetime] = {}
        for sku, at in seen:
            if before is None or at < before:
                last[sku] = max(last.get(sku, at), at)
        return last


class MemoryTargets:
    def __init__(self, state: _GovState) -> None:
        self._s = state

    def replace(self, node: str, proposals: Sequence[Proposal], at: datetime) -> None:
        self._s.targets[node] = [
            StockTarget(node, p.sku, p.target, p.rank, p.score, at) for p in proposals
        ]

    def targets(self, node: str) -> list[StockTarget]:
        return sorted(self._s.targets.get(node, []), key=lambda t: t.rank)


class MemoryJobRuns:
    def __init__(self, state: _GovState) -> None:
        self._s = state

    def start(self, job: str, at: datetime, actor: str) -> int:
        self._s.runs.append(JobRun(len(self._s.runs) + 1, job, at, None, "running", "", actor))
        return len(self._s.runs)

    def finish(self, run_id: int, at: datetime, outcome: str, summary: str) -> JobRun:
        run = replace(self._s.runs[run_id - 1], finished=at, outcome=outcome, summary=summary)
        self._s.runs[run_id - 1] = run
        return run

    def runs(self, job: str | None = None, limit: int = 50) -> list[JobRun]:
        found = [r for r in reversed(self._s.runs) if job is None or r.job == job]
        return found[:limit]


class MemoryGovernanceDatabase(MemoryDatabase):
    def __init__(self) -> None:
        super().__init__()
        self.governance = _GovState()

    def __call__(self) -> MemoryGovernanceUnitOfWork:
        return MemoryGovernanceUnitOfWork(self)

    unit_of_work = __call__


class MemoryGovernanceUnitOfWork(MemoryUnitOfWork):
    def __init__(self, database: MemoryGovernanceDatabase) -> None:
        super().__init__(database)
        self._gov_db = database
        self._views(copy.deepcopy(database.governance))

    def commit(self) -> None:
        super().commit()
        self._gov_db.governance = self._gov
        self._views(copy.deepcopy(self._gov))

    def rollback(self) -> None:
        super().rollback()
        self._views(copy.deepcopy(self._gov_db.governance))

    def _views(self, state: _GovState) -> None:
        self._gov = state
        self.returns = MemoryReturns(state)
        self.counts = MemoryCounts(state, lambda: self._work.counts)
        self.targets = MemoryTargets(state)
        self.runs = MemoryJobRuns(state)
