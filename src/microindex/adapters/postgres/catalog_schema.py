"""The catalog's filter keys on PostgreSQL, as on SQLite (adapters/sqlite/catalog_schema.py):
each product's title, SKU, category and brand folded, and the indexes that page by them."""

from __future__ import annotations

from microindex.adapters.postgres.connection import Connection
from microindex.service.ports import folded

PRODUCT_KEYS_MIGRATION = (
    134,
    "catalog: folded title, SKU, category and brand; indexes by category, brand and handle",
    """
    ALTER TABLE products ADD COLUMN title_key text NOT NULL DEFAULT '',
        ADD COLUMN sku_key text NOT NULL DEFAULT '',
        ADD COLUMN category_key text NOT NULL DEFAULT '',
        ADD COLUMN brand_key text NOT NULL DEFAULT '';
    CREATE INDEX products_by_category ON products (category_key, sku);
    CREATE INDEX products_by_brand ON products (brand_key, sku);
    CREATE INDEX products_by_handle ON products (handle, sku);
    """,
)
KEY_COLUMNS = ("title_key", "sku_key", "category_key", "brand_key")


def fill_product_keys(conn: Connection) -> None:
    """Fold the keys of the products already there (as Python folds them, not lower())."""
    rows = conn.execute("SELECT sku, title, category, brand FROM products").fetchall()
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE products SET title_key = %s, sku_key = %s, category_key = %s,"
            " brand_key = %s WHERE sku = %s",
            [(folded(t), folded(s), folded(c), folded(b), s) for s, t, c, b in rows],
        )
