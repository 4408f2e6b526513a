"""A catalog import staged in a TEMP table (`ports.CatalogStaging`) on PostgreSQL.

The rows go in by COPY, each batch in its own transaction that touches only the session's
temporary table, so no lock is held on the catalog while the file is read. The checks run in
SQL, and `merge` writes the products, then (under the outbox's lock, as every writer of it
does, see `PostgresOutbox`) one message each built by `jsonb_build_object` in the shape of
`records.product_record`, and commits once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Self

from microindex.adapters.postgres.catalog_schema import KEY_COLUMNS
from microindex.adapters.postgres.connection import Connection
from microindex.adapters.postgres.stores import PRODUCT_COLUMNS, PostgresMeta, product_row
from microindex.service.ports import ReadRow, Repeat, Taken

_WRITTEN = (*PRODUCT_COLUMNS, *KEY_COLUMNS)
_STAGED = ("line", "sku", "gtin", "good", *_WRITTEN[2:])
_CREATE = """
    CREATE TEMP TABLE staged_products (
        line integer PRIMARY KEY, sku text COLLATE "C", gtin text, good boolean NOT NULL,
        title text, description text, brand text, category text, attributes jsonb,
        price numeric, sale_price numeric, currency text, media jsonb, weight_g integer,
        size text, fragility text, limited_edition boolean, preorder_until date, tags jsonb,
        handle text, title_key text, sku_key text, category_key text, brand_key text
    )
"""
_PAYLOAD = """jsonb_build_object(
    'sku', sku, 'gtin', gtin, 'title', title, 'description', description, 'brand', brand,
    'category', category, 'attributes', attributes, 'price', price::text,
    'sale_price', sale_price::text, 'currency', currency, 'media', media,
    'weight_g', weight_g, 'size', size, 'fragility', fragility,
    'limited_edition', limited_edition, 'preorder_until', preorder_until::text,
    'tags', tags, 'handle', handle
)"""
_REPEATS = """
    SELECT s.line, '{what}'::text, s.{what}, f.first FROM staged_products AS s
    JOIN (SELECT {what}, min(line) AS first FROM staged_products
          WHERE {what} IS NOT NULL GROUP BY {what} HAVING count(*) > 1) AS f
      ON f.{what} = s.{what}
    WHERE s.line > f.first
"""


class PostgresStaging:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._indexed = False

    def __enter__(self) -> Self:
        self._conn.execute("DROP TABLE IF EXISTS pg_temp.staged_products")
        self._conn.execute(_CREATE)
        self._conn.commit()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn.closed or self._conn.broken:
            return
        self._conn.rollback()
        self._conn.execute("DROP TABLE IF EXISTS pg_temp.staged_products")
        self._conn.commit()

    def stage(self, rows: Sequence[ReadRow]) -> None:
        blank = (None,) * (len(_STAGED) - 4)
        command = f"COPY staged_products ({', '.join(_STAGED)}) FROM STDIN"
        with self._conn.cursor() as cur, cur.copy(command) as copy:
            for row in rows:
                staged: tuple[Any, ...] = (
                    (row.row, row.sku, row.gtin, True, *product_row(row.product)[2:])
                    if row.product is not None
                    else (row.row, row.sku, row.gtin, False, *blank)
                )
                copy.write_row(staged)
        self._conn.commit()

    def _index(self) -> None:
        if not self._indexed:
            self._conn.execute("CREATE INDEX ON staged_products (sku)")
            self._conn.execute("CREATE INDEX ON staged_products (gtin)")
            self._conn.execute("ANALYZE staged_products")
            self._conn.commit()
            self._indexed = True

    def repeats(self) -> list[Repeat]:
        self._index()
        query = f"{_REPEATS.format(what='sku')} UNION ALL {_REPEATS.format(what='gtin')}"
        rows = self._conn.execute(f"{query} ORDER BY 1, 2 DESC").fetchall()
        self._conn.commit()
        return [Repeat(row, what, key, first) for row, what, key, first in rows]

    def taken(self) -> list[Taken]:
        self._index()
        rows = self._conn.execute(
            "SELECT s.line, s.gtin, p.sku FROM staged_products AS s"
            " JOIN products AS p ON p.gtin = s.gtin"
            " WHERE s.good AND p.sku <> s.sku AND NOT EXISTS ("
            "   SELECT 1 FROM staged_products AS o WHERE o.sku = p.sku AND o.good)"
            " ORDER BY s.line"
        ).fetchall()
        self._conn.commit()
        return [Taken(row, gtin, owner) for row, gtin, owner in rows]

    def drop(self, rows: Collection[int]) -> None:
        self._conn.execute(
            "UPDATE staged_products SET good = false WHERE line = ANY(%s)", (sorted(rows),)
        )
        self._conn.commit()

    def merge(self, topic: str, at: datetime, note: tuple[str, str] | None) -> tuple[int, int]:
        conn = self._conn
        updates = ", ".join(f"{c} = excluded.{c}" for c in _WRITTEN[1:])
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("
            "   SELECT 1 FROM products AS p WHERE p.sku = s.sku))"
            " FROM staged_products AS s WHERE s.good"
        ).fetchone()
        staged, created = row if row is not None else (0, 0)
        conn.execute(  # a GTIN the file moves off a product is free for another row of it
            "UPDATE products SET gtin = NULL WHERE sku IN ("
            " SELECT p.sku FROM staged_products AS s JOIN products AS p USING (sku)"
            " WHERE s.good AND p.gtin IS NOT NULL AND p.gtin IS DISTINCT FROM s.gtin)"
        )
        conn.execute(
            f"INSERT INTO products ({', '.join(_WRITTEN)})"
            f" SELECT {', '.join(_WRITTEN)} FROM staged_products WHERE good ORDER BY line"
            f" ON CONFLICT (sku) DO UPDATE SET {updates}"
        )
        conn.execute("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE")
        conn.execute(
            "INSERT INTO outbox (topic, key, payload, created_at)"
            f" SELECT %s, sku, {_PAYLOAD}, %s FROM staged_products WHERE good ORDER BY line",
            (topic, at),
        )
        if note is not None:
            PostgresMeta(conn).put(*note)
        conn.commit()
        return int(created), int(staged) - int(created)
