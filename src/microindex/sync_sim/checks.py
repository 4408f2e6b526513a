"""The invariants of SYNC.md, checked against a simulated world (SYNC.md's numbering)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from microindex.domain.movement import Movement, MovementKind
from microindex.domain.promise.lifecycle import Step, reservation_id
from microindex.domain.sync.account import OPEN, NodeAccount, State
from microindex.domain.sync.rights import Rights, Tag, fold_all
from microindex.sync_sim.world import RightsWorld


@dataclass
class Violations:
    found: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        if not ok and len(self.found) < 20:
            self.found.append(what)


def _ledger(world: RightsWorld, node: str, hub: bool = False) -> list[Movement]:
    database = world.stores.hub if hub else world.stores.node(node)
    with database() as uow:
        head = uow.ledger.load(node, []).head
        return uow.ledger.movements(node, 0, head + 1)


def _projected(world: RightsWorld, node: str) -> NodeAccount:
    """The hub's account as it would be once it mirrors everything the node has recorded."""
    with world.stores.hub() as uow:
        account = uow.accounts.load(node)
        mirrored = uow.ledger.load(node, []).head
    with world.stores.node(node)() as uow:
        unseen = uow.ledger.movements(node, mirrored, 10**9)
    for movement in unseen:
        account.mirror_movement(movement)
    return account


def safety(world: RightsWorld, v: Violations, exact: bool = False) -> None:
    """3 and 4: the hub never claims more than the node holds for it; L+G+A+U = on-hand."""
    for node in world.sc.nodes:
        with world.stores.node(node)() as uow:
            side = uow.rights.load(node)
            stock = {line.sku: line.on_hand for line in uow.ledger.stock(node)}
            head = uow.ledger.load(node, []).head
        account = _projected(world, node)
        overdrafts: Counter[str] | None = None
        for sku in world.sc.skus:
            r = side.rights.get(sku, Rights())
            if side.rights_head == head:
                v.expect(
                    r.on_hand == stock.get(sku, 0),
                    f"4: {node}/{sku} rights {r} != on-hand {stock.get(sku, 0)} at t={world.t:.0f}",
                )
            claims = account.claims(sku)
            ok = claims == r.hub_share if exact else claims <= r.hub_share
            v.expect(
                ok,
                f"3: hub claims {claims} of {node}/{sku} but node holds {r.hub_share} "
                f"for it at t={world.t:.0f}",
            )
            v.expect(min(r.local, r.granted, r.unavailable) >= 0, f"4: negative rights {r}")
            if account.h(sku) < 0 and overdrafts is None:
                overdrafts = _overdrafts(world, node)  # read only when it matters
            v.expect(
                account.h(sku) >= -(overdrafts or Counter())[sku],
                f"3: the hub promised {-account.h(sku)} of {node}/{sku} beyond its rights "
                f"(staff sold {(overdrafts or Counter())[sku]} anyway there) at t={world.t:.0f}",
            )  # no deficits here; an override takes rights the hub may have promised


def _overdrafts(world: RightsWorld, node: str) -> Counter[str]:
    """Units the node's staff sold anyway, beyond its rights, by SKU (all time)."""
    sold: Counter[str] = Counter()
    for m in _ledger(world, node):
        if m.tag is Tag.OVERDRAFT:
            sold[m.sku] -= m.quantity
    return sold


def after_heal(world: RightsWorld, rounds: int, bound: int, faults_only: bool) -> Violations:
    v = Violations()
    v.expect(rounds <= bound, f"7: not drained after {bound} rounds without new writes")
    safety(world, v, exact=True)
    for node in world.sc.nodes:
        _replicas(world, node, v)
    _promises(world, v, faults_only)
    _overrides_recorded(world, v)
    _beyond_received(world, v)
    _answered(world, v)
    _remote_picks(world, v)
    return v


def _remote_picks(world: RightsWorld, v: Violations) -> None:
    """2 and 7 for the hub's pick requests: each reservation the hub asked a node to pick left
    that node's ledger exactly once and the hub counts it fulfilled (unless a restore lost the
    request with the rest of the hub's recent past, or staff sold those goods anyway first)."""
    if world.epochs:
        return
    picks: Counter[str] = Counter()
    for node in set(world.tally.remote_picks.values()):
        picks.update(
            m.tag_id
            for m in _ledger(world, node)
            if m.kind is MovementKind.PICK and m.tag is Tag.FULFIL
        )
    overdrafts = {node: _overdrafts(world, node) for node in world.sc.nodes}
    with world.stores.hub() as uow:
        for ident, node in sorted(world.tally.remote_picks.items()):
            res = uow.accounts.reservation(ident)
            state = res.state if res is not None else None
            sold_anyway = res is not None and overdrafts[node][res.sku] > 0
            if picks[ident] == 0 and state is State.UNCOVERED and sold_anyway:
                continue  # staff sold its goods before the request came: answered as gone
            v.expect(
                picks[ident] == 1 and state is State.FULFILLED,
                f"2: {node} asked to pick {ident}: picked {picks[ident]} times, hub says {state}",
            )


def _replicas(world: RightsWorld, node: str, v: Violations) -> None:
    """1 and 6: every committed movement reached the hub once, in order; both derive the same."""
    local, mirror = _ledger(world, node), _ledger(world, node, hub=True)
    v.expect(
        [m.digest() for m in local] == [m.digest() for m in mirror],
        f"1: {node}: hub mirror differs ({len(mirror)} of {len(local)} movements)",
    )
    with world.stores.node(node)() as uow:
        side = uow.rights.load(node)
    derived = fold_all(mirror)
    for sku in world.sc.skus:
        v.expect(
            derived.get(sku, Rights()) == side.rights.get(sku, Rights()),
            f"6: {node}/{sku}: hub derives {derived.get(sku)} but node has {side.rights.get(sku)}",
        )
    fulfils = Counter(
        m.tag_id for m in local if m.kind is MovementKind.PICK and m.tag is Tag.FULFIL
    )
    v.expect(all(c == 1 for c in fulfils.values()), f"2: {node}: a reservation picked twice")


