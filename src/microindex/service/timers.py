"""The hub's timers, run without a person: each due run once, however many hub processes.

Lapsed checkout leases, reservation expiry, the locker deadline sweep and the governance
cadence are each a `Timer`: a name, when it is due (`domain.cadence`) and what it does. A
timer thread calls `run_due(now)` on a tick; each process that sees a run due first claims it
in the hub's database (one row per timer and due time, under a unique key), and only the
process whose claim was written runs it. A run that fails is logged with its traceback and
recorded; the next due time is a new run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)

TICK_S = 30.0  # how often the timer thread looks for due runs


class Due(Protocol):
    def last_due(self, now: datetime) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Timer:
    name: str
    due: Due
    run: Callable[[datetime], str]  # does the work at `now`, says what it did


@dataclass(frozen=True, slots=True)
class Ran:
    timer: str
    due: datetime
    outcome: str  # "ok" or "error"
    summary: str


class TimerClaims(Protocol):
    """Runs claimed in the hub's database: the first claim of (timer, due) wins."""

    def claim(self, timer: str, due: datetime, at: datetime, by: str) -> bool:
        """Record the claim; False when another process has it already."""
        ...

    def finish(self, timer: str, due: datetime, outcome: str, summary: str) -> None: ...


def run_due(timers: Sequence[Timer], claims: TimerClaims, now: datetime, by: str) -> list[Ran]:
    """Run every timer due at `now` that this caller (`by`) claims first."""
    ran: list[Ran] = []
    for timer in timers:
        due = timer.due.last_due(now)
        if due is None or not claims.claim(timer.name, due, now, by):
            continue
        try:
            summary, outcome = timer.run(now), "ok"
        except Exception as error:  # a worker loop: log it, record it, go on with the rest
            log.exception("timer %s (due %s) failed", timer.name, due.isoformat())
            summary, outcome = f"{type(error).__name__}: {error}", "error"
        claims.finish(timer.name, due, outcome, summary)
        ran.append(Ran(timer.name, due, outcome, summary))
    return ran


def run_timers(
    tick: Callable[[], object], wait: Callable[[float], bool], every_s: float = TICK_S
) -> None:
    """Call `tick` now and then every `every_s` until `wait` says to stop (returns True);
    a tick that raises is logged and the loop goes on."""
    while True:
        try:
            tick()
        except Exception:  # a worker loop: never let one bad tick end the timers
            log.exception("timer tick failed")
        if wait(every_s):
            return
