"""Availability figures: the hub's mirror where sync has run, else the node's file.

- A node the hub has synced with (a `sync_peers` row with a last sync time): on-hand from the
  hub's mirror of its ledger, as of that last successful sync; but when the node's own file is
  here and has moved past the position the hub's copy holds (a walk-in sale recorded after its
  own rights request), the hub's last contact says nothing of it: the node's own ledger is read
  instead, as of its last movement.
- Otherwise: on-hand from the node's own database, as of its latest ledger movement.
Either way each SKU's demand rate is the node's own history in the ledger read: units sold
there (at the till and picked for orders) over the 28 days before the figure's time, or over
the days the ledger spans when it is younger, by each movement's own time. No prior is
assumed: a SKU never sold there gets the rule's floor rate.
The hub's mirror is its SQLite file (`SqliteMirror`) or its PostgreSQL database
(`adapters.postgres.figure_mirror`): a channel says the same of a node on either hub.
Each read has a connection of its own (WAL: readers never wait for the node's writer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from microindex.adapters.sqlite.connection import connect
from microindex.domain.channels.figures import Availability, FigureSource

RATE_WINDOW = timedelta(days=28)


class HubMirror(Protocol):
    """The hub's copy of the nodes' ledgers, as sync left it."""

    def synced(self, node: str) -> tuple[datetime, int] | None:
        """The hub's last contact with `node` and the ledger position its copy holds; None
        before the first sync."""
        ...

    def read(self, node: str, as_of: datetime, skus: list[str] | None) -> list[Availability]:
        """The copy's on-hand of `node` (of `skus`, or all), as of `as_of`."""
        ...


class SqliteFigures:
    def __init__(self, node_files: Mapping[str, Path], hub: Path | HubMirror | None = None) -> None:
        self.node_files = dict(node_files)
        self.mirror = SqliteMirror(hub) if isinstance(hub, Path) else hub

    def figures(self, node: str, skus: Iterable[str] | None = None) -> Iterator[Availability]:
        wanted = None if skus is None else sorted(set(skus))
        synced = None if self.mirror is None else self.mirror.synced(node)
        path = self.node_files.get(node)
        own = path if path is not None and path.exists() else None
        if synced is not None:
            assert self.mirror is not None
            as_of, head = synced
            if own is None or _head(own, node) <= head:
                yield from self.mirror.read(node, as_of, wanted)
                return
        if own is None:
            return
        with closing(connect(own)) as conn:
            last = _last_movement(conn, node)
        if last is not None:
            yield from _read(own, node, last, FigureSource.LEDGER, wanted)


class SqliteMirror:
    """The mirror in an embedded hub's SQLite file."""

    def __init__(self, hub_file: Path) -> None:
        self.hub_file = hub_file

    def synced(self, node: str) -> tuple[datetime, int] | None:
        if not self.hub_file.exists():
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
        return datetime.fromtimestamp(row[0], UTC), head

    def read(self, node: str, as_of: datetime, skus: list[str] | None) -> list[Availability]:
        return list(_read(self.hub_file, node, as_of, FigureSource.SYNC, skus))


def _head(path: Path, node: str) -> int:
    with closing(connect(path)) as conn:
        return _head_of(conn, "SELECT max(seq) FROM movements WHERE node = ?", node)


def _head_of(conn: sqlite3.Connection, query: str, node: str) -> int:
    row = conn.execute(query, (node,)).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def _last_movement(conn: sqlite3.Connection, node: str) -> datetime | None:
    """The latest movement time in the ledger (an entry typed in late, with an earlier time,
    does not make the whole ledger look old)."""
    times = (
        datetime.fromisoformat(at)
        for (at,) in conn.execute("SELECT at FROM movements WHERE node = ?", (node,))
    )
    return max(times, default=None)


def sales_rates(
    conn: sqlite3.Connection, node: str, as_of: datetime, skus: list[str] | None = None
) -> dict[str, float]:
    """Units a day sold at `node` per SKU (till sales and picks), from its ledger in `conn`
    over the `RATE_WINDOW` before `as_of`, or over the days since the ledger's first movement
    when that is shorter (at least one day). Each sale counts at its own time, whatever order
    it was recorded in."""
    row = conn.execute(
        "SELECT at FROM movements WHERE node = ? ORDER BY seq LIMIT 1", (node,)
    ).fetchone()
    if row is None:
        return {}
    query = "SELECT sku, quantity, at FROM movements WHERE node = ? AND kind IN ('sell', 'pick')"
    if skus is None:
        rows: Iterable[tuple[str, int, str]] = conn.execute(query, (node,))
    else:
        rows = (r for sku in skus for r in conn.execute(query + " AND sku = ?", (node, sku)))
    first = datetime.fromisoformat(row[0])
    return rates_of(first, ((s, q, datetime.fromisoformat(at)) for s, q, at in rows), as_of)


def rates_of(
    first: datetime, sales: Iterable[tuple[str, int, datetime]], as_of: datetime
) -> dict[str, float]:
    """Units a day per SKU of `sales` (SKU, signed quantity, time) in a ledger whose first
    movement was at `first`, over the `RATE_WINDOW` before `as_of` (`sales_rates`)."""
    start = max(as_of - RATE_WINDOW, first)
    sold: dict[str, int] = {}
    for sku, quantity, at in sales:
        if start <= at <= as_of:
            sold[sku] = sold.get(sku, 0) - int(quantity)
    days = max(1.0, (as_of - start) / timedelta(days=1))
    return {sku: max(0.0, units / days) for sku, units in sold.items()}


def _read(
    path: Path,
    node: str,
    as_of: datetime,
    source: FigureSource,
    skus: list[str] | None,
) -> Iterator[Availability]:
    with closing(connect(path)) as conn:
        rates = sales_rates(conn, node, as_of, skus)
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
