"""The hub's timer table, run by `run_due` on a stopped clock: the governance cadence at its
slot, recorded as its runs always were, and nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from microindex.bootstrap import bootstrap
from microindex.domain.cadence import Cron, Every
from microindex.service import governance
from microindex.service.timers import run_due
from microindex.settings import Settings
from tests.clock import Clock

MONDAY_0200 = datetime(2026, 11, 30, 2, 0, 20, tzinfo=UTC)


def test_at_two_the_nightly_reconciliation_runs_once_and_is_recorded(tmp_path: Path) -> None:
    clock = Clock(MONDAY_0200)
    ws = bootstrap(Settings(tmp_path / "shop"), clock=clock)
    try:
        ran = run_due(ws.timers(), ws.timer_claims(), clock(), "hub-0")
        assert {r.timer for r in ran} == {
            "release-lapsed-leases", "expire-reservations", "locker-sweep", "retry-at-risk", "webhooks",
            "low-stock", "nightly-reconciliation",
        }  # fmt: skip
        assert all(r.outcome == "ok" for r in ran), ran
        assert run_due(ws.timers(), ws.timer_claims(), clock(), "hub-1") == []
        history = governance.job_history(ws.governance({}))
        assert [(r.job, r.actor) for r in history] == [("nightly-reconciliation", "timer")]
        clock.advance(timedelta(hours=4))  # 06:00 on a Monday: the weekly report is due
        names = {r.timer for r in run_due(ws.timers(), ws.timer_claims(), clock(), "hub-0")}
        assert "weekly-report" in names and "nightly-reconciliation" not in names
    finally:
        ws.close()


def test_a_slot_missed_by_more_than_its_grace_waits_for_the_next() -> None:
    nightly = Cron({"hour": 2, "minute": 0})
    assert nightly.last_due(MONDAY_0200) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert nightly.last_due(MONDAY_0200 + timedelta(hours=2)) is None
    quarterly = Cron({"month": "1,4,7,10", "day": 1, "hour": 4, "minute": 0})
    assert quarterly.last_due(datetime(2027, 1, 1, 4, 30, tzinfo=UTC)) == datetime(
        2027, 1, 1, 4, tzinfo=UTC
    )
    assert quarterly.last_due(datetime(2026, 12, 1, 4, 30, tzinfo=UTC)) is None
    weekly = Cron({"day_of_week": "mon", "hour": 6, "minute": 0})
    assert weekly.last_due(datetime(2026, 12, 1, 6, 10, tzinfo=UTC)) is None  # a Tuesday
    assert Every(60).last_due(MONDAY_0200) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
