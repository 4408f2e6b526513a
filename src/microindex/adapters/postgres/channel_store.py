"""The record of what channels were sent (and read back showing), in the hub's PostgreSQL
database (tables of migration 60), the same as SQLite's (adapters/sqlite/channel_store.py).

The store has a connection of its own and writes a push in short batches, each committed, so a
feed being recorded may go on reading the hub meanwhile; a push counts (`done`) only once all of
it is in, and only then do its digests become the latest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from microindex.adapters.postgres.connection import Connection, connect
from microindex.domain.channels.accuracy import AccuracyCell, day_cell
from microindex.domain.channels.items import item_digest
from microindex.service.channel_ports import PushRecord, SentItem

OBSERVED = "observed"
_BATCH = 2000


class PostgresChannelStore:
    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self._conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self.url, self.schema)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def record_push(
        self, channel: str, kind: str, at: datetime, items: Iterable[SentItem]
    ) -> PushRecord:
        conn = self.conn
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO channel_pushes (channel, kind, at, items) VALUES (%s, %s, %s, 0)"
                " RETURNING id",
                (channel, kind, at),
            ).fetchone()
        assert row is not None
        push_id = int(row[0])
        count = 0
        stream = iter(items)
        while batch := list(islice(stream, _BATCH)):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO channel_items (push_id, key, digest, fields, held)"
                    " VALUES (%s, %s, %s, %s::jsonb, %s) ON CONFLICT (push_id, key) DO UPDATE SET"
                    " digest = excluded.digest, fields = excluded.fields, held = excluded.held",
                    [
                        (push_id, i.key, item_digest(i.fields), json.dumps(i.fields), i.held)
                        for i in batch
                    ],
                )
            count += len(batch)
        with conn.transaction():
            conn.execute(
                "UPDATE channel_pushes SET items = %s, done = true WHERE id = %s", (count, push_id)
            )
            if kind != OBSERVED:
                conn.execute(
                    "INSERT INTO channel_latest (channel, key, digest, push_id)"
                    " SELECT %s, key, digest, push_id FROM channel_items WHERE push_id = %s"
                    " ON CONFLICT (channel, key) DO UPDATE SET digest = excluded.digest,"
                    " push_id = excluded.push_id",
                    (channel, push_id),
                )
        return PushRecord(push_id, channel, kind, at, count)

    def kept_accuracy(
        self, first: date, last: date
    ) -> tuple[set[date], list[AccuracyCell], str | None]:
        conn = self.conn
        with conn.transaction():
            days = conn.execute(
                "SELECT day FROM channel_accuracy_days WHERE day >= %s AND day < %s",
                (first, last),
            ).fetchall()
            rows = conn.execute(
                "SELECT day, channel, basis, field, checked, matched FROM channel_accuracy"
                " WHERE day >= %s AND day < %s ORDER BY day, channel, basis, field",
                (first, last),
            ).fetchall()
            marks = conn.execute("SELECT marks FROM channel_accuracy_marks").fetchone()
        cells = [
            day_cell(d, channel, basis, name, checked, matched)
            for d, channel, basis, name, checked, matched in rows
        ]
        return {d for (d,) in days}, cells, None if marks is None else str(marks[0])

    def keep_accuracy(
        self,
        marks: str,
        stale_from: date | None,
        days: Iterable[date],
        cells: Iterable[AccuracyCell],
    ) -> None:
        """Reports measuring the same day together keep the same counts: the last one wins."""
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            if stale_from is not None:
                cur.execute("DELETE FROM channel_accuracy_days WHERE day >= %s", (stale_from,))
            cur.executemany(
                "INSERT INTO channel_accuracy_days (day) VALUES (%s) ON CONFLICT DO NOTHING",
                [(d,) for d in days],
            )
            cur.executemany(
                "INSERT INTO channel_accuracy (day, channel, basis, field, checked, matched)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (day, channel, basis, field)"
                " DO UPDATE SET checked = excluded.checked, matched = excluded.matched",
                [
                    (c.start.date(), c.channel, c.basis.value, c.field, c.checked, c.matched)
                    for c in cells
                ],
            )
            cur.execute(
                "INSERT INTO channel_accuracy_marks (id, marks) VALUES (1, %s)"
                " ON CONFLICT (id) DO UPDATE SET marks = excluded.marks",
                (marks,),
            )

    def served(self, name: str, etag: str, at: datetime) -> tuple[datetime, bool]:
        """Hub processes serving the same new content together: the first to write it sets
        the time, the others read it back (and say the content is not new to them)."""
        conn = self.conn
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO served_files (name, etag, modified_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET etag = excluded.etag,"
                " modified_at = excluded.modified_at WHERE served_files.etag <> excluded.etag"
                " RETURNING modified_at",
                (name, etag, at),
            ).fetchone()
            if row is not None:
                return row[0], True
            kept = conn.execute(
                "SELECT modified_at FROM served_files WHERE name = %s", (name,)
            ).fetchone()
        assert kept is not None
        return kept[0], False

    def pushes(self, channel: str | None = None) -> list[PushRecord]:
        conn = self.conn
        with conn.transaction():
            rows = conn.execute(
                "SELECT id, channel, kind, at, items FROM channel_pushes"
                " WHERE done AND (%s::text IS NULL OR channel = %s) ORDER BY id",
                (channel, channel),
            ).fetchall()
        return [PushRecord(int(i), c, k, a, n) for i, c, k, a, n in rows]

    def latest_digests(self, channel: str) -> dict[str, str]:
        conn = self.conn
        with conn.transaction():
            rows = conn.execute(
                "SELECT key, digest FROM channel_latest WHERE channel = %s", (channel,)
            ).fetchall()
        return {key: digest for key, digest in rows}

    def history(
        self,
        channel: str,
        until: datetime,
        keys: Iterable[str] | None = None,
        observed: bool = False,
    ) -> Iterator[tuple[datetime, SentItem]]:
        """Read in pages, each its own short transaction, so that a long history never holds
        a transaction open while the caller works through it."""
        wanted = None if keys is None else list(set(keys))
        kind_test = "p.kind = 'observed'" if observed else "p.kind <> 'observed'"
        after = (0, "")
        conn = self.conn
        while True:
            with conn.transaction():
                rows = conn.execute(
                    "SELECT p.id, p.at, i.key, i.fields, i.held FROM channel_pushes p"
                    " JOIN channel_items i ON i.push_id = p.id"
                    f" WHERE p.done AND p.channel = %s AND {kind_test} AND p.at <= %s"
                    " AND (%s::text[] IS NULL OR i.key = ANY(%s::text[]))"
                    " AND (p.id, i.key) > (%s, %s) ORDER BY p.id, i.key LIMIT %s",
                    (channel, until, wanted, wanted, *after, _BATCH),
                ).fetchall()
            for push_id, at, key, fields, held in rows:
                yield at, SentItem(key, fields, held)
                after = (push_id, key)
            if len(rows) < _BATCH:
                return
