"""The governance cadence: each job runs by hand and records its run; the scheduler wiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microindex.domain.cadence import Cron
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
    # the audit raises what fails: nothing was counted at these nodes this month
    outcome = "failed" if name == "monthly-health-audit" else "ok"
    assert (run.job, run.outcome, run.actor) == (name, outcome, "manual")
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


def test_each_job_is_due_at_its_cron_slot_and_nowhere_else() -> None:
    slots = {
        "nightly-reconciliation": datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        "weekly-report": datetime(2026, 11, 30, 6, 0, tzinfo=UTC),  # a Monday
        "monthly-health-audit": datetime(2026, 12, 1, 5, 0, tzinfo=UTC),
        "quarterly-pruning": datetime(2027, 1, 1, 4, 0, tzinfo=UTC),
    }
    assert set(slots) == set(JOBS)
    for name, slot in slots.items():
        due = Cron(JOBS[name].trigger)
        assert due.last_due(slot + timedelta(minutes=5)) == slot, name
        assert due.last_due(slot - timedelta(minutes=5)) in (None, slot - timedelta(days=1))
