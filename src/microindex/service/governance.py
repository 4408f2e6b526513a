"""The governance cadence: jobs as plain functions in a table, each run recorded.

Nightly reconciliation, a weekly sync and fill-rate report, a monthly node health audit and
quarterly assortment pruning. A scheduler (an adapter) calls `run_job` on each job's trigger;
the CLI calls the same function by hand. Each run is recorded: job, started, finished, outcome
("ok", "failed" for a refused rule, "error" for anything else) and a one-paragraph summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from microindex.domain.errors import DomainError
from microindex.domain.health import HealthLimits, NodeHealth, assess
from microindex.domain.movement import Tag
from microindex.domain.reconciliation import Outcome, Tolerance
from microindex.domain.sync.messages import AgentReport
from microindex.service import kpis, pruning, reconciliation
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory, JobRun
from microindex.service.known import registered, require_nodes, require_skus
from microindex.service.kpis import KpiSources
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.purchasing import ReorderStore
from microindex.service.sync_ports import SyncUnitOfWorkFactory
from microindex.service.weekly import WeeklyReport, weekly_report

log = logging.getLogger(__name__)


class NodeSyncs(Protocol):
    """The hub's side of each node's sync, for the cadence: who is past the interval the hub
    advised, when each last synced, and syncing a node whose ledger this hub holds."""

    def overdue(self, at: datetime) -> list[str]: ...
    def last_synced(self, node: str) -> datetime | None: ...
    def sync(self, node: str) -> bool:
        """Sync it now; False when its agent keeps its ledger elsewhere (only it can)."""
        ...

    def agent(self, node: str) -> AgentReport | None:
        """What the node's own agent last reported with its push; for a node whose ledger the
        hub's workspace holds, the hub's own version and disk; None: an agent elsewhere that
        has not reported."""
        ...

    def hub_agent(self) -> AgentReport:
        """The hub's own version and free disk (of its workspace's filesystem)."""
        ...


class ReportSink(Protocol):
    """Where the weekly report goes (files, mail); returns where it went."""

    def publish(self, report: WeeklyReport) -> list[str]: ...


@dataclass(frozen=True)
class GovernanceContext:
    sources: KpiSources
    runs: GovernanceUnitOfWorkFactory  # where runs are recorded: the hub's file
    clock: Callable[[], datetime]
    tolerance: Tolerance = field(default_factory=Tolerance)
    limits: HealthLimits = field(default_factory=HealthLimits)
    sink: ReportSink | None = None
    syncs: NodeSyncs | None = None
    dry_run: bool = False  # a job run that says what it would do and changes nothing


def node_governance(ctx: GovernanceContext, node: str) -> GovernanceUnitOfWorkFactory:
    """The governance database of `node`; UnknownNode, with its near misses, if none."""
    return registered(ctx.sources.nodes, node)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    cadence: str
    trigger: dict[str, str | int]  # cron fields (APScheduler's CronTrigger keywords)
    run: Callable[[GovernanceContext, datetime], str]


def nightly_reconciliation(ctx: GovernanceContext, at: datetime) -> str:
    parts = []
    for code, factory in ctx.sources.nodes.items():
        if ctx.dry_run:
            with factory() as uow:
                parts.append(f"{code}: would reconcile {len(uow.counts.pending(code))} counted")
            continue
        done = reconciliation.reconcile(factory, code, ctx.tolerance, at)
        adjusted = len(done.with_outcome(Outcome.ADJUSTED))
        flagged = done.with_outcome(Outcome.FLAGGED)
        value = sum(abs(v.value) for v in flagged)
        parts.append(
            f"{code}: {len(done.variances)} counted, {adjusted} adjusted, "
            f"{len(flagged)} flagged for approval ({value} at price)"
        )
    return "; ".join(parts)


def weekly_sync_and_fill(ctx: GovernanceContext, at: datetime) -> str:
    """The weekly review: nodes past the sync interval the hub advised are synced now (or,
    when their agent keeps their ledger elsewhere, flagged); then the report."""
    acted = _sync_overdue(ctx, at)
    report = weekly_report(ctx.sources, at)
    parts = []
    for row in report.nodes:
        lag = "unknown" if row.sync is None else f"{row.sync.lag} behind the hub"
        rate = row.fill.rate
        fill = "n/a" if rate is None else f"{rate:.0%}"
        parts.append(f"{row.node}: sync {lag}, fill rate {fill}")
    where = ctx.sink.publish(report) if ctx.sink and not ctx.dry_run else []
    return (
        (acted + ". " if acted else "")
        + "; ".join(parts)
        + (f". Report: {', '.join(where)}" if where else "")
    )


def _sync_overdue(ctx: GovernanceContext, at: datetime) -> str:
    if ctx.syncs is None:
        return ""
    late = ctx.syncs.overdue(at)
    if ctx.dry_run:
        return f"would sync {', '.join(late)}" if late else "no node past its sync interval"
    synced = [node for node in late if ctx.syncs.sync(node)]
    flagged = [node for node in late if node not in synced]
    parts = [f"synced {', '.join(synced)}"] if synced else []
    if flagged:
        parts.append(f"flagged {', '.join(flagged)}: past its sync interval, its agent elsewhere")
    return "; ".join(parts) or "no node past its sync interval"


def node_health(ctx: GovernanceContext, at: datetime, days: int = 30) -> list[NodeHealth]:
    start = at - timedelta(days=days)
    seen = kpis.Snapshot.read(ctx.sources.nodes)
    rows = kpis.node_kpis(ctx.sources, start, at, seen)
    found = []
    hub_version = ctx.syncs.hub_agent().version if ctx.syncs else None
    for row in rows:
        factory = ctx.sources.nodes[row.node]
        with factory() as uow:
            counted = uow.counts.last_counted(row.node)
            held = [line.sku for line in uow.ledger.stock(row.node) if line.on_hand > 0]
        since = at - timedelta(days=ctx.limits.stale_days)
        stale = sum(1 for sku in held if counted.get(sku, since) <= since)
        share = stale / len(held) if held else None
        lag = None if row.sync is None else row.sync.lag
        last = ctx.syncs.last_synced(row.node) if ctx.syncs else None
        age = None if last is None else (at - last) / timedelta(hours=1)
        overdrafts = sum(
            1 for m in seen.ledgers[row.node] if m.tag is Tag.OVERDRAFT and start <= m.at < at
        )
        figures = (lag, row.variance_rate, row.fill.rate, share, ctx.limits, age, overdrafts)
        agent = ctx.syncs.agent(row.node) if ctx.syncs else None
        found.append(assess(row.node, *figures, agent, hub_version))
    return found


@dataclass(eq=False)
class AuditFindings(DomainError):
    """The monthly audit found nodes that need attention: the run is recorded as failed."""

    findings: dict[str, list[str]]
    code = "audit_findings"

    def __str__(self) -> str:
        return "; ".join(f"{node}: {', '.join(found)}" for node, found in self.findings.items())


def monthly_health_audit(ctx: GovernanceContext, at: datetime) -> str:
    """Each node's sync age and lag, count variance, overdrafts, fill rate, stale counts, its
    agent's version and free disk; a node that fails any raises the run (recorded as failed,
    with what failed)."""
    checked = node_health(ctx, at)
    failing = {h.node: list(h.findings) for h in checked if not h.healthy}
    if failing and not ctx.dry_run:
        raise AuditFindings(failing)
    return "; ".join(
        f"{h.node}: {'healthy' if h.healthy else ', '.join(h.findings)}" for h in checked
    )


def quarterly_pruning(ctx: GovernanceContext, at: datetime) -> str:
    found = pruning.suggestions(ctx.sources, at)
    moves = sum(1 for s in found if s.action == "move")
    head = [f"{s.node} {s.sku}: {s.action}{' to ' + s.to if s.to else ''}" for s in found[:5]]
    more = f"; ... {len(found) - 5} more" if len(found) > 5 else ""
    return (
        f"{len(found)} slow movers ({moves} to move, {len(found) - moves} to drop)"
        + (": " + "; ".join(head) if head else "")
        + more
    )


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "nightly-reconciliation",
            "every night at 02:00 UTC",
            {"hour": 2, "minute": 0},
            nightly_reconciliation,
        ),
        Job(
            "weekly-report",
            "Mondays at 06:00 UTC",
            {"day_of_week": "mon", "hour": 6, "minute": 0},
            weekly_sync_and_fill,
        ),
        Job(
            "monthly-health-audit",
            "the 1st of each month at 05:00 UTC",
            {"day": 1, "hour": 5, "minute": 0},
            monthly_health_audit,
        ),
        Job(
            "quarterly-pruning",
            "1 Jan, Apr, Jul, Oct at 04:00 UTC",
            {"month": "1,4,7,10", "day": 1, "hour": 4, "minute": 0},
            quarterly_pruning,
        ),
    )
}


PRUNING_ACCEPT = "pruning-accept"  # staff's acceptance of quarterly pruning, recorded as a run


@dataclass(eq=False)
class UnknownJob(DomainError):
    job: str
    known: list[str]
    code = "unknown_job"

    def __str__(self) -> str:
        return f"no job {self.job!r}; jobs: {', '.join(self.known)}"


def run_job(
    ctx: GovernanceContext, name: str, actor: str = "manual", dry_run: bool = False
) -> JobRun:
    """Run one job now and record the run; a job that raises is recorded, then re-raised
    unless it was a domain rule refusing (recorded as "failed"). A dry run says what the job
    would do, changes nothing, and is recorded too (its summary says so)."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name, sorted(JOBS))
    if dry_run:
        ctx = replace(ctx, dry_run=True)
    started = ctx.clock()
    with ctx.runs() as uow:
        run_id = uow.runs.start(name, started, actor)
        uow.commit()
    try:
        summary, outcome = job.run(ctx, started), "ok"
        summary = f"dry run: {summary}" if dry_run else summary
    except DomainError as error:
        summary, outcome = str(error), "failed"
    except Exception as error:
        log.exception("job %s failed", name)
        _finish(ctx, run_id, "error", f"{type(error).__name__}: {error}")
        raise
    return _finish(ctx, run_id, outcome, summary)


