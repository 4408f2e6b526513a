"""What triage reads beside the ledger, in the node's own SQLite file: the past sales it
imported (`past_sales`) and the SKUs archived from its range (`archived_skus`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from microindex.domain.triage import PastSale


class SqlitePastSales:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def replace(self, node: str, sales: Sequence[PastSale]) -> None:
        """The node's past sales become `sales` (an import again replaces the last one)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute("DELETE FROM past_sales WHERE node = ?", (node,))
            self._conn.executemany(
                "INSERT INTO past_sales (node, sku, day, units) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (node, sku, day) DO UPDATE SET units = units + excluded.units",
                [(node, s.sku, s.day.isoformat(), s.units) for s in sales],
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def sales(self, node: str) -> list[PastSale]:
        rows = self._conn.execute(
            "SELECT sku, day, units FROM past_sales WHERE node = ? ORDER BY day, sku", (node,)
        )
        return [PastSale(sku, date.fromisoformat(day), units) for sku, day, units in rows]


class SqliteArchivedSkus:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def archive(self, node: str, skus: Sequence[str], at: datetime, actor: str) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT OR REPLACE INTO archived_skus (node, sku, at, actor) VALUES (?, ?, ?, ?)",
                [(node, sku, at.isoformat(), actor) for sku in skus],
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def archived(self, node: str) -> set[str]:
        rows = self._conn.execute("SELECT sku FROM archived_skus WHERE node = ?", (node,))
        return {sku for (sku,) in rows}
