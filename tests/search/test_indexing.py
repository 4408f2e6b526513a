from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import tantivy

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.search import schema
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.adapters.sqlite import stores as sqlite_stores
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.money import Money
from microindex.domain.search.request import Filters, SearchRequest
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.indexing import catch_up, rebuild
from microindex.service.records import product_from_record, product_record
from microindex.service.search import IndexEntry, SearchIndex, search
from microindex.service.stock import receive
from tests.sales import sell
from tests.search.conftest import CATALOG, product

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def in_stock(index: SearchIndex, node: str) -> set[str]:
    request = SearchRequest("", Filters(in_stock=True), limit=100)
    return {h.sku for h in search(index, request, node).hits}


def test_an_index_follows_a_nodes_sales_and_receipts() -> None:
    db = MemoryDatabase()
    import_products(db, ParsedCatalog(CATALOG), AT)
    index = TantivyIndex()
    assert catch_up(index, db, "shopfront") == len(CATALOG)  # first use builds it
    receive(db, "shopfront", "MUG-1", 2, AT)
    assert catch_up(index, db, "shopfront") == 1
    assert in_stock(index, "shopfront") == {"MUG-1"}
    sell(db, "shopfront", "MUG-1", 2, AT)
    catch_up(index, db, "shopfront")
    assert in_stock(index, "shopfront") == set()
    assert catch_up(index, db, "shopfront") == 0  # nothing new, nothing done


def test_catalog_changes_at_the_hub_reach_the_index() -> None:
    hub = MemoryDatabase()
    import_products(hub, ParsedCatalog(CATALOG[:2]), AT)
    index = TantivyIndex()
    catch_up(index, hub, None)
    renamed = product("MUG-2", "Ashby Espresso Cup", "6.00")
    import_products(hub, ParsedCatalog([renamed, CATALOG[2]]), AT)
    assert catch_up(index, hub, None) == 2
    assert [h.sku for h in search(index, SearchRequest("espresso "), None).hits] == ["MUG-2"]
    assert search(index, SearchRequest("porcelain "), None).total == 0


def test_a_nodes_catalog_copy_is_followed_by_what_the_index_holds() -> None:
    hub, node = MemoryDatabase(), MemoryDatabase()
    import_products(hub, ParsedCatalog(CATALOG[:3]), AT)
    pull_catalog(hub, node)
    index = TantivyIndex()
    catch_up(index, node, "van")
    import_products(hub, ParsedCatalog([product("RUG-9", "Sisal Runner Rug")]), AT)
    pull_catalog(hub, node)
    assert catch_up(index, node, "van") == 1
    assert search(index, SearchRequest("sisal "), "van").total == 1


def test_rebuild_gives_the_same_answers_as_keeping_up(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "shopfront.sqlite")
    db.migrate()
    import_products(db, ParsedCatalog(CATALOG), AT)
    kept = TantivyIndex(tmp_path / "kept")
    catch_up(kept, db, "shopfront")
    receive(db, "shopfront", "LMP-1", 3, AT)
    receive(db, "shopfront", "RUG-1", 1, AT)
    sell(db, "shopfront", "RUG-1", 1, AT)
    catch_up(kept, db, "shopfront")
    fresh = TantivyIndex()
    rebuild(fresh, db, "shopfront")
    assert in_stock(kept, "shopfront") == in_stock(fresh, "shopfront") == {"LMP-1"}
    assert kept.marks() == fresh.marks()
    db.close()


def test_marks_survive_reopening_so_work_is_not_repeated(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "hub.sqlite")
    db.migrate()
    import_products(db, ParsedCatalog(CATALOG), AT)
    catch_up(TantivyIndex(tmp_path / "ix"), db, None)
    reopened = TantivyIndex(tmp_path / "ix")
    assert catch_up(reopened, db, None) == 0
    assert search(reopened, SearchRequest("jute "), None).total == 1
    db.close()


