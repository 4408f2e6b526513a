"""A hub process keeps at most its pool's connections open to PostgreSQL, however many threads
work: a thread beyond them waits for one rather than the server refusing it ("too many clients
already"), and an HTTP request's connection goes back when the request ends, not when its
worker thread does (worker threads live on)."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from microindex.adapters.postgres.connection import configure
from microindex.adapters.postgres.pool import ConnectionPool, PoolExhausted, connection_scope
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.settings import HUB_CONNECTIONS, Settings

pytestmark = pytest.mark.postgres
SIZE, THREADS = 3, 12


def _work(database: PostgresDatabase, seen: list[int], guard: threading.Lock) -> int:
    """A unit of work that holds its connection a moment; the server process it ran on."""
    with database() as uow:
        row = database.connection().execute("SELECT pg_backend_pid(), pg_sleep(0.05)").fetchone()
        uow.commit()
    assert row is not None
    with guard:
        seen.append(int(row[0]))
    return int(row[0])


def _server_connections(database: PostgresDatabase, pids: set[int]) -> int:
    with database():
        rows = database.connection().execute("SELECT pid FROM pg_stat_activity").fetchall()
    return len(pids & {int(pid) for (pid,) in rows})


def test_threads_beyond_the_pool_wait_for_a_connection_and_all_succeed(
    postgres_url: str, postgres_schema: str
) -> None:
    database = PostgresDatabase(postgres_url, postgres_schema, connections=SIZE)
    seen: list[int] = []
    guard = threading.Lock()
    try:
        threads = [
            threading.Thread(target=_work, args=(database, seen, guard)) for _ in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(seen) == THREADS  # every one did its work
        assert len(set(seen)) <= SIZE  # on the pool's connections, not one per thread
        assert database.pool.opened <= SIZE
        assert _server_connections(database, set(seen)) <= SIZE
    finally:
        database.close()


def test_a_request_gives_its_connection_back_while_its_worker_thread_lives_on(
    postgres_url: str, postgres_schema: str
) -> None:
    """As uvicorn's worker threads: a few long-lived threads run many requests, each in its
    own scope; more requests at once than connections wait, and all succeed."""
    database = PostgresDatabase(postgres_url, postgres_schema, connections=SIZE)
    seen: list[int] = []
    guard = threading.Lock()

    def request() -> int:
        with connection_scope():
            return _work(database, seen, guard)

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as workers:
            done = list(workers.map(lambda _: request(), range(4 * THREADS)))
        assert len(done) == 4 * THREADS
        assert len(set(seen)) <= SIZE
        assert database.pool.opened <= SIZE
    finally:
        database.close()


def test_the_pool_size_is_a_setting_read_once(tmp_path: Path) -> None:
    assert Settings.load(tmp_path, {}).hub_connections == HUB_CONNECTIONS
    (tmp_path / "microindex.toml").write_text("hub_connections = 8\n")
    assert Settings.load(tmp_path, {}).hub_connections == 8
    said = {"MICROINDEX_HUB_CONNECTIONS": "5"}
    assert Settings.load(tmp_path, said).hub_connections == 5
    assert "hub_connections = 8" in Settings(tmp_path, hub_connections=8).to_toml()


def test_a_holder_beyond_the_pool_past_its_wait_is_told_which_setting_to_raise(
    postgres_url: str, postgres_schema: str
) -> None:
    pool = ConnectionPool(postgres_url, lambda conn: configure(conn, postgres_schema), 1, 0.3)
    try:
        held = pool.take()
        failed: list[BaseException] = []
        waiting = threading.Thread(target=lambda: _take_or_keep(pool, failed))
        waiting.start()
        waiting.join(30)
        assert [type(e) for e in failed] == [PoolExhausted]
        assert "raise hub_connections in microindex.toml" in str(failed[0])
        pool.give_back(held)
        pool.give_back(held)  # once only
        assert pool.take() is held  # the one given back, not a new one
    finally:
        pool.close()


def _take_or_keep(pool: ConnectionPool, failed: list[BaseException]) -> None:
    try:
        pool.take()
    except PoolExhausted as e:
        failed.append(e)


def test_a_server_that_refuses_connections_is_said_at_once_not_after_the_wait() -> None:
    """A wrong port (or a server down): the server's refusal, not `PoolExhausted` after
    `wait_s` (the pool's own attempts go on in the background)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    pool = ConnectionPool(f"postgresql://postgres@127.0.0.1:{port}/test", lambda conn: None, 2)
    try:
        with pytest.raises(psycopg.OperationalError, match="refused") as refused:
            pool.take()
        assert not isinstance(refused.value, PoolExhausted)
    finally:
        pool.close()


def test_a_closed_database_opens_new_connections_when_used_again(
    postgres_url: str, postgres_schema: str
) -> None:
    database = PostgresDatabase(postgres_url, postgres_schema, connections=SIZE)
    try:
        first = database.connection()
        database.close()
        assert first.closed  # leased ones too
        assert database.pool.opened == 0
        with database() as uow:
            assert database.connection().execute("SELECT 1").fetchone() == (1,)
            uow.commit()
        assert database.connection() is not first
    finally:
        database.close()
