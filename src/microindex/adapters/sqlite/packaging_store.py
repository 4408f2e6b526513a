"""Package templates and packages used, in a node's (or the hub's) SQLite file.

Each write runs in the caller's transaction when there is one (as a savepoint), else in its
own BEGIN IMMEDIATE transaction, so the store works alone or inside a unit of work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from microindex.domain.money import Money
from microindex.domain.packaging import PackageTemplate, PackageUsed
from microindex.domain.product import Size

_TEMPLATE_COLUMNS = (
    "code, name, inner_length_mm, inner_width_mm, inner_height_mm, max_weight_g, cost, currency,"
    " padding_mm, low_waste, tare_g"
)
_USED_COLUMNS = "order_ref, node, package_type, low_waste, weight_g, items, at"


class SqlitePackagingStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save_template(self, node: str, template: PackageTemplate) -> None:
        t = template
        with self._writing():
            self._conn.execute(
                f"INSERT OR REPLACE INTO package_templates (node, {_TEMPLATE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    node,
                    t.code,
                    t.name,
                    t.inner.length_mm,
                    t.inner.width_mm,
                    t.inner.height_mm,
                    t.max_weight_g,
                    str(t.cost.amount),
                    t.cost.currency,
                    t.padding_mm,
                    int(t.low_waste),
                    t.tare_g,
                ),
            )

    def templates(self, node: str) -> list[PackageTemplate]:
        rows = self._conn.execute(
            f"SELECT {_TEMPLATE_COLUMNS} FROM package_templates WHERE node = ? ORDER BY code",
            (node,),
        )
        return [_template(row) for row in rows]

    def record(self, used: PackageUsed) -> None:
        """Record the package an order used; packing the order again replaces the record."""
        with self._writing():
            self._conn.execute(
                f"INSERT OR REPLACE INTO packages_used ({_USED_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    used.order_ref,
                    used.node,
                    used.package_type,
                    int(used.low_waste),
                    used.weight_g,
                    used.items,
                    used.at.isoformat(),
                ),
            )

    def for_order(self, order_ref: str) -> PackageUsed | None:
        row = self._conn.execute(
            f"SELECT {_USED_COLUMNS} FROM packages_used WHERE order_ref = ?", (order_ref,)
        ).fetchone()
        return None if row is None else _used(row)

    def used(self, node: str | None = None) -> list[PackageUsed]:
        rows = self._conn.execute(
            f"SELECT {_USED_COLUMNS} FROM packages_used WHERE ?1 IS NULL OR node = ?1 "
            "ORDER BY at, order_ref",
            (node,),
        )
        return [_used(row) for row in rows]

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self._conn.in_transaction:
            self._conn.execute("SAVEPOINT packaging")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK TO packaging")
                self._conn.execute("RELEASE packaging")
                raise
            self._conn.execute("RELEASE packaging")
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")


def _used(row: tuple[str, str, str, int, int, int, str]) -> PackageUsed:
    order_ref, node, package_type, low_waste, weight_g, items, at = row
    return PackageUsed(
        order_ref, node, package_type, bool(low_waste), weight_g, items, datetime.fromisoformat(at)
    )


def _template(row: tuple[Any, ...]) -> PackageTemplate:
    code, name, length, width, height, max_weight, cost, currency, padding, low_waste, tare = row
    return PackageTemplate(
        code=code,
        name=name,
        inner=Size(length, width, height),
        max_weight_g=max_weight,
        cost=Money(Decimal(cost), currency),
        padding_mm=padding,
        low_waste=bool(low_waste),
        tare_g=tare,
    )
