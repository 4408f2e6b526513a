"""The catalog's filter keys: each product's title, SKU, category and brand folded (see
`service.ports.folded`), and the indexes that list, filter and page the catalog by them."""

from __future__ import annotations

import sqlite3

from microindex.service.ports import folded

PRODUCT_KEYS_MIGRATION = (
    134,
    "catalog: folded title, SKU, category and brand; indexes by category, brand and handle",
    """
    ALTER TABLE products ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE products ADD COLUMN sku_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE products ADD COLUMN category_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE products ADD COLUMN brand_key TEXT NOT NULL DEFAULT '';
    CREATE INDEX products_by_category ON products (category_key, sku);
    CREATE INDEX products_by_brand ON products (brand_key, sku);
    CREATE INDEX products_by_handle ON products (handle, sku);
    """,
)
KEY_COLUMNS = ("title_key", "sku_key", "category_key", "brand_key")


def fill_product_keys(conn: sqlite3.Connection) -> None:
    """Fold the keys of the products already there (SQLite's lower() knows ASCII only)."""
    rows = conn.execute("SELECT sku, title, category, brand FROM products").fetchall()
    conn.executemany(
        "UPDATE products SET title_key = ?, sku_key = ?, category_key = ?, brand_key = ?"
        " WHERE sku = ?",
        [(folded(t), folded(s), folded(c), folded(b), s) for s, t, c, b in rows],
    )
