"""Availability figures from SQLite: the hub's mirror where sync has run, else the node's file.

- A node the hub has synced with (a `sync_peers` row with a last sync time): on-hand from the
  hub's mirror of its ledger, as of that last successful sync, with sync's walk-in demand rates;
  but when the node's own file is here and has moved past the position the hub's copy holds
  (a walk-in sale recorded after its own rights request), the hub's last contact says nothing
  of it: the node's own ledger is read instead, as of its last movement.
- Otherwise: on-hand from the node's own database, as of its last ledger movement, with the
  demand rate of the last 28 days of sales there.
Each read has a connection of its own (WAL: readers never wait for the node's writer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from microindex.adapters.sqlite.connection import connect
from microindex.domain.channels.figures import DAY_S, Availability, FigureSource

RATE_WINDOW = timedelta(days=28)


class SqliteFigures:
    def __init__(self, node_files: Mapping[str, Path], hub_file: Path | None = None) -> None:
        self.node_files = dict(node_files)
        self.hub_file = hub_file

    def figures(self, node: str, skus: Iterable[str] | None = None) -> Iterator[Availability]:
        wanted = None if skus is None else sorted(set(skus))
        synced = self._synced(node)
        path = self.node_files.get(node)
        own = path if path is not None and path.exists() else None
        if synced is not None:
            assert self.hub_file is not None
            as_of, rates, head = synced
            if own is None or _head(own, node) <= head:
                yield from _read(self.hub_file, node, as_of, FigureSource.SYNC, rates, wanted)
                return
        if own is None:
            return
        with closing(connect(own)) as conn:
            last, sold = _ledger_age(conn, node)
        if last is not None:
            known = sold if synced is None else synced[1]
            yield from _read(own, node, last, FigureSource.LEDGER, known, wanted)

    def _synced(self, node: str) -> tuple[datetime, dict[str, float], int] | None:
        """The hub's last contact with the node, its demand rates there (per day) and the
        ledger position its copy holds; None before the first sync."""
        if self.hub_file is None or not self.hub_file.exists():
            return None
        with closing(connect(self.hub_file)) as conn:
            try:
                row = conn.execute(
                    "SELECT last_sync_s FROM sync_peers WHERE node = ?", (node,)
                ).fetchone()
            except sqlite3.OperationalError:  # a hub without the sync tables
                return None
            if row is None or row[0] < 0:
                return None
            head = _head_of(conn, "SELECT head FROM ledger_heads WHERE node = ?", node)
            rates = {
                sku: float(r) * DAY_S
                for sku, r in conn.execute(
                    "SELECT sku, rate FROM hub_walk_in_rates WHERE node = ?", (node,)
                )
            }
        return datetime.fromtimestamp(row[0], UTC), rates, head


def _head(path: Path, node: str) -> int:
    with closing(connect(path)) as conn:
        return _head_of(conn, "SELECT max(seq) FROM movements WHERE node = ?", node)


def _head_of(conn: sqlite3.Connection, query: str, node: str) -> int:
    row = conn.execute(query, (node,)).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def _ledger_age(conn: sqlite3.Connection, node: str) -> tuple[datetime | None, dict[str, float]]:
    row = conn.execute(
        "SELECT at FROM movements WHERE node = ? ORDER BY seq DESC LIMIT 1", (node,)
    ).fetchone()
    if row is None:
        return None, {}
    last = datetime.fromisoformat(row[0])
    since = (last - RATE_WINDOW).astimezone(UTC).isoformat()
    sold = conn.execute(
        "SELECT sku, -sum(quantity) FROM movements"
        " WHERE node = ? AND kind IN ('sell', 'pick') AND at >= ? GROUP BY sku",
        (node, since),
    )
    days = RATE_WINDOW / timedelta(days=1)
    return last, {sku: max(0.0, units / days) for sku, units in sold}


def _read(
    path: Path,
    node: str,
    as_of: datetime,
    source: FigureSource,
    rates: Mapping[str, float],
    skus: list[str] | None,
) -> Iterator[Availability]:
    with closing(connect(path)) as conn:
        if skus is None:
            rows: Iterable[tuple[str, int]] = conn.execute(
                "SELECT sku, quantity FROM on_hand WHERE node = ? ORDER BY sku", (node,)
            )
        else:
            rows = (
                row
                for sku in skus
                for row in conn.execute(
                    "SELECT sku, quantity FROM on_hand WHERE node = ? AND sku = ?", (node, sku)
                )
            )
        for sku, quantity in rows:
            yield Availability(node, sku, max(0, quantity), as_of, source, rates.get(sku, 0.0))
