"""Kits, purchase orders and reorder points in the hub's PostgreSQL database (migrations
162-164), the same as SQLite's (adapters/sqlite/purchasing_store.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from psycopg.errors import UniqueViolation
from psycopg.types.json import Jsonb

from microindex.adapters.postgres.connection import Connection
from microindex.domain.kits import Kit, kits_of
from microindex.domain.purchasing import PoState, PurchaseOrder, PurchaseOrderExists
from microindex.domain.reorder import ReorderPoint
from microindex.domain.vat import PriceMode, TaxSettings, VatRate
from microindex.service.purchasing import purchase_order_from_record, purchase_order_record

Connect = Callable[[], Connection]


class PostgresKits:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def put(self, kit: Kit) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute("DELETE FROM kit_parts WHERE kit = %s", (kit.sku,))
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO kit_parts (kit, part, quantity, position) VALUES (%s, %s, %s, %s)",
                    [(kit.sku, p.sku, p.quantity, n) for n, p in enumerate(kit.parts)],
                )

    def remove(self, sku: str) -> bool:
        conn = self._connection()
        with conn.transaction():
            return conn.execute("DELETE FROM kit_parts WHERE kit = %s", (sku,)).rowcount > 0

    def kits(self) -> dict[str, Kit]:
        return kits_of(
            self._all("SELECT kit, part, quantity FROM kit_parts ORDER BY kit, position", ())
        )

    def _all(self, query: str, args: tuple[Any, ...]) -> list[Any]:
        conn = self._connection()
        with conn.transaction():
            return conn.execute(query, args).fetchall()


class PostgresPurchaseOrders:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def add(self, order: PurchaseOrder) -> None:
        conn = self._connection()
        try:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO purchase_orders"
                    " (id, node, supplier, state, created_at, version, record)"
                    " VALUES (%s, %s, %s, %s, %s, 1, %s)",
                    (
                        order.ident,
                        order.node,
                        order.supplier,
                        order.state.value,
                        order.created_at,
                        Jsonb(purchase_order_record(order)),
                    ),
                )
        except UniqueViolation:
            raise PurchaseOrderExists(order.ident) from None

    def get(self, ident: str) -> tuple[PurchaseOrder, int] | None:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(
                "SELECT record, version FROM purchase_orders WHERE id = %s", (ident,)
            ).fetchone()
        return None if row is None else (purchase_order_from_record(row[0]), int(row[1]))

    def save(self, order: PurchaseOrder, version: int) -> bool:
        conn = self._connection()
        with conn.transaction():
            changed = conn.execute(
                "UPDATE purchase_orders SET state = %s, record = %s, version = version + 1"
                " WHERE id = %s AND version = %s",
                (order.state.value, Jsonb(purchase_order_record(order)), order.ident, version),
            )
            return changed.rowcount == 1

    def orders(self, state: PoState | None = None) -> list[PurchaseOrder]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                "SELECT record FROM purchase_orders WHERE %s::text IS NULL OR state = %s"
                " ORDER BY created_at DESC, id",
                (None if state is None else state.value,) * 2,
            ).fetchall()
        return [purchase_order_from_record(row[0]) for row in rows]

    def waiting(self, node: str) -> list[PurchaseOrder]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                "SELECT record FROM purchase_orders WHERE node = %s AND state <> 'closed'"
                " AND jsonb_array_length(coalesce(record->'pending', '[]'::jsonb)) > 0"
                " ORDER BY id",
                (node,),
            ).fetchall()
        return [purchase_order_from_record(row[0]) for row in rows]


class PostgresReorderPoints:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def put(self, point: ReorderPoint) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "INSERT INTO reorder_points (node, sku, point, target) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (node, sku) DO UPDATE SET point = excluded.point,"
                " target = excluded.target, alerted = 0",
                (point.node, point.sku, point.point, point.target),
            )

    def remove(self, node: str, sku: str) -> bool:
        conn = self._connection()
        with conn.transaction():
            gone = conn.execute(
                "DELETE FROM reorder_points WHERE node = %s AND sku = %s", (node, sku)
            )
            return gone.rowcount > 0

    def points(self, node: str | None = None) -> list[ReorderPoint]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                "SELECT node, sku, point, target FROM reorder_points"
                " WHERE %s::text IS NULL OR node = %s ORDER BY node, sku",
                (node, node),
            ).fetchall()
        return [ReorderPoint(*row) for row in rows]

    def alerted(self) -> set[tuple[str, str]]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute("SELECT node, sku FROM reorder_points WHERE alerted = 1").fetchall()
        return {(node, sku) for node, sku in rows}

    def mark(self, alerted: Iterable[tuple[str, str]], cleared: Iterable[tuple[str, str]]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cursor:
            for flag, keys in ((1, alerted), (0, cleared)):
                rows = [(flag, node, sku) for node, sku in keys]
                if rows:
                    cursor.executemany(
                        "UPDATE reorder_points SET alerted = %s WHERE node = %s AND sku = %s", rows
                    )


class PostgresVat:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def settings(self) -> TaxSettings:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute("SELECT mode, standard FROM tax_settings WHERE id = 1").fetchone()
        return TaxSettings() if row is None else TaxSettings(PriceMode(row[0]), VatRate(row[1]))

    def put_settings(self, settings: TaxSettings) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "INSERT INTO tax_settings (id, mode, standard) VALUES (1, %s, %s)"
                " ON CONFLICT (id) DO UPDATE SET mode = excluded.mode,"
                " standard = excluded.standard",
                (settings.mode.value, settings.standard.percent),
            )

    def rates(self) -> dict[str, VatRate]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute("SELECT sku, rate FROM vat_rates ORDER BY sku").fetchall()
        return {sku: VatRate(rate) for sku, rate in rows}

    def put_rate(self, sku: str, rate: VatRate | None) -> None:
        conn = self._connection()
        with conn.transaction():
            if rate is None:
                conn.execute("DELETE FROM vat_rates WHERE sku = %s", (sku,))
                return
            conn.execute(
                "INSERT INTO vat_rates (sku, rate) VALUES (%s, %s)"
                " ON CONFLICT (sku) DO UPDATE SET rate = excluded.rate",
                (sku, rate.percent),
            )
