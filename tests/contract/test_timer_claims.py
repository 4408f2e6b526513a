"""Several hub processes on one database: each due timer run is claimed, and run, once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from microindex.adapters.postgres.timer_store import PostgresTimerClaims
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.timer_store import SqliteTimerClaims
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.cadence import Cron, Every
from microindex.service.timers import Ran, Timer, TimerClaims, run_due

from .conftest import Databases, StoredDatabase

NOW = datetime(2026, 11, 26, 2, 0, 30, tzinfo=UTC)  # just after the nightly slot


def _claims(database: StoredDatabase) -> TimerClaims:
    if isinstance(database, SqliteDatabase):
        return SqliteTimerClaims(database)
    return PostgresTimerClaims(database)


def _another_process(databases: Databases, first: StoredDatabase) -> StoredDatabase:
    """A second handle on the same database, as a second hub process opens it."""
    if isinstance(first, SqliteDatabase):
        second: StoredDatabase = SqliteDatabase(first.path)
    else:
        assert isinstance(first, PostgresDatabase)
        second = PostgresDatabase(first.url, first.schema)
    databases._opened.append(second)
    return second


def _timers(done: Counter[str], guard: threading.Lock) -> list[Timer]:
    def runs(name: str) -> Timer:
        def run(now: datetime) -> str:
            with guard:
                done[name] += 1
            return f"{name} at {now:%H:%M:%S}"

        return Timer(name, Cron({"hour": 2, "minute": 0}) if name == "nightly" else Every(60), run)

    return [runs("leases"), runs("expiry"), runs("sweep"), runs("nightly")]


def test_two_hub_processes_at_the_same_moment_run_each_due_timer_once(
    databases: Databases,
) -> None:
    first = databases.open()
    processes = [_claims(first), _claims(_another_process(databases, first))]
    done: Counter[str] = Counter()
    timers = _timers(done, threading.Lock())
    ran: dict[str, list[Ran]] = {}
    start = threading.Barrier(len(processes))

    def call(name: str, claims: TimerClaims) -> None:
        start.wait()
        ran[name] = run_due(timers, claims, NOW, name)

    callers = [
        threading.Thread(target=call, args=(f"hub-{i}", claims))
        for i, claims in enumerate(processes)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=30)
    assert done == {"leases": 1, "expiry": 1, "sweep": 1, "nightly": 1}
    names = sorted(r.timer for runs in ran.values() for r in runs)
    assert names == ["expiry", "leases", "nightly", "sweep"]
    assert all(r.outcome == "ok" for runs in ran.values() for r in runs)

    assert run_due(timers, processes[0], NOW + timedelta(seconds=20), "hub-0") == []
    later = run_due(timers, processes[1], NOW + timedelta(seconds=40), "hub-1")
    assert sorted(r.timer for r in later) == ["expiry", "leases", "sweep"]  # the next minute
    assert done["nightly"] == 1  # once a night


def test_a_timer_that_fails_is_recorded_and_the_others_still_run(databases: Databases) -> None:
    claims = _claims(databases.open())
    done: Counter[str] = Counter()

    def broken(now: datetime) -> str:
        raise RuntimeError("the disk is full")

    timers = [Timer("broken", Every(60), broken), *_timers(done, threading.Lock())[:1]]
    ran = run_due(timers, claims, NOW, "hub-0")
    assert [(r.timer, r.outcome) for r in ran] == [("broken", "error"), ("leases", "ok")]
    assert "the disk is full" in ran[0].summary
    assert run_due(timers, claims, NOW, "hub-0") == []  # a failed run is not retried the same slot


def test_a_run_that_outlasts_its_period_is_not_started_again_by_another_process(
    databases: Databases,
) -> None:
    first = databases.open()
    if isinstance(first, SqliteDatabase):
        pytest.skip("a SQLite hub is served by one process (serve refuses --workers)")
    processes = [_claims(first), _claims(_another_process(databases, first))]
    started, release = threading.Event(), threading.Event()
    runs: list[datetime] = []

    def slow(now: datetime) -> str:
        runs.append(now)
        started.set()
        release.wait(timeout=30)
        return "done"

    timers = [Timer("slow", Every(60), slow)]
    running = threading.Thread(target=run_due, args=(timers, processes[0], NOW, "hub-0"))
    running.start()
    assert started.wait(timeout=30)
    next_minute = NOW + timedelta(seconds=60)
    assert run_due(timers, processes[1], next_minute, "hub-1") == []  # still running at hub-0
    release.set()
    running.join(timeout=30)
    after = run_due(timers, processes[1], next_minute + timedelta(seconds=5), "hub-1")
    assert [(r.timer, r.due) for r in after] == [("slow", next_minute.replace(second=0))]
    assert runs == [NOW, next_minute + timedelta(seconds=5)]
