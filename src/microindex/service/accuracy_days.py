"""Listing accuracy kept by the day (ADR 0011).

Replaying every listing sent over a span costs in proportion to the span (a year of the demo's
listings took 56 s). A closed day's accuracy changes only if what it was measured from does,
so each UTC day is measured once, by the same replay (`channel_history.listing_accuracy`), and
kept per channel, basis and field; a report sums the kept days and replays only the day still
open. Kept days are checked against marks: the pushes, catalog versions and ledger movements
they were measured after. Anything recorded since with an earlier time (a sale keyed in late, a
push recorded after the fact, a node's first sync) drops the kept days from its day on, to be
measured again, so a report always equals the full replay over the same days.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from microindex.domain.channels.accuracy import (
    DAY,
    AccuracyCell,
    day_start,
    regroup,
    windows,
)
from microindex.domain.channels.items import FeedSettings
from microindex.domain.node import Node
from microindex.service.catalog import PRODUCT_TOPIC
from microindex.service.channel_history import PAGE, AccuracyReport, listing_accuracy
from microindex.service.channel_ports import ChannelStore, PushRecord
from microindex.service.ports import UnitOfWorkFactory

KEPT_VERSION = 1  # raise when the replay's rules change: every kept day is measured again
EVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Marks:
    """How far the kept days have seen each source: the last push id (and lower ids not done
    then, which may land later), the last catalog message, each ledger's last sequence, and a
    digest of the feed settings the truth was built with."""

    config: str
    pushes: int = 0
    open_pushes: tuple[int, ...] = ()
    products: int = 0
    ledgers: dict[str, int] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> Marks | None:
        if text is None:
            return None
        data = json.loads(text)
        data["open_pushes"] = tuple(data["open_pushes"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Sources:
    """What accuracy is measured from: the channels' record, the hub, each node's ledger."""

    store: ChannelStore
    hub: UnitOfWorkFactory
    ledgers: Mapping[str, UnitOfWorkFactory]
    nodes: Sequence[Node]
    settings: FeedSettings


def kept_accuracy(
    sources: Sources, span: tuple[datetime, datetime], window: timedelta = DAY
) -> AccuracyReport:
    """Per channel, basis and field, accuracy over whole UTC days from the day holding
    `span`'s start to its end, in windows of `window`: closed days from what is kept (measured
    and kept first where missing), the open day replayed. Cells with nothing checked are left
    out; mismatches are not kept (the replay lists them)."""
    start, end = day_start(span[0]), span[1]
    spans = windows(start, end, window)
    if window % DAY:
        replayed = _replay(sources, (start, end), window)
        return AccuracyReport([c for c in replayed if c.checked], [])
    today = day_start(end)
    cells = closed_days(sources, start.date(), today.date())[0] if start < today else []
    if today < end:
        cells += _replay(sources, (max(start, today), end), DAY)
    return AccuracyReport(regroup((c for c in cells if c.checked), spans), [])


def keep_closed_days(sources: Sources, now: datetime) -> int:
    """Measure and keep every closed day since the first push not kept yet (or gone stale):
    what the hub's `keep-listing-accuracy` timer runs just after midnight, so reports replay
    only the day still open. Returns the days measured."""
    pushes = sources.store.pushes()
    if not pushes:
        return 0
    first = day_start(min(p.at for p in pushes)).date()
    return len(closed_days(sources, first, day_start(now).date())[1])


def closed_days(sources: Sources, first: date, last: date) -> tuple[list[AccuracyCell], list[date]]:
    """Daily cells for the closed days [first, last): kept ones read, stale ones dropped,
    missing ones measured by the replay and kept; and the days measured this time."""
    store = sources.store
    kept, cells, text = store.kept_accuracy(first, last)
    stale, marks = _changes(sources, Marks.loads(text))
    stale_day = None if stale is None else day_start(stale).date()
    if stale_day is not None:
        kept = {d for d in kept if d < stale_day}
        cells = [c for c in cells if c.start.date() < stale_day]
    measured: list[AccuracyCell] = []
    days: list[date] = []
    for run_start, run_end in _missing(first, last, kept):
        span = (_midnight(run_start), _midnight(run_end))
        measured += [c for c in _replay(sources, span, DAY) if c.checked]
        days += list(_days(run_start, run_end))
    if stale_day is not None or days or marks.dumps() != text:  # else nothing to write
        store.keep_accuracy(marks.dumps(), stale_day, days, measured)
    return cells + measured, days


def _replay(
    sources: Sources, span: tuple[datetime, datetime], window: timedelta
) -> list[AccuracyCell]:
    s = sources
    return listing_accuracy(s.store, s.hub, s.ledgers, s.nodes, s.settings, span, window).cells


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day < last:
        yield day
        day += timedelta(days=1)


def _missing(first: date, last: date, kept: set[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days in [first, last) not kept, each [start, end)."""
    runs: list[tuple[date, date]] = []
    for day in _days(first, last):
        if day in kept:
            continue
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def _config(sources: Sources) -> str:
    """What the truth is built with besides the records: the feed settings (and the rules'
    version). A node added is seen through its ledger's movements, each at its own time."""
    text = repr((KEPT_VERSION, sources.settings))
    return hashlib.sha256(text.encode()).hexdigest()


def _changes(sources: Sources, old: Marks | None) -> tuple[datetime | None, Marks]:
    """The earliest moment whose record changed since `old` (None: nothing did), and the marks
    now. With no marks, other settings, or a ledger gone (a node removed), every kept day is
    stale."""
    config = _config(sources)
    same = old is not None and old.config == config and set(old.ledgers) <= set(sources.ledgers)
    base = old if old is not None and same else Marks(config)
    moments: list[datetime] = [] if base is old else [EVER]
    pushes, open_pushes = _push_marks(sources.store.pushes(), base, moments)
    products = base.products
    while True:
        with sources.hub() as uow:
            messages, upto = uow.outbox.of_topic(PRODUCT_TOPIC, products, PAGE)
        moments += [m.created_at for m in messages]
        if upto == products:
            break
        products = upto
    ledgers: dict[str, int] = {}
    for code, database in sources.ledgers.items():
        after = base.ledgers.get(code, 0)
        while True:
            with database() as uow:
                page = uow.ledger.movements(code, after, PAGE)
            if not page:
                break
            moments += [m.at for m in page]
            after = page[-1].seq
        ledgers[code] = after
    marks = Marks(config, pushes, open_pushes, products, ledgers)
    return (min(moments) if moments else None), marks


def _push_marks(
    done: list[PushRecord], base: Marks, moments: list[datetime]
) -> tuple[int, tuple[int, ...]]:
    """The last push id seen and the lower ids not done yet (a push counts once it is all in,
    so one begun earlier may land after a later one); new pushes add their times to `moments`."""
    waiting = set(base.open_pushes)
    seen = {p.id for p in done}
    for push in done:
        if push.id > base.pushes or push.id in waiting:
            moments.append(push.at)
    last = max([base.pushes, *seen])
    still = {i for i in waiting if i not in seen}
    still |= {i for i in range(base.pushes + 1, last) if i not in seen}
    return last, tuple(sorted(still))
