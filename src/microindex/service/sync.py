"""Node-hub sync: a node pushes its new movements, the hub answers with requests and advice.

Resumable after any cut: the hub's checkpoint for a node is the head of its mirror of that
node's ledger, stored in the same transaction as the mirrored movements; the node reads from
the checkpoint the hub last reported. Applying a batch twice changes nothing (same seq, same
digest), a different digest is refused as a conflict, a gap applies nothing and the reply tells
the node where to resume.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from microindex.domain.errors import MovementConflict, SequenceGap, WrongNode
from microindex.domain.ledger import Ledger
from microindex.domain.movement import Movement, MovementKind, MovementRow, row_kind, row_sku
from microindex.domain.sync import allocation
from microindex.domain.sync.account import NodeAccount, Request, RequestKind
from microindex.domain.sync.messages import (
    Advice,
    Peer,
    Push,
    PushRefused,
    Refusal,
    Reply,
    rows_of,
)
from microindex.domain.sync.node import NodeSide, SyncReason, sync_reason
from microindex.domain.sync.rights import Tag, tagged
from microindex.service.catalog import PRODUCT_TOPIC, kits_in
from microindex.service.records import product_from_record
from microindex.service.rights_split import Split, rebalance, release, tau_moves
from microindex.service.stock import append_movements, save_movements
from microindex.service.sync_ports import SyncTransport, SyncUnitOfWork, SyncUnitOfWorkFactory
from microindex.service.webhook_events import stock_learned

_GRANT = MovementKind.GRANT
_GRANT_KIND = _GRANT.value


class LocalFloors(Protocol):
    def __call__(self, node: str, skus: Collection[str]) -> Mapping[str, int]:
        """The least local rights `node` keeps of each of `skus` (absent: no floor)."""
        ...


class AtRisk(Protocol):
    def __call__(self, uow: SyncUnitOfWork, node: str, skus: Collection[str]) -> Mapping[str, int]:
        """Units of `skus` that orders at risk at `node` wait for there, read in the push's
        unit of work (absent: none)."""
        ...


@dataclass(frozen=True, slots=True)
class SyncSettings:
    batch: int = 5000  # movements per push
    # requests per reply: enough for a node's whole catalog, so that the second sync, at
    # which the hub hands most SKUs' rights back (a RELEASE each), takes one reply, not one
    # per 500 (35-45 exchanges at 20,000 SKUs, each re-reading the node's rights there)
    requests: int = 50_000
    catalog: int = 500  # catalog changes per reply
    bounds: allocation.SyncBounds = field(default_factory=allocation.SyncBounds)
    z: float = 1.645  # low-water safety factor (95%)
    rate_horizon_s: float = 4 * 3600.0  # how fast demand estimates forget
    # the least time to a node's next successful sync, by node: overrides the node's own
    # expected offline gap (`Node.expected_offline_gap_s`; the simulator's nodes have none)
    expected_gap_s: Mapping[str, float] = field(default_factory=dict)
    stockout: float = allocation.POOL_BELOW  # target chance a node runs out of local rights
    prior_rate_per_s: float = 0.5 / 3600  # walk-in demand assumed per SKU before any is seen
    sweep: int = 200  # SKUs an idle sync splits again, in turn, besides those that moved
    # a sync whose tau is this many times the last split's (or a this-many-th of it) splits
    # every SKU again (`rights_split.tau_moves`)
    resplit: float = 1.5
    # units a node keeps as local rights at least, by SKU, within what it holds: the stock
    # targets accepted at the node (governance triage), read through the workspace's port
    floors: LocalFloors | None = None
    # units orders at risk at a node wait for there: kept back from its local rights, so new
    # stock there covers them again (`repromise.waiting`, wired by the workspace)
    at_risk: AtRisk | None = None


# --- the node's side ---------------------------------------------------------------------


def load_side(uow: SyncUnitOfWork, node: str) -> NodeSide:
    """The node's rights and marks, caught up with movements recorded since (e.g. receipts)."""
    side = uow.rights.load(node)
    head = uow.ledger.load(node, []).head
    while side.rights_head < head:
        side.catch_up(uow.ledger.movements(node, side.rights_head, 5000))
    return side


