"""The record of what channels were sent (and read back showing), in the hub's SQLite file.

The store has a connection of its own, so a push is recorded in its own transaction while the
feed it records is still being read from the catalog (WAL lets the reader go on).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path

from microindex.adapters.sqlite.connection import connect
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
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            push_id = int(
                conn.execute(
                    "INSERT INTO channel_pushes (channel, kind, at, items) VALUES (?, ?, ?, 0)",
                    (channel, kind, at.isoformat()),
                ).lastrowid
                or 0
            )
            count = self._insert(conn, channel, kind, push_id, iter(items))
            conn.execute("UPDATE channel_pushes SET items = ? WHERE id = ?", (count, push_id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return PushRecord(push_id, channel, kind, at, count)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection, channel: str, kind: str, push_id: int, items: Iterator[SentItem]
    ) -> int:
        count = 0
        while batch := list(islice(items, _BATCH)):
            rows = [(push_id, i.key, item_digest(i.fields), json.dumps(i.fields)) for i in batch]
            conn.executemany(
                "INSERT OR REPLACE INTO channel_items (push_id, key, digest, fields)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
            if kind != OBSERVED:
                conn.executemany(
                    "INSERT OR REPLACE INTO channel_latest (channel, key, digest, push_id)"
                    " VALUES (?, ?, ?, ?)",
                    [(channel, key, digest, push_id) for push_id, key, digest, _ in rows],
                )
            count += len(batch)
        return count

    def pushes(self, channel: str | None = None) -> list[PushRecord]:
        rows = self.conn.execute(
            "SELECT id, channel, kind, at, items FROM channel_pushes"
            " WHERE ?1 IS NULL OR channel = ?1 ORDER BY id",
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
            "SELECT p.at, i.key, i.fields FROM channel_pushes p"
            " JOIN channel_items i ON i.push_id = p.id"
            f" WHERE p.channel = ? AND {kind_test} ORDER BY p.id, i.key",
            (channel,),
        )
        for at, key, fields in rows:
            moment = datetime.fromisoformat(at)
            if moment <= until and (wanted is None or key in wanted):
                yield moment, SentItem(key, json.loads(fields))
