"""Candidate plans for an order and the chain of rules that picks one, with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from microindex.domain.errors import DomainError
from microindex.domain.promise.candidates import Candidate, Reach, days_open_left, reach, refusals
from microindex.domain.promise.order import OrderRequest
from microindex.domain.promise.transfers import senders

MAX_SPLIT = 3


@dataclass(frozen=True, slots=True)
class Leg:
    """The part of a plan one node fulfils; `transfer_to` names the node its goods travel to
    (the pickup node), when they do."""

    candidate: Candidate
    lines: tuple[tuple[str, int], ...]
    reach: Reach
    transfer_to: str | None = None

    @property
    def node(self) -> str:
        return self.candidate.code


@dataclass(frozen=True, slots=True)
class Plan:
    legs: tuple[Leg, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(leg.node for leg in self.legs)

    @property
    def promised_by(self) -> datetime:
        return max(leg.reach.arrives for leg in self.legs)

    @property
    def ready_by(self) -> datetime:
        return max(leg.reach.ready for leg in self.legs)

    def units(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for leg in self.legs:
            for sku, quantity in leg.lines:
                total[sku] = total.get(sku, 0) + quantity
        return total


Rule = Callable[[Plan, OrderRequest], float]

RULES: dict[str, Rule] = {
    "fewest_splits": lambda plan, order: len(plan.legs),
    "fastest": lambda plan, order: plan.promised_by.timestamp(),
    "closest": lambda plan, order: sum(leg.reach.km for leg in plan.legs),
    "node_priority": lambda plan, order: min(leg.candidate.priority for leg in plan.legs),
    "keep_walk_in": lambda plan, order: sum(
        quantity * leg.candidate.walk_in_rate.get(sku, 0.0) / max(1, leg.candidate.held(sku))
        for leg in plan.legs
        for sku, quantity in leg.lines
    ),
    "balance_stock": lambda plan, order: (
        -min(leg.candidate.held(sku) - quantity for leg in plan.legs for sku, quantity in leg.lines)
    ),
    "drain_closing": lambda plan, order: min(
        days_open_left(leg.candidate, order.placed_at.date()) for leg in plan.legs
    ),
    # Only plans that move goods to a pickup node differ on it; `decide` puts it first when it
    # ranks such plans and the chain lacks it.
    "fewest_transfers": lambda plan, order: sum(1 for leg in plan.legs if leg.transfer_to),
}
# What each rule prefers, for the CLI's and the API's help.
RULE_HELP: dict[str, str] = {
    "fewest_splits": "the fewest nodes",
    "fastest": "with the customer soonest",
    "closest": "the shortest distance to the customer",
    "node_priority": "the node ranked first",
    "keep_walk_in": "leaving the stock walk-in shoppers buy",
    "balance_stock": "the most stock left where it is taken",
    "drain_closing": "nodes closing soonest (pop-ups)",
    "fewest_transfers": "the fewest goods moved to the pickup node",
}
DEFAULT_CHAIN = ("fewest_splits", "fastest", "closest", "keep_walk_in", "node_priority")
SHOPIFY_CHAINS = {
    "ship_from_closest": ("closest", "fewest_splits"),
    "minimize_split": ("fewest_splits", "closest"),
    "location_priority": ("node_priority", "fewest_splits"),
}


@dataclass(frozen=True, slots=True)
class Decision:
    plan: Plan
    chain: tuple[str, ...]
    why: tuple[str, ...]  # why this plan, and why not each other node


@dataclass(eq=False)
class CannotPromise(DomainError):
    """No node, nor a split of up to three nodes, can fulfil the order as asked."""

    reasons: dict[str, list[str]]
    code = "cannot_promise"

    def __str__(self) -> str:
        parts = [f"{node}: {'; '.join(why)}" for node, why in sorted(self.reasons.items())]
        return "no node can fulfil this order (" + " | ".join(parts) + ")"


def check_chain(chain: Sequence[str]) -> tuple[str, ...]:
    unknown = [name for name in chain if name not in RULES]
    if unknown or not chain:
        raise ValueError(f"unknown routing rules {unknown}; known: {sorted(RULES)}")
    return tuple(chain)


Eligible = tuple[Candidate, Reach]


def decide(
    order: OrderRequest, candidates: Sequence[Candidate], chain: Sequence[str] = DEFAULT_CHAIN
) -> Decision:
    """The best plan by `chain`; an order is split only when no single node can fulfil it, and
    goods move to a pickup node only when no plan without a transfer exists."""
    rules = check_chain(chain)
    eligible, reasons = _eligible(order, candidates)
    plans: list[Plan] = []
    for pair in eligible:
        plan = _single(order, pair)
        if plan is None:
            reasons[pair[0].code] = [_short(order, pair[0])]
        else:
            plans.append(plan)
    if not plans:
        plans = _splits(order, eligible)
    if not plans:
        plans = _transfers(order, candidates, eligible, reasons)
        if plans and "fewest_transfers" not in rules:
            rules = ("fewest_transfers", *rules)
    plans = [p for p in plans if order.deadline is None or p.promised_by <= order.deadline]
    if not plans:
        if order.deadline is not None and eligible:
            reasons["deadline"] = [f"nothing arrives by {order.deadline:%Y-%m-%d %H:%M}"]
        raise CannotPromise(reasons)
    ranked = sorted((_key(p, order, rules), i) for i, p in enumerate(plans))  # each ranked once
    keyed = [(plans[i], key) for key, i in ranked]
    return Decision(keyed[0][0], rules, tuple(_explain(keyed, reasons, rules)))


def _key(plan: Plan, order: OrderRequest, rules: tuple[str, ...]) -> tuple[Any, ...]:
    return (*[RULES[name](plan, order) for name in rules], plan.nodes)


def _eligible(
    order: OrderRequest, candidates: Sequence[Candidate]
) -> tuple[list[Eligible], dict[str, list[str]]]:
    eligible: list[Eligible] = []
    reasons: dict[str, list[str]] = {}
    for candidate in candidates:
        why = refusals(candidate, order)
        where = None if why else reach(candidate, order)
        if not why and where is None:
            why = ["not open in the next two weeks"]
        if where is not None and _closed_before(candidate, where):
            why, where = [f"closes on {candidate.closes_on}, before the order is ready"], None
        if where is None:
            reasons[candidate.code] = why
        else:
            eligible.append((candidate, where))
    return eligible, reasons


def _closed_before(candidate: Candidate, where: Reach) -> bool:
    """A pop-up whose last day is before the order could be ready there."""
    return candidate.closes_on is not None and candidate.closes_on < where.ready.date()


def _single(order: OrderRequest, pair: Eligible) -> Plan | None:
    candidate, where = pair
    if all(candidate.held(sku) >= quantity for sku, quantity in order.wanted.items()):
        return Plan((Leg(candidate, tuple(order.wanted.items()), where),))
    return None


def _short(order: OrderRequest, candidate: Candidate) -> str:
    missing = [
        f"{candidate.held(sku)} of {quantity} {sku}"
        for sku, quantity in order.wanted.items()
        if candidate.held(sku) < quantity
    ]
    return "holds online only " + ", ".join(missing)


def _splits(order: OrderRequest, eligible: list[Eligible]) -> list[Plan]:
    """Plans over the fewest nodes that together hold enough; every node takes something."""
    useful = [pair for pair in eligible if any(pair[0].held(s) for s in order.wanted)]
    for size in range(2, MAX_SPLIT + 1):
        plans = [p for combo in combinations(useful, size) if (p := _assign(order, combo))]
        if plans:
            return plans
    return []


def _assign(order: OrderRequest, combo: tuple[Eligible, ...]) -> Plan | None:
    """Fill each line from the combo's nodes, soonest first; None if short or a node idles."""
    ordered = sorted(combo, key=lambda pair: (pair[1].arrives, pair[0].code))
    lines: dict[str, list[tuple[str, int]]] = {pair[0].code: [] for pair in ordered}
    for sku, quantity in order.wanted.items():
        left = quantity
        for candidate, _ in ordered:
            take = min(left, candidate.held(sku))
            if take:
                lines[candidate.code].append((sku, take))
                left -= take
        if left:
            return None
    if any(not taken for taken in lines.values()):
        return None
    return Plan(tuple(Leg(c, tuple(lines[c.code]), where) for c, where in ordered))