def prepare_push(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    batch: int = 5000,
    want: Sequence[tuple[str, int]] = (),
) -> Push:
    """The next batch after the hub's checkpoint; its counter is stored before it is sent."""
    with node_db() as uow:
        side = load_side(uow, node)
        side.counter += 1
        head = uow.ledger.load(node, []).head
        movements = tuple(uow.ledger.movements(node, side.acked, batch))
        uow.rights.save(side)
        uow.commit()
    last = movements[-1].seq if movements else head
    return Push(
        node,
        side.incarnation,
        side.counter,
        side.epoch,
        movements,
        head,
        side.requests_through,
        side.covers_requests(last),
        side.catalog_mark,
        tuple(want),
        side.answered,
    )


def accept_reply(
    node_db: SyncUnitOfWorkFactory, node: str, reply: Reply, at: datetime
) -> list[Movement] | None:
    """Apply the hub's reply in one transaction: the movements it made here, or None for a
    reply to an older push (ignored)."""
    with node_db() as uow:
        side = load_side(uow, node)
        if reply.node != node or reply.counter != side.counter:
            return None
        skus = {r.sku for r in reply.requests} | {a.sku for a in reply.advice}
        ledger = uow.ledger.load(node, skus)
        keys = [r.key for r in reply.requests]
        picked = [tagged(Tag.FULFIL, r.ident) for r in reply.requests if r.again]
        side.applied = uow.rights.applied(node, keys + picked)  # a set-aside made again: not
        # for goods picked here (`NodeSide._apply`)
        skew = timedelta(0) if reply.hub_now is None else at - reply.hub_now  # ahead of the hub
        side.count_basis = {
            r.seq: _counted_at(uow, node, r, ledger.head, skew)
            for r in reply.requests
            if r.kind is RequestKind.COUNT and r.key not in side.applied
        }
        made = side.accept(ledger, reply, at)
        append_movements(uow, ledger, at)
        for result, actor in side.counted:  # counts the hub asked for, kept as counts here
            uow.ledger.record_count(result, at, actor)
        if reply.catalog:
            uow.catalog.upsert([product_from_record(dict(r)) for r in reply.catalog])
            uow.catalog.set_kits(kits_in(reply.catalog))
        if reply.popup is not None and reply.popup.node == node:  # its dates, as the hub has them
            uow.popups.save(reply.popup)
        side.catalog_mark = max(side.catalog_mark, reply.catalog_mark)
        uow.rights.save(side)
        uow.commit()
    return made


def _counted_at(
    uow: SyncUnitOfWork, node: str, count: Request, head: int, skew: timedelta
) -> tuple[int, int]:
    """Where in this node's ledger a count the hub asked for was taken, and the on-hand of its
    SKU there: at its position; for one taken at a time (`count.at`, the hub's clock, read on
    this node's clock by `skew`, how far this clock is ahead of the hub's), at the node's last
    movement by then, never before the position (the hub's mirror head)."""
    position = min(count.position, head)
    if count.at is not None:
        taken = count.at + skew
        while batch := uow.ledger.movements(node, position, 1000):
            later = next((m for m in batch if m.at > taken), None)
            if later is not None:
                position = later.seq - 1
                break
            position = batch[-1].seq
    return position, uow.ledger.on_hand_at(node, count.sku, position)


def save_ledger(uow: SyncUnitOfWork, ledger: Ledger, at: datetime) -> None:
    """Append what the ledger recorded, with its outbox message (`stock.save_movements`)."""
    save_movements(uow, ledger, at)


def sync_due(node_db: SyncUnitOfWorkFactory, node: str, idle_s: float) -> SyncReason:
    """Whether the node should sync now, and why (see `domain.sync.node.sync_reason`)."""
    with node_db() as uow:
        side = load_side(uow, node)
        return sync_reason(side, uow.ledger.movements(node, side.acked, 1000), idle_s)


@dataclass(frozen=True, slots=True)
class SyncReport:
    pushed: int
    exchanges: int
    acked: int


def sync_node(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    transport: SyncTransport,
    at: datetime,
    batch: int = 5000,
    want: Sequence[tuple[str, int]] = (),
    max_exchanges: int = 1000,
) -> SyncReport:
    """Push until the hub has everything (batch by batch, resumable), applying each reply;
    movements a reply made here (grants, set-asides) go straight back, and so does word of
    requests applied without a movement (a set-aside refused: its promise is uncovered, which
    the hub must hear now, not at the next sync).

    One sync of a node at a time in this process (a walk-in sale's ask, the agent's loop and
    a staff step may all sync it); a push another process's sync overtook (refused as a
    replay of its counter) is sent again under a new counter, a few times."""
    with _sync_lock(node_db, node):
        return _sync_node(node_db, node, transport, at, batch, want, max_exchanges)


