"""A promise's view of the hub's rights kept across orders in one process (ADR 0061).

An order then takes one round trip: its write alone, sent with the COMMIT, which checks that
the view is still the hub's (`promise_write_kept`: the key not placed, the generation of the
epochs unchanged, each SKU's rows stamped as they were read) and spends only what the escrow
test allows. A write refused for a changed view drops what it read from here, and the order
is promised again from a fresh read; so is an order the kept view could not promise, so no
answer comes from rights older than the hub's. What other workers' promises spent is not
stamped: their spending is caught by the escrow test.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from microindex.service.sync_ports import PromiseView


@dataclass(slots=True)
class _Sku:
    held: dict[str, int]  # node -> H less owed
    walk_in: dict[str, float]  # heard node -> walk-in rate
    stamps: tuple[str, str]  # "node:ver,..." of its rights rows and of its walk-in rows


@dataclass(slots=True)
class KeptViews:
    """The last view read of each SKU, with the generation it was read in."""

    generation: int | None = None
    epoch: str = ""
    epochs: dict[str, str] = field(default_factory=dict)
    skus: dict[str, _Sku] = field(default_factory=dict)
    whole: bool = False  # every SKU's was read in this generation (or tried: too many)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def view(self, skus: Collection[str]) -> tuple[PromiseView, int, list[list[str]]] | None:
        """A view of `skus` as last read, its generation and its stamps (as
        `promise_write_kept` checks them); None unless every SKU was read."""
        with self.lock:
            gen = self.generation
            found = [self.skus.get(sku) for sku in skus]
            if gen is None or not all(found):
                return None
            held: dict[str, dict[str, int]] = {}
            walk_in: dict[str, dict[str, float]] = {}
            stamps: list[list[str]] = []
            for sku, kept in zip(skus, found, strict=True):
                assert kept is not None
                held[sku] = dict(kept.held)
                for node, rate in kept.walk_in.items():
                    walk_in.setdefault(node, {})[sku] = rate
                stamps.append([sku, *kept.stamps])
            view = PromiseView(self.epoch, dict(self.epochs), held, walk_in, {}, fresh=False)
        stamps.sort()
        return view, gen, stamps

    def keep(
        self,
        gen: int,
        view: PromiseView,
        stamps: Mapping[str, tuple[dict[str, int], dict[str, int]]],
        whole: bool = False,
    ) -> None:
        """What a read saw (in a transaction it opened): `stamps` each SKU's rights' and
        walk-in rates' stamps by node; `whole`: a read of every SKU."""
        with self.lock:
            if gen != self.generation:
                self.skus.clear()
                self.whole = False
                self.generation, self.epoch, self.epochs = gen, view.epoch, dict(view.epochs)
            self.whole = self.whole or whole
            for sku, (rights, walk) in stamps.items():
                self.skus[sku] = _Sku(
                    dict(view.held.get(sku, {})),
                    {n: rates[sku] for n, rates in view.walk_in.items() if sku in rates},
                    (_stamped(rights), _stamped(walk)),
                )

    def spent(self, spends: Iterable[Sequence[Any]]) -> None:
        """This process's committed spends (`promise_write`'s rows), taken from what is kept."""
        with self.lock:
            for node, units, *_ in spends:
                for sku, spent in units:
                    kept = self.skus.get(sku)
                    if kept is not None and node in kept.held:
                        kept.held[node] -= spent

    def drop(self, skus: Iterable[str]) -> None:
        with self.lock:
            for sku in skus:
                self.skus.pop(sku, None)

    def clear(self) -> None:
        with self.lock:
            self.generation = None
            self.whole = False
            self.skus.clear()


def _stamped(vers: Mapping[str, int]) -> str:
    """As `promise_write_kept` aggregates them: `node:ver` by node (code point order)."""
    return ",".join(f"{node}:{vers[node]}" for node in sorted(vers))
