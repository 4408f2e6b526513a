"""A faulty network between the hub and its nodes: drop, duplicate, delay (so reorder), cuts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from microindex.sync_sim.trace import Faults


@dataclass(frozen=True, slots=True)
class Delivery:
    at_s: float
    to_hub: bool
    node: str
    frame: bytes


class Network:
    def __init__(self, faults: Faults, outages: list[tuple[str, float, float]], seed: int) -> None:
        self.faults = faults
        self._outages = outages
        self._rng = random.Random(f"network-{seed}")
        self.dropped = self.duplicated = 0
        self.healed = False

    def up(self, node: str, at_s: float) -> bool:
        if self.healed:
            return True
        return not any(n == node and start <= at_s < end for n, start, end in self._outages)

    def send(self, at_s: float, to_hub: bool, node: str, frame: bytes) -> list[Delivery]:
        """The deliveries this message turns into: none, one, or two (a duplicate)."""
        if not self.up(node, at_s) or self._rng.random() < self.faults.drop:
            self.dropped += 1
            return []
        copies = 2 if self._rng.random() < self.faults.duplicate else 1
        self.duplicated += copies - 1
        return [
            Delivery(
                at_s + 0.05 + self._rng.uniform(0, self.faults.max_delay_s), to_hub, node, frame
            )
            for _ in range(copies)
        ]

    def arrives(self, delivery: Delivery) -> bool:
        """A message in flight when the link is cut is lost."""
        return self.up(delivery.node, delivery.at_s)

    def ask_fails(self) -> bool:
        """A synchronous request (a node asking for rights now) lost on the way."""
        return self._rng.random() < self.faults.drop