def _promises(world: RightsWorld, v: Violations, faults_only: bool) -> None:
    """2, 3 and 5: one reservation per order key; none uncovered, no overdraft or deficit."""
    tally = world.tally
    v.expect(tally.duplicate_mismatch == 0, "2: a repeated order got another promise")
    v.expect(tally.duplicate_sale_mismatch == 0, "2: a till's repeated sale was recorded again")
    uncovered = overdraft = deficit = 0
    with world.stores.hub() as uow:
        for key in tally.promises:
            res = uow.accounts.reservation(key)
            if res is not None:
                uncovered += res.state is State.UNCOVERED
                v.expect(
                    res.state not in OPEN or res.state is State.ASIDE,
                    f"3: promise {key} still {res.state} after heal",
                )
            elif not world.epochs:
                v.expect(False, f"2: promise {key} lost without a restore")
        for node in world.sc.nodes:
            peer = uow.accounts.peer(node)
            overdraft, deficit = overdraft + peer.overdraft, deficit + peer.deficit
    v.expect(deficit == 0, f"5: deficit {deficit} (nothing was counted or written off)")
    v.expect(
        overdraft <= tally.overrides,
        f"5: overdraft {overdraft} units but staff sold only {tally.overrides} anyway",
    )
    if faults_only:
        v.expect(uncovered == 0, f"3: {uncovered} promises uncovered in a fault-only run")


def _overrides_recorded(world: RightsWorld, v: Violations) -> None:
    """5: every unit staff sold anyway is an OVERDRAFT with its actor and reason, on the node
    and in the hub's mirror, and nothing else is one."""
    tagged = 0
    for node in world.sc.nodes:
        for hub in (False, True):
            for m in _ledger(world, node, hub):
                if m.tag is not Tag.OVERDRAFT:
                    continue
                tagged += -m.quantity if not hub else 0
                v.expect(
                    bool(m.actor.strip()) and "(override: " in m.reference,
                    f"5: overdraft {node}#{m.seq} without its actor or reason "
                    f"(actor {m.actor!r}, reference {m.reference!r})",
                )
    v.expect(
        tagged == world.tally.overrides,
        f"5: staff sold {world.tally.overrides} units anyway, {tagged} recorded as overdrafts",
    )


def _beyond_received(world: RightsWorld, v: Violations) -> None:
    """3 and 5: units committed beyond what a node received (its sales and picks, plus the
    promises still open there) are never more than zero after heal, and every promise the hub
    lost to goods that went (uncovered) is matched by units staff sold anyway at that node: each
    unit sold anyway breaks at most one promise (a promise of 2 breaks whole for 1 unit)."""
    uncovered: Counter[tuple[str, str]] = Counter()
    with world.stores.hub() as uow:
        for key, (_, promised) in world.tally.promises.items():
            res = uow.accounts.reservation(key)
            if res is not None and (res.state is State.UNCOVERED or res.quantity < promised):
                uncovered[(res.node, res.sku)] += 1  # eaten whole or in part
        accounts = {node: uow.accounts.load(node) for node in world.sc.nodes}
    for node in world.sc.nodes:
        moves = _ledger(world, node)
        sold_anyway = _overdrafts(world, node)
        for sku in world.sc.skus:
            received = sum(m.on_hand_delta for m in moves if m.sku == sku and m.on_hand_delta > 0)
            out = -sum(m.on_hand_delta for m in moves if m.sku == sku and m.on_hand_delta < 0)
            open_units = sum(
                r.quantity
                for r in accounts[node].reservations.values()
                if r.sku == sku and r.state in (State.PENDING, State.ASIDE)
            )
            v.expect(
                out + open_units <= received,
                f"3: {node}/{sku}: {out} units out and {open_units} promised against "
                f"{received} received after heal",
            )
            v.expect(
                uncovered[(node, sku)] <= sold_anyway[sku],
                f"5: {uncovered[(node, sku)]} promises of {node}/{sku} lost their goods "
                f"but staff sold only {sold_anyway[sku]} units anyway there",
            )


def _answered(world: RightsWorld, v: Violations) -> None:
    """No order stays promised against goods that are gone: every line still waiting for its
    pick whose reservation is uncovered, or holds fewer units than the line, belongs to a
    part marked at risk (the others were promised again elsewhere, `service/repromise`)."""
    waiting = (Step.PROMISED, Step.CONFIRMED)
    with world.stores.hub() as uow:
        for ident in world.tally.orders:
            record = uow.orders.get(ident)
            if record is None:
                v.expect(bool(world.epochs), f"2: order {ident} lost without a restore")
                continue
            for part in record.order.parts.values():
                if part.step not in waiting or part.transfer_to is not None:
                    continue
                for sku, units in part.lines:
                    res = uow.accounts.reservation(reservation_id(ident, part.node, sku))
                    gone = res is not None and (
                        res.state is State.UNCOVERED or res.quantity < units  # eaten in part
                    )
                    v.expect(
                        not gone or bool(part.at_risk),
                        f"3: order {ident} still {part.step} at {part.node} for {sku}, "
                        "its goods gone, neither re-promised nor at risk",
                    )
