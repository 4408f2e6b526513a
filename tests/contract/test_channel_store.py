"""The record of sent payloads: the same contract in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.channels.memory import MemoryChannelStore
from microindex.adapters.postgres.channel_store import PostgresChannelStore
from microindex.adapters.sqlite.channel_store import SqliteChannelStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.channels.accuracy import AccuracyCell, day_cell
from microindex.service.channel_ports import ChannelStore, SentItem

from .conftest import POSTGRES, Databases

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChannelStore]:
    if request.param == "memory":
        yield MemoryChannelStore()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    database = databases.open()
    stored: SqliteChannelStore | PostgresChannelStore
    if isinstance(database, SqliteDatabase):
        stored = SqliteChannelStore(database.path)
    else:
        stored = PostgresChannelStore(database.url, database.schema)
    yield stored
    stored.close()
    databases.close()


def item(key: str, availability: str) -> SentItem:
    return SentItem(key, {"id": key, "availability": availability})


def test_a_push_is_recorded_with_every_item_and_field(store: ChannelStore) -> None:
    record = store.record_push(
        "google", "full", AT, [item("A", "in_stock"), item("B", "out_of_stock")]
    )
    assert (record.channel, record.kind, record.items) == ("google", "full", 2)
    assert store.pushes("google") == [record]
    assert [(at, s.key, s.fields["availability"]) for at, s in store.history("google", AT)] == [
        (AT, "A", "in_stock"),
        (AT, "B", "out_of_stock"),
    ]


def test_the_units_a_buffer_held_back_are_kept_with_each_item(store: ChannelStore) -> None:
    held = SentItem("shop/A", {"id": "A", "quantity": "9"}, held=3)
    store.record_push("google-local", "full", AT, [held, item("shop/B", "in_stock")])
    assert [(s.key, s.held) for _, s in store.history("google-local", AT)] == [
        ("shop/A", 3),
        ("shop/B", 0),
    ]


def test_history_stops_at_until_and_keeps_observations_apart(store: ChannelStore) -> None:
    store.record_push("meta", "full", AT, [item("A", "in stock")])
    store.record_push("meta", "observed", AT + timedelta(minutes=1), [item("A", "out of stock")])
    store.record_push("meta", "delta", AT + timedelta(hours=1), [item("A", "out of stock")])
    told = list(store.history("meta", AT + timedelta(minutes=30)))
    assert [s.fields["availability"] for _, s in told] == ["in stock"]
    seen = list(store.history("meta", AT + timedelta(hours=2), observed=True))
    assert [s.fields["availability"] for _, s in seen] == ["out of stock"]
    assert list(store.history("meta", AT + timedelta(hours=2), keys=["B"])) == []


def test_the_latest_digests_follow_pushes_not_observations(store: ChannelStore) -> None:
    store.record_push("google", "full", AT, [item("A", "in_stock")])
    first = store.latest_digests("google")
    store.record_push("google", "observed", AT, [item("A", "out_of_stock")])
    assert store.latest_digests("google") == first
    store.record_push("google", "delta", AT, [item("A", "out_of_stock")])
    assert store.latest_digests("google")["A"] != first["A"]


def test_a_push_that_fails_midway_is_not_counted(store: ChannelStore) -> None:
    def failing() -> Iterator[SentItem]:
        yield item("A", "in_stock")
        raise RuntimeError("writer broke")

    with pytest.raises(RuntimeError):
        store.record_push("google", "full", AT, failing())
    assert store.pushes() == [] and store.latest_digests("google") == {}
    assert list(store.history("google", AT)) == []


def test_a_long_history_reads_back_whole_and_in_order(store: ChannelStore) -> None:
    keys = [f"SKU-{n:05d}" for n in range(4500)]  # more than one batch and one page
    store.record_push("google", "full", AT, [item(k, "in_stock") for k in keys])
    store.record_push("google", "delta", AT + timedelta(hours=1), [item("SKU-00007", "sold_out")])
    told = [(at, s.key) for at, s in store.history("google", AT + timedelta(hours=1))]
    assert told == [(AT, k) for k in keys] + [(AT + timedelta(hours=1), "SKU-00007")]
    assert [r.items for r in store.pushes("google")] == [4500, 1]
    assert len(store.latest_digests("google")) == 4500
    some = list(store.history("google", AT, keys=["SKU-00002", "SKU-04499", "nope"]))
    assert [s.key for _, s in some] == ["SKU-00002", "SKU-04499"]


def test_a_served_file_keeps_its_time_until_its_content_changes(store: ChannelStore) -> None:
    assert store.served("google.xml", "e1", AT) == (AT, True)
    later = AT + timedelta(hours=1)
    assert store.served("google.xml", "e1", later) == (AT, False)
    assert store.served("meta.csv", "e1", later) == (later, True)
    changed = AT + timedelta(hours=2)
    assert store.served("google.xml", "e2", changed) == (changed, True)
    assert store.served("google.xml", "e2", changed + timedelta(hours=1)) == (changed, False)


def _day_cells(day: date, checked: int) -> list[AccuracyCell]:
    return [
        day_cell(day, "meta", "told", "availability", checked, checked - 1),
        day_cell(day, "meta", "told", "price", checked, checked),
    ]


def test_kept_accuracy_days_are_read_back_dropped_when_stale_and_marked(
    store: ChannelStore,
) -> None:
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(4)]
    assert store.kept_accuracy(days[0], days[-1]) == (set(), [], None)
    cells = [c for day in days[:3] for c in _day_cells(day, 96)]
    store.keep_accuracy('{"at": 1}', None, [*days[:3], days[3]], cells)  # day 4: nothing seen
    kept, read, marks = store.kept_accuracy(days[1], days[3] + timedelta(days=1))
    assert kept == set(days[1:]) and marks == '{"at": 1}'
    assert sorted(read, key=lambda c: (c.start, c.field)) == cells[2:]
    assert read[0].end - read[0].start == timedelta(days=1)
    store.keep_accuracy('{"at": 2}', days[2], [days[2]], _day_cells(days[2], 50))
    kept, read, marks = store.kept_accuracy(days[0], days[3] + timedelta(days=1))
    assert kept == set(days[:3]) and marks == '{"at": 2}'  # day 4 dropped, day 3 measured again
    assert {(c.start.date(), c.checked) for c in read} == {
        (days[0], 96),
        (days[1], 96),
        (days[2], 50),
    }
