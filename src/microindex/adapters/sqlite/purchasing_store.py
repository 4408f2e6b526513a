"""Kits, purchase orders and reorder points in the hub's SQLite file (migrations 162-164)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC

from microindex.adapters.sqlite.connection import writing
from microindex.domain.kits import Kit, kits_of
from microindex.domain.purchasing import PoState, PurchaseOrder, PurchaseOrderExists
from microindex.domain.reorder import ReorderPoint
from microindex.domain.vat import PriceMode, TaxSettings, VatRate
from microindex.service.purchasing import purchase_order_from_record, purchase_order_record

Connect = Callable[[], sqlite3.Connection]


class SqliteKits:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def put(self, kit: Kit) -> None:
        with writing(self._connection(), "kits") as conn:
            conn.execute("DELETE FROM kit_parts WHERE kit = ?", (kit.sku,))
            conn.executemany(
                "INSERT INTO kit_parts (kit, part, quantity, position) VALUES (?, ?, ?, ?)",
                [(kit.sku, p.sku, p.quantity, n) for n, p in enumerate(kit.parts)],
            )

    def remove(self, sku: str) -> bool:
        with writing(self._connection(), "kits") as conn:
            return conn.execute("DELETE FROM kit_parts WHERE kit = ?", (sku,)).rowcount > 0

    def kits(self) -> dict[str, Kit]:
        rows = self._connection().execute(
            "SELECT kit, part, quantity FROM kit_parts ORDER BY kit, position"
        )
        return kits_of(rows.fetchall())


class SqlitePurchaseOrders:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def add(self, order: PurchaseOrder) -> None:
        with writing(self._connection(), "purchase_orders") as conn:
            try:
                conn.execute(
                    "INSERT INTO purchase_orders"
                    " (id, node, supplier, state, created_at, version, record)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (
                        order.ident,
                        order.node,
                        order.supplier,
                        order.state.value,
                        order.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
                        json.dumps(purchase_order_record(order)),
                    ),
                )
            except sqlite3.IntegrityError:
                raise PurchaseOrderExists(order.ident) from None

    def get(self, ident: str) -> tuple[PurchaseOrder, int] | None:
        row = (
            self._connection()
            .execute("SELECT record, version FROM purchase_orders WHERE id = ?", (ident,))
            .fetchone()
        )
        return None if row is None else (purchase_order_from_record(json.loads(row[0])), row[1])

    def save(self, order: PurchaseOrder, version: int) -> bool:
        with writing(self._connection(), "purchase_orders") as conn:
            changed = conn.execute(
                "UPDATE purchase_orders SET state = ?, record = ?, version = version + 1"
                " WHERE id = ? AND version = ?",
                (order.state.value, json.dumps(purchase_order_record(order)), order.ident, version),
            )
            return changed.rowcount == 1

    def orders(self, state: PoState | None = None) -> list[PurchaseOrder]:
        rows = self._connection().execute(
            "SELECT record FROM purchase_orders WHERE ? IS NULL OR state = ?"
            " ORDER BY created_at DESC, id",
            (None if state is None else state.value,) * 2,
        )
        return [purchase_order_from_record(json.loads(row[0])) for row in rows]

    def waiting(self, node: str) -> list[PurchaseOrder]:
        rows = self._connection().execute(
            "SELECT record FROM purchase_orders WHERE node = ? AND state <> 'closed'"
            " AND json_array_length(record, '$.pending') > 0 ORDER BY id",
            (node,),
        )
        return [purchase_order_from_record(json.loads(row[0])) for row in rows]


class SqliteReorderPoints:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def put(self, point: ReorderPoint) -> None:
        with writing(self._connection(), "reorder_points") as conn:
            conn.execute(
                "INSERT INTO reorder_points (node, sku, point, target) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (node, sku) DO UPDATE SET point = excluded.point,"
                " target = excluded.target, alerted = 0",
                (point.node, point.sku, point.point, point.target),
            )

    def remove(self, node: str, sku: str) -> bool:
        with writing(self._connection(), "reorder_points") as conn:
            gone = conn.execute(
                "DELETE FROM reorder_points WHERE node = ? AND sku = ?", (node, sku)
            )
            return gone.rowcount > 0

    def points(self, node: str | None = None) -> list[ReorderPoint]:
        rows = self._connection().execute(
            "SELECT node, sku, point, target FROM reorder_points"
            " WHERE ? IS NULL OR node = ? ORDER BY node, sku",
            (node, node),
        )
        return [ReorderPoint(*row) for row in rows]

    def alerted(self) -> set[tuple[str, str]]:
        rows = self._connection().execute("SELECT node, sku FROM reorder_points WHERE alerted = 1")
        return {(node, sku) for node, sku in rows}

    def mark(self, alerted: Iterable[tuple[str, str]], cleared: Iterable[tuple[str, str]]) -> None:
        with writing(self._connection(), "reorder_points") as conn:
            for flag, keys in ((1, alerted), (0, cleared)):
                conn.executemany(
                    "UPDATE reorder_points SET alerted = ? WHERE node = ? AND sku = ?",
                    [(flag, node, sku) for node, sku in keys],
                )


class SqliteVat:
    def __init__(self, connection: Connect) -> None:
        self._connection = connection

    def settings(self) -> TaxSettings:
        row = (
            self._connection()
            .execute("SELECT mode, standard FROM tax_settings WHERE id = 1")
            .fetchone()
        )
        return (
            TaxSettings() if row is None else TaxSettings(PriceMode(row[0]), VatRate.parse(row[1]))
        )

    def put_settings(self, settings: TaxSettings) -> None:
        with writing(self._connection(), "vat") as conn:
            conn.execute(
                "INSERT INTO tax_settings (id, mode, standard) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET mode = excluded.mode,"
                " standard = excluded.standard",
                (settings.mode.value, str(settings.standard.percent)),
            )

    def rates(self) -> dict[str, VatRate]:
        rows = self._connection().execute("SELECT sku, rate FROM vat_rates ORDER BY sku")
        return {sku: VatRate.parse(rate) for sku, rate in rows}

    def put_rate(self, sku: str, rate: VatRate | None) -> None:
        with writing(self._connection(), "vat") as conn:
            if rate is None:
                conn.execute("DELETE FROM vat_rates WHERE sku = ?", (sku,))
                return
            conn.execute(
                "INSERT INTO vat_rates (sku, rate) VALUES (?, ?)"
                " ON CONFLICT (sku) DO UPDATE SET rate = excluded.rate",
                (sku, str(rate.percent)),
            )
