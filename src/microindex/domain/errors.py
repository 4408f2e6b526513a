"""Errors that carry data. Each edge (CLI, API) maps them to its own words once."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""

    code = "domain_error"

    def data(self) -> dict[str, object]:
        return dict(vars(self))


@dataclass(eq=False)
class InvalidValue(DomainError, ValueError):
    """A value that cannot stand: a bad GTIN, a negative price, an unknown currency."""

    field: str
    value: str
    reason: str
    code = "invalid_value"

    def __str__(self) -> str:
        return f"{self.field}: {self.reason} (got {shown(self.value)})"


def shown(value: str, limit: int = 80) -> str:
    """A value as an error message quotes it: whole when short, else its start and its size."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[: limit - 20]!r}... ({len(value):,} characters)"


@dataclass(eq=False)
class OutOfStock(DomainError):
    sku: str
    node: str
    requested: int
    available: int
    code = "out_of_stock"

    def __str__(self) -> str:
        return (
            f"cannot take {self.requested} of {self.sku} at {self.node}: "
            f"only {self.available} on hand"
        )


@dataclass(eq=False)
class UnknownSku(DomainError):
    sku: str
    near: tuple[str, ...] = ()  # registered SKUs close to it, for a "did you mean"
    code = "unknown_sku"

    def __str__(self) -> str:
        return f"no product with SKU {self.sku!r} in the catalog{did_you_mean(self.near)}"


@dataclass(eq=False)
class UnknownNode(DomainError):
    node: str
    near: tuple[str, ...] = ()  # registered node codes close to it
    code = "unknown_node"

    def __str__(self) -> str:
        return f"no node with code {self.node!r}{did_you_mean(self.near)}"


def did_you_mean(near: tuple[str, ...]) -> str:
    return f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


@dataclass(eq=False)
class DuplicateNode(DomainError):
    node: str
    code = "duplicate_node"

    def __str__(self) -> str:
        return f"a node with code {self.node!r} already exists"


@dataclass(eq=False)
class MovementConflict(DomainError):
    """The same (node, seq) arrived with different content: never applied, always raised."""

    node: str
    seq: int
    code = "movement_conflict"

    def __str__(self) -> str:
        return f"movement {self.node}#{self.seq} already recorded with different content"


@dataclass(eq=False)
class SequenceGap(DomainError):
    node: str
    expected: int
    got: int
    code = "sequence_gap"

    def __str__(self) -> str:
        return f"ledger {self.node} expected movement #{self.expected}, got #{self.got}"


@dataclass(eq=False)
class WrongNode(DomainError):
    """A movement addressed to one node's ledger offered to another's."""

    ledger: str
    movement_node: str
    code = "wrong_node"

    def __str__(self) -> str:
        return f"movement of node {self.movement_node!r} cannot enter ledger {self.ledger!r}"


@dataclass(eq=False)
class CountPositionAhead(DomainError):
    node: str
    position: int
    head: int
    code = "count_position_ahead"

    def __str__(self) -> str:
        return f"count at ledger position {self.position} is beyond {self.node}'s head {self.head}"


@dataclass(eq=False)
class NoWorkspace(DomainError):
    """A command that needs a workspace, run where `init` or `demo` made none."""

    folder: str
    code = "no_workspace"

    def __str__(self) -> str:
        return (
            f"no microindex workspace at {self.folder} "
            "(make one with `microindex init`, or try `microindex demo`; -w names another)"
        )
