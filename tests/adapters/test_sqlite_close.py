"""Closing a SQLite database while another thread works in it (the search index's background
catch-up reading the hub as a test or `serve` shuts down) must not pull the connection from
under that thread: closing it there crashed the process with a segmentation fault."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase

COUNT_TO = 1_000_000  # long enough that the close lands while the query runs


def test_a_unit_of_work_in_another_thread_finishes_when_the_database_closes(
    tmp_path: Path,
) -> None:
    database = SqliteDatabase(tmp_path / "hub.sqlite")
    database.migrate()
    started = threading.Event()
    results: list[int] = []
    failures: list[sqlite3.Error] = []

    def work() -> None:
        try:
            with database():
                conn = database.connection()  # the one this unit of work runs on
                started.set()
                row = conn.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                    " SELECT count(*) FROM n",
                    (COUNT_TO,),
                ).fetchone()
                results.append(row[0])
        except sqlite3.Error as error:  # the worker must not see its connection closed
            failures.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    started.wait(10)
    database.close()
    worker.join(60)
    assert failures == []
    assert results == [COUNT_TO]
    with database() as uow:  # opened again on the next unit of work
        assert uow is not None
    database.close()
