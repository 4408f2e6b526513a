"""The governance cadence: each job runs by hand and records its run; the scheduler wiring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.adapters.scheduling import schedule
from microindex.domain.reconciliation import Tolerance
from microindex.service import governance, stock
from microindex.service.governance import JOBS, GovernanceContext, UnknownJob
from microindex.service.kpis import KpiSources
from tests.governance.conftest import AT, MUG, Shop
from tests.sales import sell


def context(shop: Shop) -> GovernanceContext:
    return GovernanceContext(
        KpiSources(shop.hub, shop.nodes), shop.hub, lambda: AT + timedelta(days=1), Tolerance()
    )


@pytest.mark.parametrize("name", sorted(JOBS))
def test_each_scheduled_job_runs_by_hand_and_records_its_run(shop: Shop, name: str) -> None:
    stock.receive(shop.nodes["van"], "van", MUG, 4, AT)
    sell(shop.nodes["van"], "van", MUG, 1, AT + timedelta(hours=2), "till:van")
    ctx = context(shop)
    run = governance.run_job(ctx, name)
    assert (run.job, run.outcome, run.actor) == (name, "ok", "manual")
    assert run.finished is not None and run.started <= run.finished
    assert run.summary
    assert governance.job_history(ctx) == [run]


def test_an_unknown_job_is_refused_with_the_known_names(shop: Shop) -> None:
    with pytest.raises(UnknownJob) as refused:
        governance.run_job(context(shop), "hourly-panic")
    assert refused.value.known == sorted(JOBS)


def test_a_job_that_breaks_a_rule_is_recorded_as_failed(shop: Shop) -> None:
    def refuse(ctx: GovernanceContext, at: object) -> str:
        raise UnknownJob("inner", [])

    JOBS["refusing"] = governance.Job("refusing", "never", {"hour": 1}, refuse)
    try:
        run = governance.run_job(context(shop), "refusing")
    finally:
        del JOBS["refusing"]
    assert run.outcome == "failed" and "inner" in run.summary


def test_the_scheduler_gives_each_job_its_cron_trigger_without_overlap() -> None:
    scheduler = schedule(lambda name: None, JOBS, blocking=False)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == set(JOBS)
        nightly = jobs["nightly-reconciliation"]
        assert nightly.max_instances == 1 and nightly.coalesce
        assert (nightly.next_run_time.hour, nightly.next_run_time.minute) == (2, 0)
        assert jobs["weekly-report"].next_run_time.weekday() == 0
        assert jobs["quarterly-pruning"].next_run_time.month in (1, 4, 7, 10)
    finally:
        scheduler.shutdown(wait=False)
