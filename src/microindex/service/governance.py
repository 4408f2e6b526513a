"""The governance cadence: jobs as plain functions in a table, each run recorded.

Nightly reconciliation, a weekly sync and fill-rate report, a monthly node health audit and
quarterly assortment pruning. A scheduler (an adapter) calls `run_job` on each job's trigger;
the CLI calls the same function by hand. Each run is recorded: job, started, finished, outcome
("ok", "failed" for a refused rule, "error" for anything else) and a one-paragraph summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from microindex.domain.errors import DomainError
from microindex.domain.health import HealthLimits, NodeHealth, assess
from microindex.domain.reconciliation import Outcome, Tolerance
from microindex.service import kpis, reconciliation, triage
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory, JobRun
from microindex.service.kpis import KpiSources
from microindex.service.weekly import PRUNING_WEEKS, WeeklyReport, weekly_report

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    cadence: str
    trigger: dict[str, str | int]  # cron fields (APScheduler's CronTrigger keywords)
    run: Callable[[GovernanceContext, datetime], str]


def nightly_reconciliation(ctx: GovernanceContext, at: datetime) -> str:
    parts = []
    for code, factory in ctx.sources.nodes.items():
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
    report = weekly_report(ctx.sources, at)
    parts = []
    for row in report.nodes:
        lag = "unknown" if row.sync is None else f"{row.sync.lag} behind the hub"
        rate = row.fill.rate
        fill = "n/a" if rate is None else f"{rate:.0%}"
        parts.append(f"{row.node}: sync {lag}, fill rate {fill}")
    where = ctx.sink.publish(report) if ctx.sink else []
    return "; ".join(parts) + (f". Report: {', '.join(where)}" if where else "")


def node_health(ctx: GovernanceContext, at: datetime, days: int = 30) -> list[NodeHealth]:
    start = at - timedelta(days=days)
    rows = kpis.node_kpis(ctx.sources, start, at)
    found = []
    for row in rows:
        factory = ctx.sources.nodes[row.node]
        with factory() as uow:
            counted = uow.counts.last_counted(row.node)
            held = [line.sku for line in uow.ledger.stock(row.node) if line.on_hand > 0]
        since = at - timedelta(days=ctx.limits.stale_days)
        stale = sum(1 for sku in held if counted.get(sku, since) <= since)
        share = stale / len(held) if held else None
        lag = None if row.sync is None else row.sync.lag
        found.append(assess(row.node, lag, row.variance_rate, row.fill.rate, share, ctx.limits))
    return found


def monthly_health_audit(ctx: GovernanceContext, at: datetime) -> str:
    return "; ".join(
        f"{h.node}: {'healthy' if h.healthy else ', '.join(h.findings)}"
        for h in node_health(ctx, at)
    )


def quarterly_pruning(ctx: GovernanceContext, at: datetime) -> str:
    found = triage.pruning(ctx.sources.nodes, at - timedelta(weeks=PRUNING_WEEKS), at)
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
            "every night at 02:00",
            {"hour": 2, "minute": 0},
            nightly_reconciliation,
        ),
        Job(
            "weekly-report",
            "Mondays at 06:00",
            {"day_of_week": "mon", "hour": 6, "minute": 0},
            weekly_sync_and_fill,
        ),
        Job(
            "monthly-health-audit",
            "the 1st of each month at 05:00",
            {"day": 1, "hour": 5, "minute": 0},
            monthly_health_audit,
        ),
        Job(
            "quarterly-pruning",
            "1 Jan, Apr, Jul, Oct at 04:00",
            {"month": "1,4,7,10", "day": 1, "hour": 4, "minute": 0},
            quarterly_pruning,
        ),
    )
}


@dataclass(eq=False)
class UnknownJob(DomainError):
    job: str
    known: list[str]
    code = "unknown_job"

    def __str__(self) -> str:
        return f"no job {self.job!r}; jobs: {', '.join(self.known)}"


def run_job(ctx: GovernanceContext, name: str, actor: str = "manual") -> JobRun:
    """Run one job now and record the run; a job that raises is recorded, then re-raised
    unless it was a domain rule refusing (recorded as "failed")."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name, sorted(JOBS))
    started = ctx.clock()
    with ctx.runs() as uow:
        run_id = uow.runs.start(name, started, actor)
        uow.commit()
    try:
        summary, outcome = job.run(ctx, started), "ok"
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


def job_history(ctx: GovernanceContext, job: str | None = None, limit: int = 50) -> list[JobRun]:
    with ctx.runs() as uow:
        return uow.runs.runs(job, limit)