def _transfers(
    order: OrderRequest,
    candidates: Sequence[Candidate],
    eligible: list[Eligible],
    reasons: dict[str, list[str]],
) -> list[Plan]:
    """Pickup at a chosen node that lacks (some of) the goods: the fewest legs that fill it,
    the pickup node's own rights first, the rest sent to it by the nodes that hold them."""
    here = next((pair for pair in eligible if pair[0].code == order.pickup_node), None)
    if here is None:
        return []  # no pickup node chosen, or it cannot take the order at all
    sending = senders(order, here[0], candidates)
    useful = ([here] if any(here[0].held(s) for s in order.wanted) else []) + sending
    for size in range(1, MAX_SPLIT + 1):
        plans = [
            Plan(tuple(_moved(leg, here[0].code) for leg in plan.legs))
            for combo in combinations(useful, size)
            if (plan := _assign(order, combo))
        ]
        if plans:
            for leg in (leg for plan in plans for leg in plan.legs if leg.transfer_to):
                reasons.pop(leg.node, None)  # it could not serve the pickup, but can send
            return plans
    return []


def _moved(leg: Leg, pickup: str) -> Leg:
    return leg if leg.node == pickup else replace(leg, transfer_to=pickup)


def _explain(
    keyed: list[tuple[Plan, tuple[Any, ...]]],
    reasons: dict[str, list[str]],
    rules: tuple[str, ...],
) -> list[str]:
    """Why the first of `keyed` (plans ranked, each with its `_key`: the rules' values, then
    the nodes), and why not each other plan and each node refused."""
    best, mine = keyed[0]
    lines = [
        f"chose {' + '.join(best.nodes)}: ready by {_when(best.ready_by)}, with the"
        f" customer by {_when(best.promised_by)} (rules: {', '.join(rules)})"
    ]
    lines += [
        f"moved from {leg.node} to {leg.transfer_to}, ready by {_when(leg.reach.ready)}"
        for leg in best.legs
        if leg.transfer_to
    ]
    for plan, theirs in keyed[1:]:
        for name, value, against in zip(rules, theirs, mine, strict=False):
            if value != against:
                lines.append(
                    f"not {' + '.join(plan.nodes)}: lost on {name} "
                    f"({_shown(name, value)} against {_shown(name, against)})"
                )
                break
        else:
            lines.append(f"not {' + '.join(plan.nodes)}: equal on every rule, name order")
    lines += [f"not {node}: {'; '.join(why)}" for node, why in sorted(reasons.items())]
    return lines


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(at: datetime) -> str:
    """`f"{at:%a %d %b %H:%M %Z}"` (the C locale's names) without strftime, a third of its
    cost: every order's reasons show two or three."""
    zone = at.tzname() or ""
    return (
        f"{_DAYS[at.weekday()]} {at.day:02d} {_MONTHS[at.month - 1]}"
        f" {at.hour:02d}:{at.minute:02d} {zone}"
    )


def _shown(rule: str, value: float) -> str:
    if rule == "fastest":
        return f"{datetime.fromtimestamp(value, UTC):%a %H:%M}"
    return f"{value:g}"
