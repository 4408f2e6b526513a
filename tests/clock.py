"""The one clock the tests run on: set by hand, moved by hand, never the wall's.

Every workspace a test builds is bootstrapped with a `Clock`, so a test that passes today
passes on any day (CI runs the suite again with the process clock moved by faketime).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from microindex.entrypoints.cli.context import CliState

DEMO_DAY = date(2026, 11, 26)  # a Thursday: the shopfront, the locker and the van are open
DEMO_NOW = datetime.combine(DEMO_DAY, time(12), UTC)  # the demo shop's "now": its noon


class Clock:
    """A stopped clock: it reads `now` until a test sets or moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self.now + delta)


def on_demo_day() -> CliState:
    """The CLI's shared state with its clock stopped at the demo's noon: pass it as a
    CliRunner's `obj`, so a command reads the same time as the workspace fixtures."""
    return CliState(clock=Clock(DEMO_NOW))
