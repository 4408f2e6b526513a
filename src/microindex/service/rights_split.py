"""The hub's split of a node's free rights (L + H) per SKU: by marginal allocation over tau
(`domain.sync.allocation`), from walk-in rates and online shares kept per SKU, for the SKUs a
sync chooses (`Split`): all of them, or those a push moved plus an idle sweep (ADR 0008).
`sync.receive_push` calls it in the unit of work that applies the push."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from microindex.domain.sync import allocation
from microindex.domain.sync.account import NodeAccount
from microindex.domain.sync.messages import Advice, Peer
from microindex.service.sync_ports import SyncUnitOfWork

if TYPE_CHECKING:
    from microindex.service.sync import SyncSettings


def release(account: NodeAccount, epoch: str, sku: str, units: int) -> None:
    """Hand `units` of the hub's rights at the node back to its local share (a RELEASE
    request numbered in this epoch); nothing for none."""
    if units > 0:
        account.release(sku, units, f"{epoch}.{account.next_request}")


@dataclass(frozen=True, slots=True)
class Split:
    """Which SKUs a sync splits: all (`full`), else those the push moved, `sweep` (an idle
    slice, advised only when the node must grant rights back) and `asked` (a walk-in's ask)."""

    full: bool
    sweep: list[str]
    asked: dict[str, int]


def rebalance(
    uow: SyncUnitOfWork,
    peer: Peer,
    account: NodeAccount,
    epoch: str,
    now: datetime,
    settings: SyncSettings,
    split: Split,
) -> tuple[tuple[Advice, ...], int]:
    """Split each chosen SKU's free rights (L + H) by marginal allocation over tau; release
    or advise.

    A stock target accepted at the node (`settings.floors`) is the least it keeps local,
    within what is free there. Rights the node just granted (an ask from the hub) or just
    asked for stay where they went.
    Units that orders at risk at the node wait for (`settings.at_risk`: their goods there
    were gone) come off its free rights first, so stock arriving there is granted to the
    hub, which covers those orders again (`repromise._cover_here`), not kept local.
    For a SKU with no movement in this push, a node the hub split for before holding no more
    than `allocation.keep_up_to` of its target keeps what it holds, so a sync that changes
    nothing (no sales, no stock) moves no rights either way as the rates decay.
    """
    moved = set(account.touched_skus)  # mirrored in this push (the node's own movements)
    if peer.last_sync_s < 0:  # never split for: every SKU is new to the split
        moved |= set(account.mirror) | set(account.held)
    if split.full:
        skus = sorted(set(account.mirror) | set(account.held))
    else:
        skus = sorted(moved | set(split.asked) | set(split.sweep))
    rates, total_rate = _walk_in_rates(uow, peer, account, skus, split.full, now, settings)
    floors = settings.floors(peer.node, skus) if settings.floors is not None and skus else {}
    waiting = _waiting(uow, peer.node, account, moved & set(skus), settings)
    tau = max(peer.tau_s, settings.bounds.shortest_s, _offline_gap_s(uow, peer.node, settings))
    advice: list[Advice] = []
    releasing = account.releasing_by_sku()  # a release made below is for the SKU at hand only
    for sku in skus:
        walkin, share = rates[sku].walk_in, rates[sku].online
        local = (account.mirror[sku].local if sku in account.mirror else 0) + releasing.get(sku, 0)
        free = local + max(0, account.h(sku))
        free -= min(waiting.get(sku, 0), free)  # orders at risk here come first
        target = allocation.split(free, walkin * tau, share * tau, settings.stockout)
        target = max(target, min(floors.get(sku, 0), free))  # an accepted stock target
        steady = sku not in moved and target <= local <= allocation.keep_up_to(target)
        if sku in account.granted_now or steady:
            target = local
        target = min(max(target, min(split.asked.get(sku, 0), local)), free)
        if target > local:
            release(account, epoch, sku, min(target - local, account.h(sku)))
        if split.full or sku in moved or sku in split.asked or target < local:
            advice.append(Advice(sku, target, allocation.low_water(walkin * tau, settings.z)))
    return tuple(advice), round(allocation.sync_interval(total_rate, settings.bounds))


def _waiting(
    uow: SyncUnitOfWork,
    node: str,
    account: NodeAccount,
    moved: set[str],
    settings: SyncSettings,
) -> Mapping[str, int]:
    """What orders at risk at the node wait for, of the SKUs this push moved that it holds
    local rights of (stock arrived): nothing is read for the others."""
    if settings.at_risk is None:
        return {}
    holding = [s for s in sorted(moved) if s in account.mirror and account.mirror[s].local > 0]
    return settings.at_risk(uow, node, holding) if holding else {}


def online_shares(uow: SyncUnitOfWork, skus: Collection[str]) -> dict[str, float]:
    """Each SKU's online rate split evenly over the nodes the hub holds rights at, in two
    reads whatever the number of SKUs; a SKU never ordered online (share 0) is absent, so the
    holders are read only for the few SKUs sold online."""
    online = {sku: rate for sku, (rate, _) in uow.accounts.online_rates(skus).items() if rate}
    holders = uow.accounts.held_many(list(online)) if online else {}
    return {sku: rate / max(1, len(holders.get(sku, {}))) for sku, rate in online.items()}


def _next_tau(peer: Peer, now_s: float, settings: SyncSettings) -> float:
    """tau learned from the gap since the node's last sync session (exchanges less than
    `shortest_s` apart are one session; a gap past the longest heartbeat is an outage, the
    node's offline gap's part)."""
    elapsed = now_s - peer.last_sync_s
    if peer.last_sync_s < 0 or elapsed < settings.bounds.shortest_s:
        return peer.tau_s
    return allocation.smoothed(peer.tau_s, min(elapsed, settings.bounds.longest_s))


def tau_moves(uow: SyncUnitOfWork, peer: Peer, now: datetime, settings: SyncSettings) -> bool:
    """Whether this sync's tau (the horizon every SKU's split is made over) is
    `settings.resplit` times the last split's or more, either way: then every SKU's split is
    stale at once (at a node's second sync tau first learns its real gap), and the sync's
    sweep takes them all, rather than 200 an exchange (at 20,000 SKUs, a hundred exchanges
    to hand rights back); as in any sweep, a SKU that holds keeps what it has."""
    if peer.last_sync_s < 0:
        return False
    after = _next_tau(peer, now.timestamp(), settings)
    if after == peer.tau_s:
        return False
    least = max(settings.bounds.shortest_s, _offline_gap_s(uow, peer.node, settings))
    before, after = max(peer.tau_s, least), max(after, least)
    return max(before, after) >= settings.resplit * min(before, after)


def _offline_gap_s(uow: SyncUnitOfWork, node: str, settings: SyncSettings) -> float:
    """How long the node is expected to be out of reach: the settings' word (the simulator's),
    else the node's own (`microindex node set CODE --offline-gap`, or its kind's default)."""
    if node in settings.expected_gap_s:
        return settings.expected_gap_s[node]
    registered = uow.nodes.get(node)
    return registered.expected_offline_gap_s if registered is not None else 0.0


def _walk_in_rates(
    uow: SyncUnitOfWork,
    peer: Peer,
    account: NodeAccount,
    skus: list[str],
    full: bool,
    now: datetime,
    settings: SyncSettings,
) -> tuple[dict[str, allocation.SplitRate], float]:
    """Decayed walk-in rates and online shares of `skus` (units per second), kept by the hub,
    and the sum of both over all the node's SKUs (for its next sync); tau learns from gaps
    between sync sessions (exchanges less than `shortest_s` apart are one session).

    A SKU's rate is kept as of its last split and decayed here from then (no sale since, or it
    would have moved); the node's sum is kept too, decayed as one and corrected by the SKUs
    split now, so a sync costs what it splits, not what the node holds.

    At the first sync the node's whole mirrored history counts, over the time it spans: from
    its first movement to its last, both on the node's clock, so an offset clock changes
    nothing (SYNC.md's invariant 8)."""
    now_s, last_s, horizon = now.timestamp(), peer.last_sync_s, settings.rate_horizon_s
    sold, elapsed = dict(account.walkin), now_s - last_s
    if last_s < 0:
        sold, elapsed = _history(uow, peer.node)
        for sku, short in account.walkin.items():  # unmet asks seen now (`_asks`)
            sold[sku] = max(sold.get(sku, 0), short)
    else:
        peer.tau_s = _next_tau(peer, now_s, settings)
    peer.last_sync_s = now_s
    priors = uow.accounts.split_rates(peer.node, skus)
    shares = online_shares(uow, skus)
    total = 0.0 if full or last_s < 0 else peer.rate_sum * math.exp(-max(0.0, elapsed) / horizon)
    fresh = any(sku not in priors for sku in skus)
    unseen = (
        _new_sku_rate(uow, peer.node, account, sold, elapsed, last_s, settings) if fresh else 0.0
    )
    rates: dict[str, allocation.SplitRate] = {}
    for sku in skus:
        prior = priors.get(sku)
        walk_in = unseen
        if prior is not None:
            at_s = prior.at_s if prior.at_s >= 0 else last_s
            walk_in = prior.walk_in * math.exp(-max(0.0, last_s - at_s) / horizon)
            if not full and last_s >= 0:  # `SplitRate.decayed` as of at_s, no copy a SKU
                total -= (prior.walk_in + prior.online) * math.exp(
                    -max(0.0, now_s - at_s) / horizon
                )
        walk_in = allocation.decayed_rate(walk_in, elapsed, sold.get(sku, 0), horizon)
        rates[sku] = allocation.SplitRate(walk_in, shares.get(sku, 0.0), now_s)
        total += walk_in + rates[sku].online
    uow.accounts.save_split_rates(peer.node, rates)
    peer.rate_sum = max(0.0, total)
    return rates, peer.rate_sum


def _new_sku_rate(
    uow: SyncUnitOfWork,
    node: str,
    account: NodeAccount,
    sold: dict[str, int],
    elapsed: float,
    last_s: float,
    settings: SyncSettings,
) -> float:
    """The walk-in rate assumed for a SKU the node never had a rate for: what the node sells
    per SKU (its observed walk-in rate spread over the SKUs it holds), so a new SKU at a van
    that sells a few units a day over hundreds of SKUs keeps a unit or so local, not several.
    At the first sync that is its history (`sold` over `elapsed`); later the rates kept for
    its other SKUs. A node with nothing observed yet assumes `settings.prior_rate_per_s`."""
    if last_s < 0:
        held = set(account.mirror) | set(sold)
        if elapsed > 0 and held:
            return sum(sold.values()) / elapsed / len(held)
        return settings.prior_rate_per_s
    known = uow.accounts.walk_in_rates([node]).get(node, {})
    if not known:
        return settings.prior_rate_per_s
    return sum(known.values()) / len(known)


def _history(uow: SyncUnitOfWork, node: str) -> tuple[dict[str, int], float]:
    """Units sold at the node by SKU over its mirrored ledger, and the seconds it spans
    (earliest to latest movement: a ledger imported late is not in time order), summed by
    the store: no movement row is read here."""
    history = uow.ledger.sales(node)
    return history.sold, history.span_s
