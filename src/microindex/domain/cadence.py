"""When a timer is due: every so many seconds, or at cron times (the governance cadence).

A timer's run is named by its due time, the latest one at or before now, so every process
that looks at the same moment names the same run, and a store can let one of them claim it.
Times are UTC; `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from microindex.domain.errors import InvalidValue

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIELDS = frozenset({"month", "day", "day_of_week", "hour", "minute"})
LOOKBACK_DAYS = 400  # far enough back for a quarterly or yearly slot


@dataclass(frozen=True, slots=True)
class Every:
    """Due every `seconds`, at whole multiples of it since the epoch."""

    seconds: int

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise InvalidValue("seconds", str(self.seconds), "a timer runs at most every second")

    def last_due(self, now: datetime) -> datetime:
        stamp = int(now.timestamp()) // self.seconds * self.seconds
        return datetime.fromtimestamp(stamp, UTC)


@dataclass(frozen=True, slots=True)
class Cron:
    """Due at `hour`:`minute` UTC on the days the other fields allow (APScheduler's CronTrigger
    keywords: `month`, `day`, `day_of_week`, `hour`, `minute`; an int, a name or a comma list).
    A slot missed for longer than `grace` is not run late: the next one is waited for."""

    fields: Mapping[str, str | int]
    grace: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        unknown = set(self.fields) - _FIELDS
        if unknown or "hour" not in self.fields:
            raise InvalidValue("cron", str(dict(self.fields)), "hour, and only known fields")

    def last_due(self, now: datetime) -> datetime | None:
        at = time(int(self.fields["hour"]), int(self.fields.get("minute", 0)))
        today = now.astimezone(UTC).date()
        for back in range(LOOKBACK_DAYS):
            day = today - timedelta(days=back)
            slot = datetime.combine(day, at, UTC)
            if slot <= now and self._on(day):
                return slot if now - slot <= self.grace else None
        return None

    def _on(self, day: date) -> bool:
        wanted: dict[str, int | str] = {
            "month": day.month,
            "day": day.day,
            "day_of_week": _WEEKDAYS[day.weekday()],
        }
        given = {name: spec for name, spec in self.fields.items() if name in wanted}
        return all(_matches(spec, wanted[name]) for name, spec in given.items())


def _matches(spec: str | int, value: int | str) -> bool:
    options = {part.strip().lower() for part in str(spec).split(",")}
    return str(value) in options
