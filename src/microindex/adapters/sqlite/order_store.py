"""Promised orders on SQLite, on the same connection (and transaction) as the sync stores.

The order and transfer stores (and the promise, locker and transfer rules they load) are made
on first use: a command that needs only the catalog or the ledgers (`catalog import`) never
loads them."""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property
from typing import TYPE_CHECKING

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase, SqliteSyncUnitOfWork

if TYPE_CHECKING:
    from microindex.adapters.sqlite.node_ops_store import SqliteTransfers
    from microindex.adapters.sqlite.orders import SqliteOrders
    from microindex.service.promise_ports import OrderRecord
    from microindex.service.sync_ports import PromiseView


class SqlitePromiseUnitOfWork(SqliteSyncUnitOfWork):
    """The hub's unit of work for promising: catalog, ledgers, sync accounts, orders and the
    transfers they need."""

    @cached_property
    def orders(self) -> SqliteOrders:
        from microindex.adapters.sqlite.orders import SqliteOrders

        return SqliteOrders(self._conn)

    @cached_property
    def transfers(self) -> SqliteTransfers:
        from microindex.adapters.sqlite.node_ops_store import SqliteTransfers

        return SqliteTransfers(self._conn)

    def placed_and_view(
        self, key: str, skus: Collection[str]
    ) -> tuple[OrderRecord | None, PromiseView]:
        """One statement when the key is new (most are): the view says whether it is stored."""
        stored, view = self.accounts.read_promise_view(skus, key)
        return (self.orders.get(key) if stored else None), view


class SqlitePromiseDatabase(SqliteSyncDatabase):
    def unit_of_work(self) -> SqlitePromiseUnitOfWork:
        return SqlitePromiseUnitOfWork(self.connection())

    __call__ = unit_of_work
