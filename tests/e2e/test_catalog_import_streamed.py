"""`catalog import` streams the file a batch at a time in one transaction: a bad row near the
end, after many batches were written, still leaves the catalog (and what nodes will be sent)
exactly as it was, and the refusal names the row; the same file corrected then imports whole.
Run through the CLI on both hubs, with a generated catalog and hostile strings of our own."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bench.catalog import generate
from typer.testing import CliRunner

from microindex.adapters.csvio import write_plain
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.entrypoints.cli.app import app
from microindex.service.catalog import IMPORT_BATCH
from tests.clock import on_demo_day

runner = CliRunner()
HOSTILE = ("=SUM(A1:A9)", "<!-- x -->", "Mug (blue) (large)", "Bell\x07and\ttab", "ÉCLAT ẞ")


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def catalog_file(path: Path, products: list[Product]) -> list[str]:
    stream = io.BytesIO()
    write_plain(products, stream)
    path.write_bytes(stream.getvalue())
    return stream.getvalue().decode().splitlines()


def hub_state(ws: Path, hub_url: str | None) -> tuple[list[Any], int]:
    """Every product row as stored, and how many outbox messages the nodes will be sent."""
    products = "SELECT * FROM products ORDER BY sku"
    outbox = "SELECT count(*) FROM outbox"
    if hub_url is not None:
        with psycopg.connect(hub_url) as pg:
            rows = pg.execute(products).fetchall()
            sent = pg.execute(outbox).fetchone()
        return rows, int(sent[0]) if sent else 0
    with closing(sqlite3.connect(ws / "hub.sqlite")) as db:
        return db.execute(products).fetchall(), int(db.execute(outbox).fetchone()[0])


def products(count: int, seed: int) -> list[Product]:
    made = generate(count, seed=seed)
    for i, title in enumerate(HOSTILE):  # a second vocabulary, in the first batch
        made[i] = replace(made[i], title=f"{title} {i}", brand=title, category=title)
    made.append(Product(Sku("ZZ-LONG"), "Long title " * 13, Money(Decimal("1.00"), "GBP")))
    return made


def test_a_bad_row_near_the_end_changes_nothing_and_is_named(
    tmp_path: Path, hub_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hub_url is not None:
        monkeypatch.setenv("MICROINDEX_HUB_URL", hub_url)
    ws = tmp_path / "ws"
    cli(ws, "init")
    first = tmp_path / "first.csv"
    known = products(300, seed=1)
    catalog_file(first, known)
    cli(ws, "catalog", "import", str(first))
    before = hub_state(ws, hub_url)
    assert len(before[0]) == 301

    renamed = [replace(p, title=p.title[:140] + " v2") for p in known[:150]]
    new = generate(3 * IMPORT_BATCH + 200, seed=2)
    later = renamed + [replace(p, sku=Sku(f"NEW-{i:05d}"), gtin=None) for i, p in enumerate(new)]
    good = tmp_path / "good.csv"
    lines = catalog_file(good, later)
    rows = list(csv.reader(lines))
    assert len(rows) == len(lines)  # one line per row: line numbers are row numbers
    bad_line = len(rows) - 3  # the header is line 1; batches before it were written
    rows[bad_line - 1][rows[0].index("price")] = "12,5x"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as text:
        csv.writer(text).writerows(rows)

    out = cli(ws, "catalog", "import", str(bad), ok=False)
    assert "nothing changed" in out and f"row {bad_line}, column 'price'" in out, out
    assert hub_state(ws, hub_url) == before

    out = cli(ws, "catalog", "import", str(good))
    skus_before = {row[0] for row in before[0]}
    updated = len(skus_before & {p.sku.value for p in later})
    assert f"imported {len(later) - updated} new and {updated} updated" in out, out
    after = hub_state(ws, hub_url)
    assert len(after[0]) == len(skus_before | {p.sku.value for p in later})
    assert after[1] == before[1] + len(later)


def test_a_gtin_the_catalog_gives_another_product_is_a_named_row(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli(ws, "init")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    known = generate(50, seed=3)
    catalog_file(first, known)
    cli(ws, "catalog", "import", str(first))
    before = hub_state(ws, None)
    thief = replace(known[7], sku=Sku("ZZ-THIEF"))  # another SKU, the same GTIN
    catalog_file(second, [*known[:7], *known[8:20], thief])  # the thief on row 21
    out = cli(ws, "catalog", "import", str(second), ok=False)
    assert "row 21, column 'gtin': already the GTIN of SKU" in out and known[7].sku.value in out
    assert hub_state(ws, None) == before
    out = cli(ws, "catalog", "import", str(second), "--skip-bad-rows")
    assert "imported 0 new and 19 updated" in out and "skipped" in out and "row 21" in out
