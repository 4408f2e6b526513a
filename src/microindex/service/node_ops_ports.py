"""Ports for lockers, transfers and shelf slots: the hub's record of nodes as they really are."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from microindex.domain.locker import Assignment, CodeGuard, Compartment
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

    def guard(self, node: str) -> CodeGuard:
        """The locker's record of wrong codes (an empty one if none), held against other
        writers until this unit of work ends."""
        ...

    def save_guard(self, guard: CodeGuard) -> None: ...


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

    def bins(self, node: str) -> dict[str, list[str]]:
        """The shelf slots at `node`: SKU -> its bins, in bin order."""
        ...


class NodeOpsUnitOfWork(Transaction, Protocol):
    lockers: LockerStore
    transfers: TransferStore
    shelves: ShelfStore


class NodeOpsFactory(Protocol):
    def __call__(self) -> NodeOpsUnitOfWork: ...
