"""Ports for lockers, transfers and shelf slots: the hub's record of nodes as they really are."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from microindex.domain.locker import Assignment, Compartment
from microindex.domain.transfer import Transfer, TransferState
from microindex.service.ports import Transaction


class LockerStore(Protocol):
    def add_compartment(self, node: str, compartment: Compartment) -> None: ...
    def compartments(self, node: str) -> list[Compartment]: ...
    def add(self, assignment: Assignment) -> None: ...
    def save(self, assignment: Assignment) -> None: ...
    def get(self, order: str, node: str) -> Assignment | None: ...
    def waiting(self, node: str | None = None) -> list[Assignment]:
        """Assignments whose parcel is still in its compartment."""
        ...

    def lapsed(self, now: datetime) -> list[Assignment]:
        """Waiting assignments whose deadline is before `now`."""
        ...


class TransferStore(Protocol):
    def add(self, transfer: Transfer) -> None: ...
    def get(self, ident: str) -> Transfer | None: ...
    def save(self, transfer: Transfer) -> None: ...
    def listed(self, state: TransferState | None = None) -> list[Transfer]: ...


class ShelfStore(Protocol):
    def put(self, gln: str, bin_: str, node: str, sku: str) -> None: ...
    def find(self, gln: str, bin_: str) -> tuple[str, str] | None:
        """(node, SKU) of the shelf slot, if known."""
        ...


class NodeOpsUnitOfWork(Transaction, Protocol):
    lockers: LockerStore
    transfers: TransferStore
    shelves: ShelfStore


class NodeOpsFactory(Protocol):
    def __call__(self) -> NodeOpsUnitOfWork: ...