def test_an_index_kept_on_an_older_schema_is_built_again_when_opened(tmp_path: Path) -> None:
    db = MemoryDatabase()
    import_products(db, ParsedCatalog(CATALOG), AT)
    older = tmp_path / "index" / f"v{int(schema.SCHEMA_VERSION) - 1}"  # the name schema 5 had
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True)
    older.mkdir(parents=True)
    tantivy.Index(builder.build(), path=str(older))
    (older / "marks.json").write_text(json.dumps({"built": "1", "generation": 4}))
    index = TantivyIndex(tmp_path / "index")
    assert catch_up(index, db, "shopfront") == len(CATALOG)  # built, its marks not trusted
    assert [h.sku for h in search(index, SearchRequest("sofa"), "shopfront").hits] == ["SOF-1"]
    assert [p.name for p in (tmp_path / "index").iterdir()] == [schema.schema_stamp()]


def test_an_index_written_by_another_python_is_built_again_rather_than_read(
    tmp_path: Path,
) -> None:
    stamps = {
        schema.schema_stamp((3, 11), 4),
        schema.schema_stamp((3, 12), 4),
        schema.schema_stamp((4, 11), 4),
        schema.schema_stamp((3, 11), 5),
    }
    assert len(stamps) == 4  # each Python minor and marshal version has a directory of its own
    db = MemoryDatabase()
    import_products(db, ParsedCatalog(CATALOG), AT)
    built = TantivyIndex(tmp_path / "index")
    assert catch_up(built, db, "shopfront") == len(CATALOG)
    built.close()
    # The same index as another Python left it: its stored data is in that Python's marshal.
    (tmp_path / "index" / schema.schema_stamp()).rename(
        tmp_path / "index" / schema.schema_stamp((3, 0), 0)
    )
    index = TantivyIndex(tmp_path / "index")
    assert catch_up(index, db, "shopfront") == len(CATALOG)  # built again, not read
    assert [h.sku for h in search(index, SearchRequest("sofa"), "shopfront").hits] == ["SOF-1"]
    assert [p.name for p in (tmp_path / "index").iterdir()] == [schema.schema_stamp()]


def test_an_index_finds_the_products_whose_documents_hold_other_values() -> None:
    index = TantivyIndex()
    index.upsert([IndexEntry.of(p, {}) for p in CATALOG])
    index.commit({})
    mug = CATALOG[0]
    copy = product_from_record(json.loads(json.dumps(product_record(mug))))  # new strings
    assert copy == mug and index.differing([copy, *CATALOG[1:]]) == set()
    renamed = replace(mug, title=mug.brand, brand=mug.title)
    on_sale = replace(mug, sale_price=Money(Decimal("9.00"), "GBP"))
    assert index.differing([renamed, *CATALOG[1:]]) == {"MUG-1"}
    assert index.differing([on_sale, *CATALOG[1:]]) == {"MUG-1"}
    assert index.differing([*CATALOG[1:], product("NEW-1", "New Mug")]) == {"MUG-1", "NEW-1"}
    # What no document holds (a handle, the media) needs no new one.
    assert index.differing([replace(mug, handle="mug", media=("a.jpg",)), *CATALOG[1:]]) == set()


def test_a_rebuild_reads_values_from_the_rows_and_makes_no_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build reads each product's searched values straight from its row (ADR 0043); the
    index then holds what `differing` compares with the catalog's products: nothing differs."""
    db = SqliteDatabase(tmp_path / "hub.sqlite")
    db.migrate()
    import_products(db, ParsedCatalog(CATALOG), AT)
    index = TantivyIndex(tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(sqlite_stores, "_stored", _no_product)
        assert rebuild(index, db, None) == len(CATALOG)
    with db.reading() as uow:
        assert index.differing(uow.catalog.all()) == set()
    assert search(index, SearchRequest("navy mug"), None).hits[0].sku == "MUG-1"
    db.close()


def _no_product(row: object) -> None:
    raise AssertionError("a Product was made for the build")
