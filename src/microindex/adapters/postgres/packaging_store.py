"""Package templates and packages used in the hub's PostgreSQL database (migration 120).

As the SQLite store: each write runs in the caller's transaction when there is one (as a
savepoint), else in its own; a read outside a transaction ends the one it opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg.pq import TransactionStatus

from microindex.adapters.postgres.connection import Connection
from microindex.domain.money import Money
from microindex.domain.packaging import PackageTemplate, PackageUsed
from microindex.domain.product import Size

_TEMPLATE_COLUMNS = (
    "code, name, inner_length_mm, inner_width_mm, inner_height_mm, max_weight_g, cost, currency,"
    " padding_mm, low_waste, tare_g"
)
_USED_COLUMNS = "order_ref, node, package_type, low_waste, weight_g, items, at"


class PostgresPackagingStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save_template(self, node: str, template: PackageTemplate) -> None:
        t = template
        with self._conn.transaction():
            self._conn.execute(
                f"INSERT INTO package_templates (node, {_TEMPLATE_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (node, code) DO UPDATE SET (name, inner_length_mm,"
                " inner_width_mm, inner_height_mm, max_weight_g, cost, currency, padding_mm,"
                " low_waste, tare_g) = (excluded.name, excluded.inner_length_mm,"
                " excluded.inner_width_mm, excluded.inner_height_mm, excluded.max_weight_g,"
                " excluded.cost, excluded.currency, excluded.padding_mm, excluded.low_waste,"
                " excluded.tare_g)",
                (
                    node,
                    t.code,
                    t.name,
                    t.inner.length_mm,
                    t.inner.width_mm,
                    t.inner.height_mm,
                    t.max_weight_g,
                    t.cost.amount,
                    t.cost.currency,
                    t.padding_mm,
                    t.low_waste,
                    t.tare_g,
                ),
            )

    def templates(self, node: str) -> list[PackageTemplate]:
        with self._reading():
            rows = self._conn.execute(
                f"SELECT {_TEMPLATE_COLUMNS} FROM package_templates WHERE node = %s ORDER BY code",
                (node,),
            ).fetchall()
        return [_template(row) for row in rows]

    def record(self, used: PackageUsed) -> None:
        """Record the package an order used; packing the order again replaces the record."""
        with self._conn.transaction():
            self._conn.execute(
                f"INSERT INTO packages_used ({_USED_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (order_ref) DO UPDATE SET"
                " (node, package_type, low_waste, weight_g, items, at) = (excluded.node,"
                " excluded.package_type, excluded.low_waste, excluded.weight_g, excluded.items,"
                " excluded.at)",
                (
                    used.order_ref,
                    used.node,
                    used.package_type,
                    used.low_waste,
                    used.weight_g,
                    used.items,
                    used.at,
                ),
            )

    def for_order(self, order_ref: str) -> PackageUsed | None:
        with self._reading():
            row = self._conn.execute(
                f"SELECT {_USED_COLUMNS} FROM packages_used WHERE order_ref = %s", (order_ref,)
            ).fetchone()
        return None if row is None else PackageUsed(*row)

    def used(self, node: str | None = None) -> list[PackageUsed]:
        with self._reading():
            rows = self._conn.execute(
                f"SELECT {_USED_COLUMNS} FROM packages_used"
                " WHERE %(node)s::text IS NULL OR node = %(node)s ORDER BY at, order_ref",
                {"node": node},
            ).fetchall()
        return [PackageUsed(*row) for row in rows]

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read outside any transaction is not left holding the one it opens."""
        alone = self._conn.info.transaction_status == TransactionStatus.IDLE
        try:
            yield
        finally:
            if alone:
                self._conn.rollback()


def _template(row: tuple[Any, ...]) -> PackageTemplate:
    code, name, length, width, height, max_weight, cost, currency, padding, low_waste, tare = row
    return PackageTemplate(
        code=code,
        name=name,
        inner=Size(length, width, height),
        max_weight_g=max_weight,
        cost=Money(cost, currency),
        padding_mm=padding,
        low_waste=low_waste,
        tare_g=tare,
    )
