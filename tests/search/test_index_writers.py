"""One search index directory, several processes (hub workers, a node agent, a CLI search):
one writer at a time, each starting from the last commit; a reader never fails on the
writer's lock, it waits for it or reads the last commit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.indexing import IndexBehind, catch_up, holding_every_commit
from microindex.service.stock import receive
from tests.search.conftest import CATALOG
from tests.search.test_indexing import in_stock

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

# Another process takes the writer, writes without committing (tantivy's own writer lock is
# held too), says so, and keeps it until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from microindex.adapters.search.tantivy_index import TantivyIndex
index = TantivyIndex(Path(sys.argv[1]))
with index.writing() as writer:
    assert writer
    index.delete(["MUG-1"])
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def node_db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    db = SqliteDatabase(tmp_path / "shopfront.sqlite")
    db.migrate()
    import_products(db, ParsedCatalog(CATALOG), AT)
    yield db
    db.close()


def test_two_handles_on_one_directory_take_turns_and_each_reads_the_others_commit(
    tmp_path: Path, node_db: SqliteDatabase
) -> None:
    first, second = TantivyIndex(tmp_path / "ix"), TantivyIndex(tmp_path / "ix")
    assert catch_up(first, node_db, "shopfront") == len(CATALOG)
    receive(node_db, "shopfront", "MUG-1", 2, AT)
    assert catch_up(second, node_db, "shopfront") == 1  # from first's commit, not from scratch
    assert catch_up(first, node_db, "shopfront") == 0  # second's commit is loaded
    assert in_stock(first, "shopfront") == in_stock(second, "shopfront") == {"MUG-1"}


def test_a_search_while_another_process_holds_the_writer_reads_the_last_commit(
    tmp_path: Path, node_db: SqliteDatabase
) -> None:
    catch_up(TantivyIndex(tmp_path / "ix"), node_db, "shopfront")
    receive(node_db, "shopfront", "LMP-1", 3, AT)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "ix")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        reader = TantivyIndex(tmp_path / "ix", wait_s=0.3)
        assert catch_up(reader, node_db, "shopfront") == 0  # no LockBusy: the last commit
        assert in_stock(reader, "shopfront") == set()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
        holder.stdout.close()  # type: ignore[union-attr]
    assert catch_up(reader, node_db, "shopfront") == 1  # its turn now
    assert in_stock(reader, "shopfront") == {"LMP-1"}
    assert {h for h in in_stock(TantivyIndex(tmp_path / "ix"), "shopfront")} == {"LMP-1"}


def test_a_cli_search_never_reads_a_commit_behind_its_own_while_another_process_writes(
    tmp_path: Path, node_db: SqliteDatabase
) -> None:
    """`search find` first brings the index up to every commit made before it: when another
    process keeps the writer through its waits, it says the index is behind instead."""
    catch_up(TantivyIndex(tmp_path / "ix"), node_db, "shopfront")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "ix")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        reader = TantivyIndex(tmp_path / "ix", wait_s=0.1)
        holding_every_commit(reader, node_db, "shopfront")  # nothing new: its last commit
        receive(node_db, "shopfront", "LMP-1", 3, AT)
        with pytest.raises(IndexBehind):
            holding_every_commit(reader, node_db, "shopfront", tries=2)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
        holder.stdout.close()  # type: ignore[union-attr]
    holding_every_commit(reader, node_db, "shopfront")  # its turn now
    assert in_stock(reader, "shopfront") == {"LMP-1"}
