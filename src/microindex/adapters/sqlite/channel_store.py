"""The record of what channels were sent (and read back showing), in the hub's SQLite file.

The store has a connection of its own and writes a push in short batches, so the feed being
recorded can go on reading the hub (the catalog, approved images) meanwhile; a push counts
(`done`) only once all of it is in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from microindex.adapters.sqlite.connection import connect
from microindex.domain.channels.accuracy import AccuracyCell, day_cell
from microindex.domain.channels.items import item_digest
from microindex.service.channel_ports import PushRecord, SentItem

OBSERVED = "observed"
_BATCH = 2000


class SqliteChannelStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self.path)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def record_push(
        self, channel: str, kind: str, at: datetime, items: Iterable[SentItem]
    ) -> PushRecord:
        """Items go in batches, each in a short transaction, so reading the next items (which
        may read the hub too) never waits on this writer; the push counts only once marked
        done, and only then do its digests become the latest."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO channel_pushes (channel, kind, at, items) VALUES (?, ?, ?, 0)",
                (channel, kind, at.isoformat()),
            )
            push_id = int(cursor.lastrowid or 0)
        count = 0
        stream = iter(items)
        while batch := list(islice(stream, _BATCH)):
            with self._transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO channel_items (push_id, key, digest, fields, held)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [
                        (push_id, i.key, item_digest(i.fields), json.dumps(i.fields), i.held)
                        for i in batch
                    ],
                )
            count += len(batch)
        with self._transaction() as conn:
            conn.execute(
                "UPDATE channel_pushes SET items = ?, done = 1 WHERE id = ?", (count, push_id)
            )
            if kind != OBSERVED:
                conn.execute(
                    "INSERT OR REPLACE INTO channel_latest (channel, key, digest, push_id)"
                    " SELECT ?, key, digest, push_id FROM channel_items WHERE push_id = ?",
                    (channel, push_id),
                )
        return PushRecord(push_id, channel, kind, at, count)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def kept_accuracy(
        self, first: date, last: date
    ) -> tuple[set[date], list[AccuracyCell], str | None]:
        span = (first.isoformat(), last.isoformat())
        days = {
            date.fromisoformat(d)
            for (d,) in self.conn.execute(
                "SELECT day FROM channel_accuracy_days WHERE day >= ? AND day < ?", span
            )
        }
        cells = [
            day_cell(date.fromisoformat(d), channel, basis, name, checked, matched)
            for d, channel, basis, name, checked, matched in self.conn.execute(
                "SELECT day, channel, basis, field, checked, matched FROM channel_accuracy"
                " WHERE day >= ? AND day < ? ORDER BY day, channel, basis, field",
                span,
            )
        ]
        row = self.conn.execute("SELECT marks FROM channel_accuracy_marks").fetchone()
        return days, cells, None if row is None else str(row[0])

    def keep_accuracy(
        self,
        marks: str,
        stale_from: date | None,
        days: Iterable[date],
        cells: Iterable[AccuracyCell],
    ) -> None:
        with self._transaction() as conn:
            if stale_from is not None:
                conn.execute(
                    "DELETE FROM channel_accuracy_days WHERE day >= ?", (stale_from.isoformat(),)
                )
            conn.executemany(
                "INSERT OR REPLACE INTO channel_accuracy_days (day) VALUES (?)",
                [(d.isoformat(),) for d in days],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO channel_accuracy"
                " (day, channel, basis, field, checked, matched) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.start.date().isoformat(), c.channel, c.basis, c.field, c.checked, c.matched)
                    for c in cells
                ],
            )
            conn.execute(
                "INSERT OR REPLACE INTO channel_accuracy_marks (id, marks) VALUES (1, ?)", (marks,)
            )

    def served(self, name: str, etag: str, at: datetime) -> tuple[datetime, bool]:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT etag, modified_at FROM served_files WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] == etag:
                return datetime.fromisoformat(row[1]), False
            conn.execute(
                "INSERT OR REPLACE INTO served_files (name, etag, modified_at) VALUES (?, ?, ?)",
                (name, etag, at.isoformat()),
            )
        return at, True

    def pushes(self, channel: str | None = None) -> list[PushRecord]:
        rows = self.conn.execute(
            "SELECT id, channel, kind, at, items FROM channel_pushes"
            " WHERE done AND (?1 IS NULL OR channel = ?1) ORDER BY id",
            (channel,),
        )
        return [PushRecord(i, c, k, datetime.fromisoformat(a), n) for i, c, k, a, n in rows]

    def latest_digests(self, channel: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT key, digest FROM channel_latest WHERE channel = ?", (channel,)
        )
        return dict(rows)

    def history(
        self,
        channel: str,
        until: datetime,
        keys: Iterable[str] | None = None,
        observed: bool = False,
    ) -> Iterator[tuple[datetime, SentItem]]:
        wanted = None if keys is None else set(keys)
        kind_test = "p.kind = 'observed'" if observed else "p.kind != 'observed'"
        rows = self.conn.execute(
            "SELECT p.at, i.key, i.fields, i.held FROM channel_pushes p"
            " JOIN channel_items i ON i.push_id = p.id"
            f" WHERE p.done AND p.channel = ? AND {kind_test} ORDER BY p.id, i.key",
            (channel,),
        )
        for at, key, fields, held in rows:
            moment = datetime.fromisoformat(at)
            if moment <= until and (wanted is None or key in wanted):
                yield moment, SentItem(key, json.loads(fields), held)
