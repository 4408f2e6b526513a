"""Run seeds, check invariants, compare policies. `python -m microindex.sync_sim --help`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace

from microindex.domain.promise.lifecycle import Step
from microindex.domain.sync.account import State
from microindex.sync_sim import checks
from microindex.sync_sim.naive import NaiveResult, run_naive
from microindex.sync_sim.trace import Faults, Scenario, random_faults, random_override
from microindex.sync_sim.world import RightsWorld, Tally

HEAL_BOUND = 6


@dataclass(frozen=True, slots=True)
class RunResult:
    seed: int
    violations: list[str]
    tally: Tally
    rounds: int
    uncovered: int
    answered: int = 0  # orders the hub promised again elsewhere or marked at risk

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def fill_rate(self) -> float:
        t = self.tally
        total = t.walkin_units + t.online_units
        filled = t.walkin_sold + t.online_promised - self.uncovered
        return filled / total if total else 1.0


def ci_scenario(seed: int, sqlite_dir: str = "") -> Scenario:
    """A small, fast world with the seed's fault mix (memory storage unless a directory)."""
    return Scenario(
        seed,
        horizon_s=6 * 3600.0,
        faults=random_faults(seed),
        sqlite_dir=sqlite_dir,
        override=random_override(seed),
    )


def run_scenario(scenario: Scenario, check_every: int = 1) -> RunResult:
    """Play the scenario, checking safety after every `check_every`-th event (0: never), then
    heal and check everything."""
    events = [0]

    def during(world: RightsWorld) -> None:
        events[0] += 1
        if events[0] % check_every == 0:
            checks.safety(world, live)

    live = checks.Violations()
    world = RightsWorld(scenario, check=during if check_every else None)
    try:
        world.run()
        rounds = world.heal(HEAL_BOUND)
        faults_only = not world.tally.overrides  # staff sold nothing beyond the node's rights
        final = checks.after_heal(world, rounds, HEAL_BOUND, faults_only)
        uncovered, answered = _uncovered(world), _answered(world)
    finally:
        world.stores.close()
    found = live.found + final.found
    return RunResult(scenario.seed, found, world.tally, rounds, uncovered, answered)


def _uncovered(world: RightsWorld) -> int:
    """Units promised online whose set-aside was eaten (whole: uncovered; in part: the
    reservation holds less than was promised)."""
    lost = 0
    with world.stores.hub() as uow:
        for key, (_, promised) in world.tally.promises.items():
            res = uow.accounts.reservation(key)
            if res is not None:
                lost += promised if res.state is State.UNCOVERED else promised - res.quantity
    return lost


def _answered(world: RightsWorld) -> int:
    with world.stores.hub() as uow:
        records = (uow.orders.get(ident) for ident in world.tally.orders)
        return sum(
            1
            for r in records
            if r is not None
            and (r.order.at_risk or any(e.step is Step.REROUTED for e in r.order.events))
        )


def run_seed(seed: int, sqlite: bool = False, check_every: int = 1) -> RunResult:
    if not sqlite:
        return run_scenario(ci_scenario(seed), check_every)
    with tempfile.TemporaryDirectory(prefix=f"sync-sim-{seed}-") as folder:
        return run_scenario(ci_scenario(seed, folder), check_every)


def van_offline(seed: int = 7, hours: float = 5.0) -> Scenario:
    """A clean network; the van is offline for hours in the middle of a busy day."""
    return Scenario(
        seed,
        horizon_s=10 * 3600.0,
        stock=14,
        walkin_per_h=0.6,
        online_per_h=2.0,
        hold_s=24 * 3600.0,
        expected_gap_s=(("van", 4 * 3600.0),),  # the seller knows the van is out for hours
        walkin_by_node=(("van", 1.0),),  # the van sells at a market while it is offline
        faults=Faults(),
        duplicate_orders=0.0,
        offline=(("van", 2 * 3600.0, (2 + hours) * 3600.0),),
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    rights: RunResult
    naive: NaiveResult


def compare(scenario: Scenario) -> Comparison:
    return Comparison(run_scenario(replace(scenario), check_every=0), run_naive(scenario))


def comparison_table(runs: list[Comparison]) -> str:
    """Rights against naive on the same traces: oversold units and fill rate, side by side."""
    lines = [f"{'trace':<8} {'rights oversold':>16} {'fill':>7} {'naive oversold':>16} {'fill':>7}"]
    for run in runs:
        r, n = run.rights, run.naive
        lines.append(
            f"{r.seed:<8} {r.uncovered:>16} {r.fill_rate:>7.1%} {n.oversold:>16} "
            f"{n.fill_rate:>7.1%}"
        )
    fill_r = sum(run.rights.fill_rate for run in runs) / len(runs)
    fill_n = sum(run.naive.fill_rate for run in runs) / len(runs)
    lines.append(
        f"{'all':<8} {sum(run.rights.uncovered for run in runs):>16} {fill_r:>7.1%} "
        f"{sum(run.naive.oversold for run in runs):>16} {fill_n:>7.1%}"
    )
    lines.append(f"fill rate lost to rights: {100 * (fill_n - fill_r):.2f} points (mean)")
    return "\n".join(lines)


def outcome(world: RightsWorld) -> tuple[object, ...]:
    """What the run decided, without the node clocks' timestamps: promises and ledgers."""
    with world.stores.hub() as uow:
        found = [uow.accounts.reservation(k) for k in sorted(world.tally.promises)]
        promises = tuple((r.ident, r.node, r.state) for r in found if r is not None)
    ledgers = []
    for node in world.sc.nodes:
        with world.stores.node(node)() as uow:
            moves = uow.ledger.movements(node, 0, 10**9)
        ledgers.append(
            tuple((m.seq, m.sku, m.quantity, m.kind, m.reference, m.tag, m.tag_id) for m in moves)
        )
    return promises, tuple(ledgers)


def clock_independent(seed: int) -> bool:
    """Invariant 8: the same seed with node clocks skewed by hours or not decides the same."""
    results = []
    for skew in (True, False):
        world = RightsWorld(ci_scenario(seed), skew=skew)
        world.run()
        world.heal(HEAL_BOUND)
        results.append(outcome(world))
    return results[0] == results[1]
