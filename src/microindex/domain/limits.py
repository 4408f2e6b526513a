"""Rate limits: at most `times` actions per client within any window of length `per`.

Pure: the hub's store keeps each client's recent actions and asks `admit` in the same
transaction, so several hub processes on one database count together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Limit:
    times: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.times < 1 or self.per <= timedelta(0):
            raise InvalidValue("limit", f"{self.times} per {self.per}", "at least 1 per some time")

    def admit(self, hits: Sequence[datetime], now: datetime) -> tuple[datetime, ...] | None:
        """The client's actions within the window once one more at `now` is counted, or None
        when the limit is reached (and that one is not counted)."""
        recent = tuple(t for t in hits if t > now - self.per)
        if len(recent) >= self.times:
            return None
        return (*recent, now)
