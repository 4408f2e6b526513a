"""Scenarios and demand traces: everything random is drawn here, from the seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Faults:
    drop: float = 0.0  # probability a message is lost
    duplicate: float = 0.0  # probability a message is delivered twice
    max_delay_s: float = 0.0  # uniform delay: messages overtake each other (reorder)
    crashes: int = 0  # commits that die mid-apply (rolled back), at random times and places
    restore: bool = False  # the hub is restored from a backup taken earlier
    max_skew_s: float = 0.0  # node clocks off by up to this, either way
    partitions: int = 0  # link cuts per node, each healing after a while


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    nodes: tuple[str, ...] = ("shop", "locker", "van")
    skus: tuple[str, ...] = ("MUG-1", "TEE-2", "CAP-3")
    stock: int = 12  # units of each SKU received at each node at the start
    horizon_s: float = 8 * 3600.0
    walkin_per_h: float = 1.0  # per node and SKU
    online_per_h: float = 2.0  # per SKU, at the hub
    hold_s: float = 4 * 3600.0  # how long a promise waits for its pick
    faults: Faults = field(default_factory=Faults)
    offline: tuple[tuple[str, float, float], ...] = ()  # fixed outages: (node, from, to)
    duplicate_orders: float = 0.1  # an order submitted twice (idempotency)
    duplicate_sales: float = 0.1  # a walk-in sale a till sends again under its key
    cancel_orders: float = 0.1  # an order the customer cancels before its lease runs out
    sqlite_dir: str = ""  # SQLite files here; memory when empty
    expected_gap_s: tuple[tuple[str, float], ...] = ()  # the hub's prior: the van goes offline
    walkin_by_node: tuple[tuple[str, float], ...] = ()  # per-node walk-in rates (per h and SKU)
    override: float = 0.0  # of the walk-ins refused as promised online, the share staff sell
    # anyway (an overdraft with their name and reason, that the hub must answer)


@dataclass(frozen=True, slots=True)
class Demand:
    at_s: float
    node: str  # "" for an online order at the hub
    sku: str
    quantity: int
    key: str


def demand(scenario: Scenario) -> list[Demand]:
    """Walk-ins at each node and online orders at the hub, Poisson arrivals, 1-2 units each."""
    rng = random.Random(f"demand-{scenario.seed}")
    events: list[Demand] = []
    rates = dict(scenario.walkin_by_node)
    streams = [
        (n, s, rates.get(n, scenario.walkin_per_h)) for n in scenario.nodes for s in scenario.skus
    ]
    streams += [("", s, scenario.online_per_h) for s in scenario.skus]
    for node, sku, per_h in streams:
        t = 0.0
        while per_h > 0:
            t += rng.expovariate(per_h / 3600.0)
            if t >= scenario.horizon_s:
                break
            qty = 1 if rng.random() < 0.8 else 2
            events.append(Demand(t, node, sku, qty, f"{node or 'web'}-{sku}-{len(events)}"))
    return sorted(events, key=lambda d: (d.at_s, d.key))


def outages(scenario: Scenario) -> list[tuple[str, float, float]]:
    """Link cuts (node, from, to): the fixed ones plus random partitions that heal."""
    rng = random.Random(f"partitions-{scenario.seed}")
    cuts = list(scenario.offline)
    for node in scenario.nodes:
        for _ in range(scenario.faults.partitions):
            start = rng.uniform(0, scenario.horizon_s * 0.8)
            cuts.append((node, start, start + rng.uniform(600, 3 * 3600)))
    return cuts


def random_override(seed: int) -> float:
    """How often a seeded CI run's staff sell anyway what is promised online."""
    return random.Random(f"staff-mix-{seed}").choice([0.0, 0.0, 0.2, 0.6])


def random_faults(seed: int) -> Faults:
    """The fault mix of a seeded CI run."""
    rng = random.Random(f"faults-{seed}")
    return Faults(
        drop=rng.choice([0.0, 0.1, 0.3]),
        duplicate=rng.choice([0.0, 0.1, 0.2]),
        max_delay_s=rng.choice([0.0, 30.0, 300.0]),
        crashes=rng.choice([0, 2, 5]),
        restore=rng.random() < 0.3,
        max_skew_s=rng.choice([0.0, 3600.0, 6 * 3600.0]),
        partitions=rng.choice([0, 1, 2]),
    )
