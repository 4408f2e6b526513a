"""A hub process opens a node's database from several threads at once (a sync push reading the
node's stock targets beside the low-stock timer): the first use creates and migrates the file
once, and every thread gets it, instead of two migrations racing ("duplicate column name",
"index ... already exists" answered as a 500 to the node's push)."""

from __future__ import annotations

import threading
from pathlib import Path

from microindex.bootstrap import bootstrap
from microindex.settings import Settings

THREADS, NODES = 8, 6


def test_threads_opening_a_new_node_at_once_share_one_migrated_database(tmp_path: Path) -> None:
    ws = bootstrap(Settings(tmp_path))
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    opened: list[tuple[str, int]] = []
    guard = threading.Lock()

    def open_all() -> None:
        start.wait()
        for i in range(NODES):
            try:
                database = ws.node(f"n{i}")
            except BaseException as error:  # noqa: BLE001 - what the test reports
                with guard:
                    failures.append(error)
            else:
                with guard:
                    opened.append((f"n{i}", id(database)))

    try:
        threads = [threading.Thread(target=open_all) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
        assert len(opened) == THREADS * NODES
        assert len(set(opened)) == NODES  # one database a node, the same for every thread
    finally:
        ws.close()
