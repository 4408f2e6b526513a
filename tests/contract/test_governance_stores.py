"""The governance stores' contract (returns, counts and variances, stock targets, job runs), held
by memory, SQLite and PostgreSQL alike: what one stores, each reads back the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.governance_memory import MemoryGovernanceDatabase
from microindex.adapters.postgres.governance_store import PostgresGovernanceDatabase
from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.reconciliation import CountLine, Outcome, Variance
from microindex.domain.returns import (
    Condition,
    Decision,
    Disposition,
    Origin,
    OriginKind,
    Reason,
    Return,
    ReturnLine,
)
from microindex.domain.triage import Proposal
from microindex.service import stock
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory, PendingCount

from .conftest import POSTGRES, Databases
from .samples import AT, later, product


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def governance(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[GovernanceUnitOfWorkFactory]:
    """An empty, migrated database of each kind, with its governance stores."""
    if request.param == "memory":
        yield MemoryGovernanceDatabase()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    stored = databases.open()  # as each hub storage builds them (bootstrap)
    if isinstance(stored, SqliteDatabase):
        yield SqliteGovernanceDatabase(stored)
    else:
        yield PostgresGovernanceDatabase(stored)
    databases.close()


def a_return(rid: str = "R-van-00001", *skus: str) -> Return:
    lines = [ReturnLine(sku, 2) for sku in skus or ("ZZ-LAST", "AA-FIRST")]
    origin = Origin(OriginKind.SALE, "till:van", "van")
    return Return(rid, origin, "shopfront", Reason.FAULTY, AT, lines, note="box crushed — ü")


def a_decision(sku: str, n: int, movement: int | None = None) -> Decision:
    at = later(60 * n).astimezone(timezone(timedelta(hours=2)))  # any offset: the same moment
    return Decision(
        sku, 1, Disposition.RESTOCK, Reason.FAULTY, Condition.AS_NEW, at, "ana", movement
    )


def test_a_return_reads_back_as_stored_lines_in_their_order(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    ret = a_return()
    with governance() as uow:
        assert uow.returns.next_number() == 1
        uow.returns.add(ret)
        uow.commit()
    with governance() as uow:
        assert uow.returns.get(ret.id) == ret
        assert uow.returns.get("R-none") is None
        assert uow.returns.next_number() == 2


def test_saving_a_return_adds_its_new_decisions_and_what_was_received(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    ret = a_return()
    with governance() as uow:
        uow.returns.add(ret)
        uow.commit()
    ret.lines[0] = ReturnLine("ZZ-LAST", 2, received=1)
    ret.decisions.append(a_decision("ZZ-LAST", 1, movement=7))
    with governance() as uow:
        uow.returns.save(ret)
        uow.commit()
    ret.lines[1] = ReturnLine("AA-FIRST", 2, received=2)
    ret.decisions.append(a_decision("AA-FIRST", 2))
    with governance() as uow:
        uow.returns.save(ret)
        uow.commit()
    with governance() as uow:
        assert uow.returns.get(ret.id) == ret


def test_returns_are_listed_in_the_order_they_were_opened(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    ids = ["R-van-00002", "R-van-00010", "R-van-00001"]
    for rid in ids:
        with governance() as uow:
            uow.returns.add(a_return(rid, "MUG"))
            uow.commit()
    with governance() as uow:
        assert [r.id for r in uow.returns.all()] == ids


def test_a_return_not_committed_is_not_kept(governance: GovernanceUnitOfWorkFactory) -> None:
    with governance() as uow:
        uow.returns.add(a_return())
    with governance() as uow:
        assert uow.returns.all() == []


def test_submitted_counts_wait_until_closed(governance: GovernanceUnitOfWorkFactory) -> None:
    lines = [CountLine("MUG", 4, 10), CountLine("BOWL", 0, 10)]
    with governance() as uow:
        ids = uow.counts.submit("van", lines, AT, "ana", "csv")
        other = uow.counts.submit("locker", [CountLine("MUG", 1, 3)], AT, "bo", "scans")
        uow.commit()
    assert len(set(ids + other)) == 3 and ids == sorted(ids)
    with governance() as uow:
        assert uow.counts.pending("van") == [
            PendingCount(i, line, AT, "ana", "csv") for i, line in zip(ids, lines, strict=True)
        ]
        uow.counts.close(ids[:1], later(5))
        uow.commit()
    with governance() as uow:
        assert [p.id for p in uow.counts.pending("van")] == ids[1:]
        assert [p.id for p in uow.counts.pending("locker")] == other


def variance(sku: str, at_s: int, outcome: Outcome = Outcome.MATCHED) -> Variance:
    return Variance(0, "van", sku, 3, 12, 5, Decimal("26.50"), "price", outcome, later(at_s))


def test_a_variance_is_stored_with_an_id_and_updated_by_it(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    with governance() as uow:
        first = uow.counts.add_variance(variance("MUG", 0, Outcome.FLAGGED))
        second = uow.counts.add_variance(variance("BOWL", 1))
        uow.commit()
    assert first.id != second.id and first == replace(
        variance("MUG", 0, Outcome.FLAGGED), id=first.id
    )
    approved = replace(first, outcome=Outcome.APPROVED, movement=9, deficit=1, decided_by="bo")
    with governance() as uow:
        uow.counts.update_variance(replace(approved, at=later(30)))
        uow.commit()
    with governance() as uow:
        assert uow.counts.variance("van", first.id) == replace(approved, at=later(30))
        assert uow.counts.variance("locker", first.id) is None
        assert uow.counts.variance("van", 999_999) is None


def test_variances_are_chosen_by_time_and_outcome_in_the_order_stored(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    with governance() as uow:
        stored = [
            uow.counts.add_variance(variance("MUG", 0, Outcome.FLAGGED)),
            uow.counts.add_variance(variance("BOWL", 20)),
            uow.counts.add_variance(variance("VASE", 10, Outcome.FLAGGED)),
        ]
        uow.commit()
    with governance() as uow:
        assert uow.counts.variances("van") == stored
        assert uow.counts.variances("van", since=later(10)) == stored[1:]
        assert uow.counts.variances("van", outcome=Outcome.FLAGGED) == [stored[0], stored[2]]
        assert uow.counts.variances("van", later(10), Outcome.FLAGGED) == [stored[2]]
        assert uow.counts.variances("locker") == []


def test_last_counted_takes_reconciled_counts_and_counts_straight_to_the_ledger(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    with governance() as uow:
        uow.catalog.upsert([product("MUG"), product("BOWL")])
        uow.counts.add_variance(variance("MUG", 0))
        uow.counts.add_variance(variance("MUG", 40))
        uow.counts.add_variance(replace(variance("MUG", 90), node="locker"))
        uow.commit()
    stock.count(governance, "van", "BOWL", 0, later(20))
    with governance() as uow:
        assert uow.counts.last_counted("van") == {"MUG": later(40), "BOWL": later(20)}
        assert uow.counts.last_counted("van", before=later(40)) == {
            "MUG": later(0),
            "BOWL": later(20),
        }
        assert uow.counts.last_counted("locker", before=later(0)) == {}


def proposal(sku: str, rank: int, target: int) -> Proposal:
    return Proposal("van", sku, rank, 1.0 / rank, 2.5, Decimal("10"), 0.5, 1.0, target)


def test_accepted_targets_replace_the_nodes_last_ones_in_rank_order(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    with governance() as uow:
        uow.targets.replace("van", [proposal("OLD", 1, 3)], AT)
        uow.targets.replace("locker", [proposal("KEPT", 1, 1)], AT)
        uow.targets.replace("van", [proposal("ZED", 2, 0), proposal("ANT", 1, 4)], later(1))
        uow.commit()
    with governance() as uow:
        found = uow.targets.targets("van")
        assert [(t.sku, t.rank, t.target, t.accepted_at) for t in found] == [
            ("ANT", 1, 4, later(1)),
            ("ZED", 2, 0, later(1)),
        ]
        assert found[1].score == 0.5
        assert [t.sku for t in uow.targets.targets("locker")] == ["KEPT"]


def test_job_runs_are_started_finished_and_listed_newest_first(
    governance: GovernanceUnitOfWorkFactory,
) -> None:
    with governance() as uow:
        first = uow.runs.start("weekly-report", AT, "timer")
        second = uow.runs.start("nightly-reconciliation", later(1), "ana")
        third = uow.runs.start("weekly-report", later(2), "timer")
        done = uow.runs.finish(first, later(3), "ok", "3 nodes reported")
        uow.commit()
    assert (done.id, done.job, done.started, done.finished) == (
        first,
        "weekly-report",
        AT,
        later(3),
    )
    assert (done.outcome, done.summary, done.actor) == ("ok", "3 nodes reported", "timer")
    with governance() as uow:
        assert [r.id for r in uow.runs.runs()] == [third, second, first]
        assert [r.id for r in uow.runs.runs("weekly-report")] == [third, first]
        assert [r.id for r in uow.runs.runs(limit=1)] == [third]
        running = uow.runs.runs("nightly-reconciliation")[0]
        assert (running.outcome, running.finished, running.summary) == ("running", None, "")
