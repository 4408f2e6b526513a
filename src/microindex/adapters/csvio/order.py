"""One order that keeps the order of several lists: attribute columns, a product's images."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def consistent_order(sequences: Iterable[Sequence[T]]) -> list[T] | None:
    """Every item once, each sequence's items in that sequence's order; ties go to the first seen.

    None when the sequences contradict each other (a before b in one, b before a in another).
    """
    sequences = list(sequences)
    seen = list(dict.fromkeys(item for sequence in sequences for item in sequence))
    before: dict[T, set[T]] = {item: set() for item in seen}
    for sequence in sequences:
        for earlier, later in pairwise(sequence):
            before[later].add(earlier)
    order: list[T] = []
    placed: set[T] = set()
    while len(order) < len(seen):
        ready = next((item for item in seen if item not in placed and before[item] <= placed), None)
        if ready is None:
            return None
        order.append(ready)
        placed.add(ready)
    return order
