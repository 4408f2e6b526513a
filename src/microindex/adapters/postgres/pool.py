"""A bounded pool of a hub process's PostgreSQL connections, and who holds one.

A unit of work runs on the connection its holder leased: within an HTTP request (a
`connection_scope`, which every worker thread the request's work runs in sees through its
context), the request's, given back when the response is sent; elsewhere (the CLI, timers,
the node agent's loop), its thread's, given back when the thread ends or the database closes.
At most `size` connections are open per database (psycopg's own pool, `psycopg_pool`): a
holder beyond them waits for one to be given back (up to `wait_s`, then `PoolExhausted`),
rather than the server refusing it ("too many clients already") once every worker thread that
ever ran kept its own.

Only the standard library at import: the HTTP app sets the scope without importing psycopg.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg_pool

    from microindex.adapters.postgres.connection import Connection

DEFAULT_SIZE = 20  # per hub process (`hub_connections` in microindex.toml)
DEFAULT_WAIT_S = 120.0
KEPT_OPEN = 1  # connections kept open while idle (up to `size` while in use)
LOOK_S = 1.0  # how often a holder that waits looks whether the server refuses connections


class PoolExhausted(Exception):
    """Every connection stayed in use for as long as a holder may wait."""

    def __init__(self, size: int, waited_s: float) -> None:
        super().__init__(
            f"all {size} hub database connections stayed in use for {waited_s:.0f} s; try"
            " again, or raise hub_connections in microindex.toml (within the server's"
            " max_connections)"
        )


class ConnectionPool:
    """At most `size` open connections to `url`, opened in autocommit and set up by
    `configure` (as `connection.connect` does): a `psycopg_pool.ConnectionPool`, opened at
    first use and made afresh after `close`, and which of its connections are leased."""

    def __init__(
        self,
        url: str,
        configure: Callable[[Connection], None],
        size: int = DEFAULT_SIZE,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool of {size} connections")
        self.url, self.size, self.wait_s = url, size, wait_s
        self._configure = configure
        self._pool: psycopg_pool.ConnectionPool[Connection] | None = None
        self._leased: dict[int, tuple[psycopg_pool.ConnectionPool[Connection], Connection]] = {}
        self._guard = threading.Lock()

    @property
    def opened(self) -> int:
        """Connections open (leased or idle) or being opened."""
        pool = self._pool
        return 0 if pool is None else pool.get_stats()["pool_size"]

    def take(self) -> Connection:
        """An idle connection, a new one while fewer than `size` are open, else the next one
        given back (waiting up to `wait_s`). When none is leased and the pool cannot connect,
        the server's refusal (a wrong URL, the server down) at once, not after `wait_s`."""
        from psycopg_pool import PoolClosed, PoolTimeout

        deadline = time.monotonic() + self.wait_s
        failed = 0  # connection attempts of the pool that failed, as last looked
        while (left := deadline - time.monotonic()) > 0:
            pool = self._open()
            try:
                conn = pool.getconn(min(left, LOOK_S))
            except PoolClosed:  # closed meanwhile: the next take opens a new one
                continue
            except PoolTimeout:
                failed = self._unless_refused(pool, failed, deadline)
                continue
            with self._guard:
                self._leased[id(conn)] = (pool, conn)
            return conn
        raise PoolExhausted(self.size, self.wait_s)

    def give_back(self, conn: Connection) -> None:
        """Back among the idle ones, its open transaction (if any) rolled back; a closed or
        broken one is let go (another is opened in its place). Once only: given back again
        (or after the pool closed), nothing happens."""
        with self._guard:
            held = self._leased.pop(id(conn), None)
        if held is None:
            return
        if conn.broken:
            conn.close()
        elif not conn.closed:
            try:
                conn.rollback()
            except Exception:  # noqa: BLE001 - one that cannot roll back is let go
                conn.close()
        held[0].putconn(conn)

    def close(self) -> None:
        """Close every connection, leased or idle; the pool opens new ones if used again."""
        with self._guard:
            pool, self._pool = self._pool, None
            leased, self._leased = list(self._leased.values()), {}
        for _, conn in leased:
            conn.close()
        if pool is not None:
            pool.close()

    def _open(self) -> psycopg_pool.ConnectionPool[Connection]:
        with self._guard:
            if self._pool is None:
                from psycopg_pool import ConnectionPool as PsycopgPool

                self._pool = PsycopgPool(
                    self.url,
                    kwargs={"autocommit": True},
                    configure=self._configure,
                    min_size=min(KEPT_OPEN, self.size),
                    max_size=self.size,
                    timeout=self.wait_s,
                    open=True,
                )
            return self._pool

    def _unless_refused(
        self, pool: psycopg_pool.ConnectionPool[Connection], failed: int, deadline: float
    ) -> int:
        """Raises the server's refusal when the pool's connection attempts failed since
        `failed` and none of its connections is leased; else the attempts failed so far."""
        now_failed = pool.get_stats().get("connections_errors", 0)
        with self._guard:
            leased = bool(self._leased)
        if now_failed > failed and not leased:
            import psycopg

            left = round(deadline - time.monotonic())
            psycopg.connect(self.url, connect_timeout=max(1, left)).close()
        return now_failed


@dataclass(eq=False)
class _Scope:
    """The connections an HTTP request leased, one per pool, given back when it ends."""

    leased: dict[int, tuple[ConnectionPool, Connection]] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)


_SCOPE: ContextVar[_Scope | None] = ContextVar("microindex_pg_scope", default=None)


@contextmanager
def connection_scope() -> Iterator[None]:
    """Within it, each database hands out one connection (however many worker threads the
    work runs in, one after another); every one is given back when it ends."""
    scope = _Scope()
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        with scope.guard:
            leased, scope.leased = scope.leased, {}
        for pool, conn in leased.values():
            pool.give_back(conn)


class Leases:
    """Which connection of `pool` the caller holds: its request scope's, else its thread's
    (given back when the thread ends)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._local = threading.local()

    def current(self) -> Connection:
        scope = _SCOPE.get()
        if scope is not None:
            with scope.guard:
                held = scope.leased.get(id(self.pool))
            if held is not None and not (held[1].closed or held[1].broken):
                return held[1]
            conn = self.pool.take()
            with scope.guard:
                scope.leased[id(self.pool)] = (self.pool, conn)
            if held is not None:
                self.pool.give_back(held[1])
            return conn
        lease: _ThreadLease | None = getattr(self._local, "lease", None)
        if lease is not None and not (lease.conn.closed or lease.conn.broken):
            return lease.conn
        conn = self.pool.take()
        self._local.lease = _ThreadLease(self.pool, conn)
        if lease is not None:
            lease.end()
        return conn

    def forget_threads(self) -> None:
        """After the pool closed: every thread leases afresh."""
        self._local = threading.local()


class _ThreadLease:
    """A thread's connection, given back when the thread ends (its locals are dropped)."""

    def __init__(self, pool: ConnectionPool, conn: Connection) -> None:
        self.conn = conn
        self.end = weakref.finalize(self, pool.give_back, conn)