_LOCKS: dict[tuple[int, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
REPLAY_RETRIES = 3


def _sync_lock(node_db: SyncUnitOfWorkFactory, node: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((id(node_db), node), threading.Lock())


def _sync_node(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    transport: SyncTransport,
    at: datetime,
    batch: int,
    want: Sequence[tuple[str, int]],
    max_exchanges: int,
) -> SyncReport:
    pushed = exchanges = clashes = 0
    while True:
        push = prepare_push(node_db, node, batch, want)
        try:
            reply = transport.exchange(push)
        except PushRefused as refused:
            clashes += 1
            if refused.reason is not Refusal.REPLAY or clashes > REPLAY_RETRIES:
                raise
            continue
        made = accept_reply(node_db, node, reply, at)
        exchanges += 1
        pushed += len(push.movements)
        applied = any(r.seq > push.requests_through for r in reply.requests)
        settled = (
            reply.acked >= push.head and not made and not applied and reply.epoch == push.epoch
        )
        if settled or exchanges >= max_exchanges:
            return SyncReport(pushed, exchanges, reply.acked)


# --- the hub's side ----------------------------------------------------------------------


def receive_push(
    hub_db: SyncUnitOfWorkFactory,
    push: Push,
    now: datetime,
    settings: SyncSettings | None = None,
) -> Reply:
    """Apply a node's push at the hub and answer it, in one transaction.

    Reads and splits only the SKUs the push touches, those of unsettled requests and a slice
    of the rest (`SyncSettings.sweep`), so a sync with nothing new costs the same whatever the
    catalog; all of them at the node's first sync and after a reply the node never applied.

    Call only with a push whose credential was verified for `push.node`.
    """
    settings = settings or SyncSettings()
    with hub_db() as uow:
        epoch = uow.accounts.epoch()
        rows = rows_of(push.movements)
        skus = set(map(row_sku, rows))  # a push's SKUs, read in C: not a loop a row
        touched = skus | {sku for sku, _ in push.want}
        # locks the node's account, then reads its peer row
        account = uow.accounts.load(push.node, touched, requests=True)
        peer = uow.accounts.peer(push.node)
        full = peer.last_sync_s < 0 or push.answered != peer.counter
        everything = not full and tau_moves(uow, peer, now, settings)
        peer.admit(push)
        # on-hand read (and locked) only where goods move: a grant moves rights alone, and
        # the answer to a re-split is 20,000 of them
        goods = (
            skus
            if _GRANT_KIND not in map(row_kind, rows)
            else {row[2] for row in rows if row[4] != _GRANT_KIND}
        )
        ledger = uow.ledger.load(push.node, goods)
        before = dict(ledger.on_hand)
        complete = _mirror(uow, ledger, account, push.node, rows) and ledger.head >= push.head
        stock_learned(uow, push.node, before, ledger.on_hand, ledger.rows, now)
        uow.ledger.save(ledger)  # before the rebalance, which may read the node's history
        peer.overdraft += account.overdraft
        peer.deficit += account.deficit
        same_epoch = push.epoch == epoch
        splits = complete and same_epoch
        settles = splits and push.covers_requests
        sweeps = splits and not _answers_only(rows)
        sweep = (  # a push that splits nothing (one of a catch-up's first) reads no more rights
            _include(uow, account, peer, full, settings, sweeps, everything, settles)
            if splits
            else []
        )
        if settles:
            account.settle(push.requests_through)
        peer.requests_through = push.requests_through if same_epoch else 0
        if complete and same_epoch:  # read after the node learned this epoch, all mirrored:
            peer.epoch = epoch  # the hub may spend its rights there (again)
        advice: tuple[Advice, ...] = ()
        next_sync = 0
        if peer.epoch == epoch:  # else a restored hub's H is stale: it spends nothing yet
            asked = _asks(account, epoch, push)
            if complete and same_epoch:
                split = Split(full, sweep, asked)
                advice, next_sync = rebalance(uow, peer, account, epoch, now, settings, split)
        uow.accounts.save(account)
        uow.accounts.save_peer(peer)
        if push.agent is not None:
            uow.accounts.report_agent(push.node, push.agent, now.timestamp())
        head = ledger.head
        reply = _reply(uow, push, peer, account, epoch, head, advice, next_sync, settings, now)
        uow.commit()
    return reply


def _include(
    uow: SyncUnitOfWork,
    account: NodeAccount,
    peer: Peer,
    full: bool,
    settings: SyncSettings,
    splits: bool,
    everything: bool = False,
    settles: bool = True,
) -> list[str]:
    """Load the rest of what this sync settles and splits into `account`: every SKU when
    `full`, else, when it `settles` requests, those of unsettled requests (settling one the
    node did not act on credits H) and, when it `splits`, the next slice of the node's SKUs
    after the peer's cursor (which wraps round). Returns the slice: with `everything` (tau
    moved, `rights_split.tau_moves`), every SKU of the node, the cursor left where it was.

    A push that settles nothing (the node's answer to a long reply, 5,000 movements a push)
    loads no request's SKU: at a second sync 20,000 releases are on their way, and every
    push of their answer would read the rights of all those still unanswered."""
    if full or everything:
        account.include(uow.accounts.load(account.node))
        return sorted(set(account.held) | set(account.mirror)) if everything else []
    sweep = uow.accounts.next_skus(account.node, peer.split_after, settings.sweep if splits else 0)
    if splits:
        peer.split_after = sweep[-1] if len(sweep) == settings.sweep else ""
    asked = {r.sku for r in account.requests.values()} if settles else set()
    more = asked | set(sweep)
    more -= set(account.held) | set(account.mirror)
    if more:
        account.include(uow.accounts.load(account.node, more))
    return sweep


def _answers_only(rows: Sequence[MovementRow]) -> bool:
    """A push holding only rights moves (grants, releases, set-asides: what the hub's last
    reply asked for) is the node answering within its sync: the idle sweep waits for its next
    sync, or the sync would sweep on, a slice an exchange, while each slice hands something
    back (the whole catalog, 200 SKUs an exchange). Read from the rows (kind is row[4])."""
    return bool(rows) and all(row[4] == _GRANT_KIND for row in rows)


def _mirror(
    uow: SyncUnitOfWork,
    ledger: Ledger,
    account: NodeAccount,
    node: str,
    rows: Sequence[MovementRow],
) -> bool:
    """Replicate the batch into the hub's mirror; False when it stopped at a gap. A run of rows
    next in sequence (a push, usually all of it) is taken and mirrored in one loop each
    (`Ledger.take_rows`, `NodeAccount.mirror_rows`); any other row one by one, as before."""
    replicate, mirror, movement = ledger.replicate_row, account.mirror_row, uow.ledger.movement
    i, count = 0, len(rows)
    while i < count:
        taken = ledger.take_rows(rows, i)
        if taken > i:
            account.mirror_rows(rows[i:taken])
            i = taken
            continue
        row = rows[i]
        i += 1
        seq = row[1]
        recorded = movement(node, seq) if seq <= ledger.head else None
        try:
            if replicate(row, recorded):
                mirror(row)
        except SequenceGap:
            return False
        except MovementConflict as error:
            raise PushRefused(node, Refusal.CONFLICT, str(error)) from error
        except WrongNode as error:
            raise PushRefused(node, Refusal.WRONG_NODE, str(error)) from error
    return True


def _asks(account: NodeAccount, epoch: str, push: Push) -> dict[str, int]:
    """An online node asking for local rights now (a walk-in it cannot serve): release what
    it lacks from H at once. `want` is the local rights the node needs, so asking again in
    the same session releases nothing more."""
    for sku, need in push.want:
        local = account.mirror[sku].local if sku in account.mirror else 0
        short = need - local - account.releasing(sku)
        if short > 0:
            account.walkin[sku] = account.walkin.get(sku, 0) + short  # unmet demand, seen now
            release(account, epoch, sku, min(short, account.h(sku)))
    return dict(push.want)


def _reply(
    uow: SyncUnitOfWork,
    push: Push,
    peer: Peer,
    account: NodeAccount,
    epoch: str,
    acked: int,
    advice: tuple[Advice, ...],
    next_sync: int,
    settings: SyncSettings,
    now: datetime,
) -> Reply:
    changes, mark = uow.outbox.of_topic(PRODUCT_TOPIC, push.catalog_mark, settings.catalog)
    products = tuple(m.payload for m in changes)
    requests = tuple(account.pending(peer.requests_through, settings.requests))
    popup = uow.popups.get(push.node)  # a pop-up's agent refuses to trade after it closed
    return Reply(
        push.node, push.counter, epoch, acked, requests, products, mark, advice, next_sync, popup,
        now,
    )  # fmt: skip
