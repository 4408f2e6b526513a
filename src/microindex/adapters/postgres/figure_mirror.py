"""A PostgreSQL hub's mirror of the nodes' ledgers, read for channels' availability figures as
an embedded hub reads its SQLite file (`adapters.channels.figures.SqliteMirror`): on-hand as
of the hub's last successful sync with the node, each SKU's rate from the mirrored sales."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from microindex.adapters.channels.figures import rates_of
from microindex.adapters.postgres.purchasing_store import Connect
from microindex.domain.channels.figures import Availability, FigureSource

_FIRST = "SELECT at FROM movements WHERE node = %s ORDER BY seq LIMIT 1"
_SALES = "SELECT sku, quantity, at FROM movements WHERE node = %s AND kind IN ('sell', 'pick')"
_ON_HAND = "SELECT sku, quantity FROM on_hand WHERE node = %s"


class PostgresMirror:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def synced(self, node: str) -> tuple[datetime, int] | None:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(
                "SELECT p.last_sync_s, coalesce(h.head, 0) FROM sync_peers p"
                " LEFT JOIN ledger_heads h ON h.node = p.node WHERE p.node = %s",
                (node,),
            ).fetchone()
        if row is None or row[0] < 0:
            return None
        return datetime.fromtimestamp(row[0], UTC), int(row[1])

    def read(self, node: str, as_of: datetime, skus: list[str] | None) -> list[Availability]:
        only, args = ("", ()) if skus is None else (" AND sku = ANY(%s)", (skus,))
        conn = self._connection()
        with conn.transaction():
            first = conn.execute(_FIRST, (node,)).fetchone()
            sales: list[Any] = conn.execute(_SALES + only, (node, *args)).fetchall()
            held = conn.execute(_ON_HAND + only + " ORDER BY sku", (node, *args)).fetchall()
        rates = {} if first is None else rates_of(first[0], sales, as_of)
        return [
            Availability(node, sku, max(0, quantity), as_of, FigureSource.SYNC, rates.get(sku, 0.0))
            for sku, quantity in held
        ]