def _finish(ctx: GovernanceContext, run_id: int, outcome: str, summary: str) -> JobRun:
    with ctx.runs() as uow:
        run = uow.runs.finish(run_id, ctx.clock(), outcome, summary)
        uow.commit()
    return run


def accept_pruning(
    ctx: GovernanceContext,
    hub: SyncUnitOfWorkFactory,
    ops: NodeOpsFactory,
    node_db: pruning.NodeDatabase,
    only: Collection[tuple[str, str]] | None = None,
    actor: str = "",
    dry_run: bool = False,
    reorder: ReorderStore | None = None,
) -> pruning.PruningDone:
    """Staff accept the quarter's pruning in one step (all of it, or `only` these (node, SKU)
    pairs, each a known node and SKU): moves become requested transfers, drops archive the SKU
    at its node and remove its reorder point there (in `reorder`). Recorded as a run of
    `pruning-accept`, a dry run too."""
    if only is not None:  # a typo is refused, not left out as a pair nothing matches
        require_nodes(hub, *(node for node, _ in only))
        require_skus(hub, [sku for _, sku in only])
    at = ctx.clock()
    found = pruning.suggestions(ctx.sources, at)
    if only is not None:
        wanted = set(only)
        found = [s for s in found if (s.node, s.sku) in wanted]
    done = pruning.accept(ctx.sources, hub, ops, node_db, found, at, actor, dry_run, reorder)
    with ctx.runs() as uow:
        run_id = uow.runs.start(PRUNING_ACCEPT, at, actor)
        uow.runs.finish(run_id, ctx.clock(), "ok", done.summary())
        uow.commit()
    return done


def job_history(ctx: GovernanceContext, job: str | None = None, limit: int = 50) -> list[JobRun]:
    with ctx.runs() as uow:
        return uow.runs.runs(job, limit)
