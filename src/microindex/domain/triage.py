"""SKU triage (which products each node should hold) and assortment pruning (what to let go).

The playbook's triage is `fastest`: the node's 200 fastest sellers by its own velocity (walk-in
sales and online orders picked there), ties broken by SKU. `weighted` is a second, named view
that scores each candidate on four signals, each scaled to 0..1 within the node:
- velocity: units sold at the node per week over the window;
- margin: weekly margin from those sales (unit margin x velocity; the catalog has no cost yet,
  so the unit price stands in for the unit margin: it ranks the same way at a fixed markup);
- repeat: how regularly it sells, the share of weeks in the window with a sale. There are no
  customer ids on walk-in sales (one till reference per node), so repeat purchase proper cannot
  be measured; steady weekly demand is the closest honest proxy;
- sturdiness: 1 for sturdy, less for fragile goods (breakage in handling and shipping).

A SKU the node has not sold (but the network has) is a candidate on a network estimate: its
network sales times the node's share of all units sold; its proposal says `basis="network"`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microindex.domain.errors import InvalidValue
from microindex.domain.product import Fragility

WEIGHTS = {"velocity": 0.4, "margin": 0.3, "repeat": 0.2, "sturdiness": 0.1}
STURDINESS = {Fragility.STURDY: 1.0, Fragility.FRAGILE: 0.6, Fragility.VERY_FRAGILE: 0.3}
PROPOSAL_SIZE = 200


@dataclass(frozen=True, slots=True)
class SkuFacts:
    """What the ledger and catalog say about one SKU at one node over the window."""

    sku: str
    units: float  # sold at the node in the window (or the network estimate, see `local`)
    weeks_selling: int
    unit_margin: Decimal
    fragility: Fragility
    local: bool = True


@dataclass(frozen=True, slots=True)
class Proposal:
    node: str
    sku: str
    rank: int
    score: float
    velocity: float  # units per week
    margin: Decimal  # per week
    repeat: float
    sturdiness: float
    target: int  # suggested stock to hold: `cover_weeks` of demand, at least 1
    basis: str = "local"  # "local" sales, or a "network" estimate for SKUs new to the node


def fastest(
    node: str,
    facts: Sequence[SkuFacts],
    weeks: float,
    limit: int = PROPOSAL_SIZE,
    cover_weeks: float = 2.0,
) -> list[Proposal]:
    """The playbook's triage: the `limit` SKUs the node itself sells fastest (units per week),
    fastest first, ties by SKU. Network estimates are not in it: a node ranks its own sales.
    The score is the velocity."""
    if weeks <= 0:
        raise InvalidValue("weeks", str(weeks), "a triage window is longer than zero")
    if limit < 0:
        raise InvalidValue("limit", str(limit), "cannot be negative")
    local = sorted((f for f in facts if f.local and f.units > 0), key=lambda f: (-f.units, f.sku))
    found = []
    for rank, f in enumerate(local[:limit], start=1):
        velocity = f.units / weeks
        found.append(
            Proposal(
                node,
                f.sku,
                rank,
                round(velocity, 6),
                velocity,
                (f.unit_margin * Decimal(str(velocity))).quantize(Decimal("0.01")),
                min(1.0, f.weeks_selling / math.ceil(weeks)),
                STURDINESS[f.fragility],
                max(1, math.ceil(velocity * cover_weeks)),
            )
        )
    return found


def weighted(
    node: str,
    facts: Sequence[SkuFacts],
    weeks: float,
    limit: int = PROPOSAL_SIZE,
    cover_weeks: float = 2.0,
) -> list[Proposal]:
    """The weighted view: the `limit` best-scoring SKUs for `node`, best first (ties by SKU),
    SKUs new to the node on a network estimate."""
    if weeks <= 0:
        raise InvalidValue("weeks", str(weeks), "a triage window is longer than zero")
    if limit < 0:
        raise InvalidValue("limit", str(limit), "cannot be negative")
    velocity = {f.sku: f.units / weeks for f in facts}
    margin = {f.sku: f.unit_margin * Decimal(str(f.units / weeks)) for f in facts}
    top_v = max(velocity.values(), default=0.0) or 1.0
    top_m = max(margin.values(), default=Decimal(0)) or Decimal(1)
    scored = []
    for f in facts:
        repeat = min(1.0, f.weeks_selling / math.ceil(weeks))
        parts = {
            "velocity": velocity[f.sku] / top_v,
            "margin": float(margin[f.sku] / top_m),
            "repeat": repeat,
            "sturdiness": STURDINESS[f.fragility],
        }
        score = sum(WEIGHTS[name] * value for name, value in parts.items())
        scored.append((score, f, repeat))
    scored.sort(key=lambda item: (-item[0], item[1].sku))
    return [
        Proposal(
            node,
            f.sku,
            rank,
            round(score, 6),
            velocity[f.sku],
            margin[f.sku].quantize(Decimal("0.01")),
            repeat,
            STURDINESS[f.fragility],
            max(1, math.ceil(velocity[f.sku] * cover_weeks)),
            "local" if f.local else "network",
        )
        for rank, (score, f, repeat) in enumerate(scored[:limit], start=1)
    ]


@dataclass(frozen=True, slots=True)
class PruneSuggestion:
    node: str
    sku: str
    on_hand: int
    velocity: float  # units per week at this node
    action: str  # "move" or "drop"
    to: str | None
    reason: str


def prune(
    node: str,
    on_hand: Mapping[str, int],
    velocity: Mapping[str, Mapping[str, float]],
    slow_below: float = 0.25,
) -> list[PruneSuggestion]:
    """Slow movers held at `node` (selling under `slow_below` a week there), each with a
    suggestion: move it to the node that sells it fastest, if that one sells it at least at
    `slow_below`, else drop it from the node's range. `velocity` is per node, per SKU."""
    here = velocity.get(node, {})
    found: list[PruneSuggestion] = []
    for sku, units in sorted(on_hand.items()):
        rate = here.get(sku, 0.0)
        if units <= 0 or rate >= slow_below:
            continue
        elsewhere = [(v.get(sku, 0.0), code) for code, v in velocity.items() if code != node]
        best_rate, best = max(elsewhere, key=lambda pair: (pair[0], pair[1]), default=(0.0, ""))
        if best and best_rate >= slow_below:
            why = f"sells {rate:.2f}/week here, {best_rate:.2f}/week at {best}"
            found.append(PruneSuggestion(node, sku, units, rate, "move", best, why))
        else:
            why = f"sells {rate:.2f}/week here and under {slow_below:.2f}/week anywhere"
            found.append(PruneSuggestion(node, sku, units, rate, "drop", None, why))
    return sorted(found, key=lambda s: (s.velocity, -s.on_hand, s.sku))


@dataclass(frozen=True, slots=True)
class PastSale:
    """Units of a SKU a node sold on a day before it used microindex (imported from a file)."""

    sku: str
    day: date
    units: int

    def __post_init__(self) -> None:
        if self.units <= 0:
            raise InvalidValue("units", str(self.units), "a past sale is of one unit or more")


VIEWS = {"fastest": fastest, "weighted": weighted}  # triage's named views
