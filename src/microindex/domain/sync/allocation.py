"""How to split rights and when to sync: Poisson demand, EWMA rates, marginal allocation.

Pure maths (the standard library's `math` only): times are seconds, rates are units per second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

POOL_BELOW = 0.01  # a unit less likely than this to be needed locally stays pooled at the hub


SUMMED_BELOW = 1e-3  # a tail stepped down by differences is summed afresh once this small


def poisson_at_least(k: int, mu: float) -> float:
    """P(Poisson(mu) >= k): the smaller side summed outward from k until its terms stop
    counting, the first term taken in log space. So a mean past 745 (where exp(-mu) is 0)
    gives the right figure, and a rank of a million costs a few standard deviations' terms,
    not a million."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k > mu:  # the upper tail: terms fall from the first
        tail, i, term = 0.0, k, math.exp(_log_pmf(k, mu))
        while term > tail * 1e-17:
            tail += term
            i += 1
            term *= mu / i
        return min(1.0, tail)
    below, i, term = 0.0, k - 1, math.exp(_log_pmf(k - 1, mu))  # the lower side, downwards
    while term > below * 1e-17 and i >= 0:
        below += term
        term *= i / mu
        i -= 1
    return max(0.0, 1.0 - below)


def _log_pmf(k: int, mu: float) -> float:
    return -mu + k * math.log(mu) - math.lgamma(k + 1)


class _Tail:
    """P(Poisson(mu) >= k) for k = 1, 2, ... in turn, each step in constant time: one less
    the terms below k, each added as k passes it (added up small first, as a sum from zero
    is, so a figure a hair under 1 stays under 1); once small and past the mean, where that
    difference would lose its digits, summed afresh."""

    __slots__ = ("at_least", "below", "k", "mu")

    def __init__(self, mu: float) -> None:
        self.k, self.mu = 1, mu
        self.below = math.exp(-mu) if mu > 0 else 1.0
        self.at_least = poisson_at_least(1, mu)

    def step(self) -> float:
        """P(X >= k + 1), and k moves on by one."""
        k, mu = self.k + 1, self.mu
        self.k = k
        if self.at_least >= SUMMED_BELOW or k <= mu:
            self.below += math.exp(_log_pmf(k - 1, mu))
            if k <= mu or 1.0 - self.below >= SUMMED_BELOW:
                self.at_least = max(0.0, 1.0 - self.below)
                return self.at_least
        self.at_least = poisson_at_least(k, mu)
        return self.at_least


def split(total: int, mu_local: float, mu_hub: float, pool_below: float = POOL_BELOW) -> int:
    """Local rights out of `total` by marginal allocation; the rest is the hub's.

    Each next unit goes to the side with the larger P(demand over tau >= its allocation + 1).
    Ties, and units the node is unlikely to need over tau (chance below `pool_below`), go to
    the hub, where rights stay pooled for every channel and can be released at the next sync:
    so a short tau leaves most rights at the hub and an often-offline van keeps more.
    """
    if total <= 0:
        return 0
    local = hub = 0
    # each side's chance changes only when that side takes a unit: one step of its tail
    local_tail, hub_tail = _Tail(mu_local), _Tail(mu_hub)
    want_local, want_hub = local_tail.at_least, hub_tail.at_least
    hub_stretch = False  # the hub took the last unit
    for _ in range(total):
        if want_local < pool_below:
            break  # the chance only falls as local grows: the rest is the hub's
        if want_local > want_hub:
            local += 1
            want_local = local_tail.step()
            hub_stretch = False
        else:
            last = total - local  # the hub's count were it to take every unit left
            if not hub_stretch and mu_hub >= last and poisson_at_least(last, mu_hub) >= want_local:
                break  # even the hub's last unit is wanted there more: it takes all the rest
            hub += 1
            want_hub = hub_tail.step()
            hub_stretch = True
    return local


def keep_up_to(target: int) -> int:
    """The most local rights a node keeps without granting back when its target is `target`:
    a quarter more, at least one, so a target that drifts by a unit as rates decay between
    syncs moves no rights back and forth."""
    return target + max(1, target // 4)


def low_water(mu: float, z: float = 1.645) -> int:
    """Below mu + z*sqrt(mu) rights a side should sync (and ask for more)."""
    return math.ceil(mu + z * math.sqrt(mu)) if mu > 0 else 0


def trust_horizon(buffer: int, epsilon: float) -> float:
    """mu* = the largest lambda*T with P(Poisson(lambda*T) > buffer) <= epsilon (bisection)."""
    lo, hi = 0.0, float(buffer + 10) * 4
    for _ in range(80):
        mid = (lo + hi) / 2
        if poisson_at_least(buffer + 1, mid) <= epsilon:
            lo = mid
        else:
            hi = mid
    return lo


def ttl_s(buffer: int, epsilon: float, rate_per_s: float) -> float:
    """How long a count published as max(0, count - buffer) may be trusted."""
    if rate_per_s <= 0:
        return math.inf
    return trust_horizon(buffer, epsilon) / rate_per_s


class Freshness(StrEnum):
    FRESH = "fresh"
    LIMITED = "limited"
    UNKNOWN = "unknown"


def freshness(age_s: float, ttl: float) -> Freshness:
    """Within the TTL a figure stands; up to twice it, limited; past that, unknown."""
    if age_s <= ttl:
        return Freshness.FRESH
    return Freshness.LIMITED if age_s <= 2 * ttl else Freshness.UNKNOWN


@dataclass(frozen=True, slots=True)
class Availability:
    """A figure a channel may show, with its age: past the TTL it is downgraded, never promised."""

    node: str
    sku: str
    quantity: int
    age_s: float
    freshness: Freshness
    escrow: bool  # backed by rights the hub holds: firm whatever its age


def published(last_count: int, buffer: int) -> int:
    return max(0, last_count - buffer)


def decayed_rate(rate: float, elapsed_s: float, units: float, horizon_s: float) -> float:
    """EWMA of a rate over time: decay the old estimate, add the units seen since (per second)."""
    if elapsed_s <= 0:
        return rate + units / horizon_s
    keep = math.exp(-elapsed_s / horizon_s)
    return rate * keep + (1 - keep) * units / elapsed_s


@dataclass(frozen=True, slots=True)
class SplitRate:
    """What the hub last used to split one SKU's rights at a node: its walk-in rate and the
    node's share of its online rate (units per second), as of `at_s` (hub clock, seconds)."""

    walk_in: float
    online: float
    at_s: float

    def decayed(self, now_s: float, horizon_s: float) -> float:
        """Both rates decayed to `now_s` with no sales since (what a rate sum keeps)."""
        return (self.walk_in + self.online) * math.exp(-max(0.0, now_s - self.at_s) / horizon_s)


def smoothed(previous: float, observed: float, alpha: float = 0.3) -> float:
    return observed if previous <= 0 else alpha * observed + (1 - alpha) * previous


@dataclass(frozen=True, slots=True)
class SyncBounds:
    shortest_s: float = 60.0
    longest_s: float = 3600.0
    budget: float = 30.0  # interval = budget / sqrt(rate): sync rate per item ~ sqrt(demand)


def sync_interval(rate_per_s: float, bounds: SyncBounds) -> float:
    """Fast movers sync often, idle nodes rarely, always within the configured bounds."""
    if rate_per_s <= 0:
        return bounds.longest_s
    wanted = bounds.budget / math.sqrt(rate_per_s)
    return min(bounds.longest_s, max(bounds.shortest_s, wanted))
