"""A bounded pool of a hub process's PostgreSQL connections, and who holds one.

A unit of work runs on the connection its holder leased: within an HTTP request (a
`connection_scope`, which every worker thread the request's work runs in sees through its
context), the request's, given back when the response is sent; elsewhere (the CLI, timers,
the node agent's loop), its thread's, given back when the thread ends or the database closes.
At most `size` connections are open per database: a holder beyond them waits for one to be
given back (up to `wait_s`, then `PoolExhausted`), rather than the server refusing it ("too
many clients already") once every worker thread that ever ran kept its own.

Only the standard library here: the HTTP app sets the scope without importing psycopg.
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
    from microindex.adapters.postgres.connection import Connection

DEFAULT_SIZE = 20  # per hub process (`hub_connections` in microindex.toml)
DEFAULT_WAIT_S = 120.0


class PoolExhausted(Exception):
    """Every connection stayed in use for as long as a holder may wait."""

    def __init__(self, size: int, waited_s: float) -> None:
        super().__init__(
            f"all {size} hub database connections stayed in use for {waited_s:.0f} s; try"
            " again, or raise hub_connections in microindex.toml (within the server's"
            " max_connections)"
        )


class ConnectionPool:
    """At most `size` open connections, made by `opener` when none is idle."""

    def __init__(
        self,
        opener: Callable[[], Connection],
        size: int = DEFAULT_SIZE,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool of {size} connections")
        self.size, self.wait_s = size, wait_s
        self._opener = opener
        self._idle: list[Connection] = []
        self._leased: dict[int, Connection] = {}
        self._opening = 0  # being opened, or given back and rolling back
        self._generation = 0  # one more at each close
        self._free = threading.Condition()

    @property
    def opened(self) -> int:
        """Connections open (leased or idle) or being opened."""
        with self._free:
            return len(self._idle) + len(self._leased) + self._opening

    def take(self) -> Connection:
        """An idle connection, a new one while fewer than `size` are open, else the next one
        given back (waiting up to `wait_s`)."""
        deadline = time.monotonic() + self.wait_s
        with self._free:
            while True:
                while self._idle:
                    conn = self._idle.pop()
                    if not (conn.closed or conn.broken):
                        self._leased[id(conn)] = conn
                        return conn
                if len(self._idle) + len(self._leased) + self._opening < self.size:
                    self._opening += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PoolExhausted(self.size, self.wait_s)
                self._free.wait(left)
        try:
            conn = self._opener()
        except BaseException:
            with self._free:
                self._opening -= 1
                self._free.notify()
            raise
        with self._free:
            self._opening -= 1
            self._leased[id(conn)] = conn
        return conn

    def give_back(self, conn: Connection) -> None:
        """Back among the idle ones, its open transaction (if any) rolled back; a closed or
        broken one is let go (another is opened in its place when needed). Once only: given
        back again (or after the pool closed), nothing happens."""
        with self._free:
            if self._leased.pop(id(conn), None) is not conn:
                return
            self._opening += 1  # still counted while it rolls back
            generation = self._generation
        keep = not (conn.closed or conn.broken)
        if keep:
            try:
                conn.rollback()
            except Exception:  # noqa: BLE001 - one that cannot roll back is let go
                keep = False
        with self._free:
            self._opening -= 1
            keep = keep and generation == self._generation
            if keep:
                self._idle.append(conn)
            self._free.notify()
        if not keep and not conn.closed:
            conn.close()

    def close(self) -> None:
        """Close every connection, leased or idle; the pool opens new ones if used again."""
        with self._free:
            opened = [*self._idle, *self._leased.values()]
            self._idle, self._leased = [], {}
            self._generation += 1
            self._free.notify_all()
        for conn in opened:
            conn.close()


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
