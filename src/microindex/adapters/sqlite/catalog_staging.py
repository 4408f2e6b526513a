"""A catalog import staged in a TEMP table (`ports.CatalogStaging`) on the hub's connection.

A TEMP table lives in the connection's own temporary database, so staging a file takes no
lock on the hub's file: API reads and other writers go on while it is read. The checks run
in SQL on the staged rows, and `merge` writes the products and one outbox message each (its
JSON made by SQLite from the staged columns, the shape of `records.product_record`) in one
BEGIN IMMEDIATE transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Self

from microindex.adapters.sqlite.catalog_schema import KEY_COLUMNS
from microindex.adapters.sqlite.stores import PRODUCT_COLUMNS, SqliteMeta, product_row
from microindex.service.ports import ReadRow, Repeat, Taken

_WRITTEN = (*PRODUCT_COLUMNS, *KEY_COLUMNS)
_STAGED = ("line", "sku", "gtin", "good", *_WRITTEN[2:])  # sku and gtin are the row's keys
_CREATE = f"""
    CREATE TEMP TABLE staged_products (
        line INTEGER PRIMARY KEY, good INTEGER NOT NULL,
        {", ".join(column for column in _STAGED if column not in ("line", "good"))}
    )
"""
_PAYLOAD = """json_object(
    'sku', sku, 'gtin', gtin, 'title', title, 'description', description, 'brand', brand,
    'category', category, 'attributes', json(attributes), 'price', price,
    'sale_price', sale_price, 'currency', currency, 'media', json(media), 'weight_g', weight_g,
    'size', size, 'fragility', fragility,
    'limited_edition', json(CASE WHEN limited_edition THEN 'true' ELSE 'false' END),
    'preorder_until', preorder_until, 'tags', json(tags), 'handle', handle
)"""
_REPEATS = """
    SELECT s.line, '{what}', s.{what}, f.first FROM temp.staged_products AS s
    JOIN (SELECT {what}, min(line) AS first FROM temp.staged_products
          WHERE {what} IS NOT NULL GROUP BY {what} HAVING count(*) > 1) AS f
      ON f.{what} = s.{what}
    WHERE s.line > f.first
"""


# The merge's page cache, in KiB (negative: SQLite's unit for a size): the products' indexes
# by category, brand and handle take rows in no order, and with the default 2 MB each insert
# evicted pages the next one read back (the merge of 100,000 rows took 1.1-1.2 s of CPU, 0.5
# with this). A bound, not a share of the file: memory stays flat however long the file.
MERGE_CACHE = -16384


class SqliteStaging:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._indexed = False
        self._cache = 0

    def __enter__(self) -> Self:
        self._cache = self._conn.execute("PRAGMA main.cache_size").fetchone()[0]
        self._conn.execute(f"PRAGMA main.cache_size = {MERGE_CACHE}")
        self._conn.execute("PRAGMA temp.journal_mode = OFF")  # what is staged is thrown away
        self._conn.execute("DROP TABLE IF EXISTS temp.staged_products")
        self._conn.execute(_CREATE)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._conn.execute("DROP TABLE IF EXISTS temp.staged_products")
        self._conn.execute(f"PRAGMA main.cache_size = {int(self._cache)}")

    def stage(self, rows: Sequence[ReadRow]) -> None:
        blank = (None,) * (len(_STAGED) - 4)
        staged: list[tuple[Any, ...]] = [
            (row.row, row.sku, row.gtin, 1, *product_row(row.product)[2:])
            if row.product is not None
            else (row.row, row.sku, row.gtin, 0, *blank)
            for row in rows
        ]
        marks = ", ".join("?" * len(_STAGED))
        self._conn.execute("BEGIN")  # the temporary database only: no lock on the hub's file
        self._conn.executemany(
            f"INSERT INTO temp.staged_products ({', '.join(_STAGED)}) VALUES ({marks})", staged
        )
        self._conn.execute("COMMIT")

    def _index(self) -> None:
        if not self._indexed:
            self._conn.execute("CREATE INDEX temp.staged_by_sku ON staged_products (sku)")
            self._conn.execute("CREATE INDEX temp.staged_by_gtin ON staged_products (gtin)")
            self._indexed = True

    def repeats(self) -> list[Repeat]:
        self._index()
        query = f"{_REPEATS.format(what='sku')} UNION ALL {_REPEATS.format(what='gtin')}"
        rows = self._conn.execute(f"{query} ORDER BY 1, 2 DESC").fetchall()
        return [Repeat(row, what, key, first) for row, what, key, first in rows]

    def taken(self) -> list[Taken]:
        self._index()
        rows = self._conn.execute(
            "SELECT s.line, s.gtin, p.sku FROM temp.staged_products AS s"
            " JOIN main.products AS p ON p.gtin = s.gtin"
            " WHERE s.good AND p.sku <> s.sku AND NOT EXISTS ("
            "   SELECT 1 FROM temp.staged_products AS o WHERE o.sku = p.sku AND o.good)"
            " ORDER BY s.line"
        ).fetchall()
        return [Taken(row, gtin, owner) for row, gtin, owner in rows]

    def drop(self, rows: Collection[int]) -> None:
        self._conn.executemany(
            "UPDATE temp.staged_products SET good = 0 WHERE line = ?", [(r,) for r in rows]
        )

    def merge(self, topic: str, at: datetime, note: tuple[str, str] | None) -> tuple[int, int]:
        conn = self._conn
        updates = ", ".join(f"{c} = excluded.{c}" for c in _WRITTEN[1:])
        conn.execute("BEGIN IMMEDIATE")
        (staged, created) = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("
            "   SELECT 1 FROM main.products AS p WHERE p.sku = s.sku))"
            " FROM temp.staged_products AS s WHERE s.good"
        ).fetchone()
        conn.execute(  # a GTIN the file moves off a product is free for another row of it
            "UPDATE main.products SET gtin = NULL WHERE sku IN ("
            " SELECT p.sku FROM temp.staged_products AS s JOIN main.products AS p USING (sku)"
            " WHERE s.good AND p.gtin IS NOT NULL AND p.gtin IS NOT s.gtin)"
        )
        conn.execute(
            f"INSERT INTO main.products ({', '.join(_WRITTEN)})"
            f" SELECT {', '.join(_WRITTEN)} FROM temp.staged_products WHERE good ORDER BY line"
            f" ON CONFLICT (sku) DO UPDATE SET {updates}"
        )
        conn.execute(
            "INSERT INTO main.outbox (topic, key, payload, created_at)"
            f" SELECT ?, sku, {_PAYLOAD}, ? FROM temp.staged_products WHERE good ORDER BY line",
            (topic, at.isoformat()),
        )
        if note is not None:
            SqliteMeta(conn).put(*note)
        conn.execute("COMMIT")
        return int(created), int(staged) - int(created)
