"""Listing accuracy: what a channel showed against what was true, per field, over time.

A channel shows an item as it was last told (or as it was last read back) until told again.
At sample moments through each window, every item the channel shows is compared, field by
field, with the item the truth at that moment makes. Units a safety buffer held back when the
item was told are the availability rule at work, not an error: the truth may then be shown as
anything from the true quantity less that buffer to the true quantity. Accuracy is the share
of (item, moment) pairs that agree.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from microindex.domain.errors import InvalidValue

T = TypeVar("T")
Item = dict[str, str]


class Basis(StrEnum):
    TOLD = "told"  # what we sent the channel
    SHOWN = "shown"  # what the channel (or our own page) was read back showing


@dataclass
class Timeline(Generic[T]):
    """Values over time: each holds from its moment until the next one."""

    moments: list[datetime] = field(default_factory=list)
    values: list[T] = field(default_factory=list)

    def add(self, at: datetime, value: T) -> None:
        where = bisect.bisect_right(self.moments, at)
        self.moments.insert(where, at)
        self.values.insert(where, value)

    def at(self, moment: datetime) -> T | None:
        where = bisect.bisect_right(self.moments, moment)
        return self.values[where - 1] if where else None


@dataclass(frozen=True, slots=True)
class Mismatch:
    channel: str
    basis: Basis
    key: str
    field: str
    at: datetime
    shown: str
    true: str


@dataclass(frozen=True, slots=True)
class AccuracyCell:
    """One channel's accuracy on one field over one window."""

    channel: str
    basis: Basis
    field: str
    start: datetime
    end: datetime
    checked: int
    matched: int

    @property
    def accuracy(self) -> float | None:
        return self.matched / self.checked if self.checked else None


def windows(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """Consecutive windows of `size` from `start`, the last one cut at `end`."""
    if size <= timedelta(0) or end <= start:
        raise InvalidValue("window", str(size), "windows have a positive size and span")
    found: list[tuple[datetime, datetime]] = []
    moment = start
    while moment < end:
        found.append((moment, min(end, moment + size)))
        moment += size
    return found


def samples(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    """Sample moments in [start, end): start + step/2, then every step."""
    moment = start + step / 2
    while moment < end:
        yield moment
        moment += step


@dataclass(frozen=True, slots=True)
class Told:
    """An item as a channel was told it (or shown it), with the units its buffer held back."""

    fields: Item
    held: int = 0


# The item the channel should show for a key at a moment, given what it was told (its buffer).
Truth = Callable[[str, datetime, Told], Item | None]


@dataclass(frozen=True, slots=True)
class Measurement:
    cells: list[AccuracyCell]
    mismatches: list[Mismatch]


def measure(
    channel: str,
    basis: Basis,
    fields: Sequence[str],
    shown: Mapping[str, Timeline[Told]],
    truth: Truth,
    spans: Sequence[tuple[datetime, datetime]],
    step: timedelta,
) -> Measurement:
    """Compare, at every sample moment of every window, each shown item with the truth."""
    cells: list[AccuracyCell] = []
    mismatches: list[Mismatch] = []
    for start, end in spans:
        checked = dict.fromkeys(fields, 0)
        matched = dict.fromkeys(fields, 0)
        for moment in samples(start, end, step):
            for key, timeline in shown.items():
                told = timeline.at(moment)
                true = truth(key, moment, told) if told is not None else None
                if told is None or true is None:
                    continue
                for name in fields:
                    checked[name] += 1
                    said, right = told.fields.get(name, ""), true.get(name, "")
                    if said == right:
                        matched[name] += 1
                    else:
                        mismatches.append(Mismatch(channel, basis, key, name, moment, said, right))
        cells += [
            AccuracyCell(channel, basis, n, start, end, checked[n], matched[n]) for n in fields
        ]
    return Measurement(cells, mismatches)


DAY = timedelta(days=1)


def day_start(moment: datetime) -> datetime:
    """The start of `moment`'s day in UTC: the day accuracy is kept by (`service.accuracy_days`)."""
    at = moment.astimezone(UTC)
    return datetime.combine(at.date(), time(), UTC)


def day_cell(
    day: date, channel: str, basis: str, name: str, checked: int, matched: int
) -> AccuracyCell:
    """A kept day's cell, spanning its UTC day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return AccuracyCell(channel, Basis(basis), name, start, start + DAY, checked, matched)


def regroup(
    cells: Iterable[AccuracyCell], spans: Sequence[tuple[datetime, datetime]]
) -> list[AccuracyCell]:
    """Cells summed into the windows `spans` (each cell falls in the window holding its start):
    a week-long window is the sum of its seven days, as sampling each day is."""
    starts = [start for start, _ in spans]
    sums: dict[tuple[str, Basis, str], dict[int, list[int]]] = {}
    for cell in cells:
        where = bisect.bisect_right(starts, cell.start) - 1
        if where < 0 or cell.start >= spans[where][1]:
            continue
        lane = sums.setdefault((cell.channel, cell.basis, cell.field), {})
        tally = lane.setdefault(where, [0, 0])
        tally[0] += cell.checked
        tally[1] += cell.matched
    return [
        AccuracyCell(channel, basis, name, *spans[where], checked, matched)
        for (channel, basis, name), lane in sums.items()
        for where, (checked, matched) in sorted(lane.items())
    ]
