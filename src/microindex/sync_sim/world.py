"""The rights world: a hub and its nodes selling a demand trace while syncing under faults."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from microindex.adapters.sync.codec import decode_reply, encode_push
from microindex.adapters.sync.memory import SimulatedCrash
from microindex.adapters.sync.transport import HubEndpoint
from microindex.domain.errors import OutOfStock
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import StepRefused, reservation_id
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.sync.account import NotEnoughRights, State
from microindex.domain.sync.messages import PushRefused
from microindex.domain.sync.node import Override, PromisedOnline, SyncReason
from microindex.service import fulfilment, promise, repromise, rights, sync
from microindex.service.promise import UnknownOrder
from microindex.service.promise_ports import PromiseUnitOfWork
from microindex.service.sync_ports import HubUnreachable, SyncUnitOfWork
from microindex.sync_sim.network import Delivery, Network
from microindex.sync_sim.nodes import CENTRE, sim_nodes
from microindex.sync_sim.stores import Stores
from microindex.sync_sim.trace import Demand, Scenario, demand, outages

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PICK_EVERY_S = 600.0
# of the set-asides a node's staff pick, the share whose step is recorded at the hub (the node
# keeps its ledger elsewhere: the hub's FULFIL request picks it), and of those the share also
# picked at the node before the request arrives (a local pick and a request: one pick)
REMOTE_PICKS, BOTH_WAYS = 0.5, 0.3
EXPIRE_EVERY_S = 300.0
RETRY_S = 120.0


@dataclass
class Tally:
    walkin_units: int = 0
    walkin_sold: int = 0
    overrides: int = 0  # units staff sold anyway, beyond the node's rights (overdrafts)
    online_units: int = 0
    online_promised: int = 0
    asks: int = 0
    crashes: int = 0
    refused: int = 0  # pushes refused (replays of duplicates)
    promises: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (node, qty)
    orders: list[str] = field(default_factory=list)  # every order promised, by ident
    duplicate_mismatch: int = 0
    sales_sent_again: int = 0  # walk-in sales a till sent twice under one key
    duplicate_sale_mismatch: int = 0  # of them, answered other than with the first sale
    remote_picks: dict[str, str] = field(default_factory=dict)  # reservation -> node, for
    # the pick requests the hub queued (RequestKind.FULFIL)


ANYWAY = Override("till", "the customer is at the counter")


class RightsWorld:
    def __init__(
        self,
        scenario: Scenario,
        skew: bool = True,
        check: Callable[[RightsWorld], None] | None = None,
    ) -> None:
        self.sc = scenario
        self.stores = Stores(scenario.nodes, scenario.sqlite_dir)
        self.secrets = {n: f"secret-{n}-{scenario.seed}".encode() for n in scenario.nodes}
        skews = random.Random(f"skew-{scenario.seed}")
        self.skew = {
            n: skews.uniform(-1, 1) * scenario.faults.max_skew_s * skew for n in scenario.nodes
        }
        self.rng = random.Random(f"world-{scenario.seed}")
        self.pick_rng = random.Random(f"picks-{scenario.seed}")  # apart: the rest replays
        self.order_rng = random.Random(f"orders-{scenario.seed}")  # methods, places, cancels
        self.staff_rng = random.Random(f"staff-{scenario.seed}")  # who sells anyway
        self.till_rng = random.Random(f"tills-{scenario.seed}")  # which tills send again
        self.nodes = sim_nodes(scenario.nodes)
        hold = timedelta(seconds=scenario.hold_s)
        self.promising = promise.PromiseSettings(lease=hold, hold=hold)
        self.net = Network(scenario.faults, outages(scenario), scenario.seed)
        settings = sync.SyncSettings(
            expected_gap_s=dict(scenario.expected_gap_s), at_risk=self._waiting_at_risk
        )
        self.endpoint = HubEndpoint(
            self.stores.hub, self.secrets, self.hub_now, settings, after=self._answer_uncovered
        )
        self.t = 0.0
        self.tally = Tally()
        self.epochs = 0
        self._check = check
        self._queue: list[tuple[float, int, str, object]] = []
        self._order = 0
        self._next_sync: dict[str, float] = {}

    # clocks: the hub's is the simulation's; each node's is off by its skew
    def hub_now(self) -> datetime:
        return T0 + timedelta(seconds=self.t)

    def node_now(self, node: str) -> datetime:
        return T0 + timedelta(seconds=self.t + self.skew[node])

    def at(self, t: float, kind: str, payload: object = None) -> None:
        self._order += 1
        heapq.heappush(self._queue, (t, self._order, kind, payload))

    # --- set-up and main loop ------------------------------------------------------------

    def start(self) -> None:
        rights.renew_epoch(self.stores.hub, "epoch-0")
        for node in self.sc.nodes:
            with self.stores.node(node)() as uow:
                ledger = uow.ledger.load(node, self.sc.skus)
                for sku in self.sc.skus:
                    ledger.record(sku, MovementKind.RECEIVE, self.sc.stock, self.node_now(node))
                uow.ledger.save(ledger)
                uow.commit()
            self.schedule_sync(node, self.rng.uniform(0, 30))
            self.at(self.rng.uniform(0, PICK_EVERY_S), "pick", node)
        for d in demand(self.sc):
            self.at(d.at_s, "demand", d)
        self.at(EXPIRE_EVERY_S, "expire")
        self._plan_faults()

    def _plan_faults(self) -> None:
        f, horizon = self.sc.faults, self.sc.horizon_s
        places = ["hub", *self.sc.nodes]
        for _ in range(f.crashes):
            self.at(self.rng.uniform(0, horizon), "crash", self.rng.choice(places))
        if f.restore:
            backup_at = self.rng.uniform(0, horizon * 0.6)
            self.at(backup_at, "backup")
            self.at(self.rng.uniform(backup_at, horizon), "restore")

    def run(self) -> None:
        self.start()
        handlers: dict[str, Callable[[object], None]] = {
            "demand": self._demand,
            "sync": self._sync,
            "deliver": self._deliver,
            "pick": self._pick,
            "expire": self._expire,
            "cancel": self._cancel,
            "crash": self._crash,
            "backup": self._backup,
            "restore": self._restore,
        }
        while self._queue and self._queue[0][0] < self.sc.horizon_s:
            self.t, _, kind, payload = heapq.heappop(self._queue)
            handlers[kind](payload)
            if self._check is not None:
                self._check(self)

    # --- demand --------------------------------------------------------------------------

    def _demand(self, payload: object) -> None:
        assert isinstance(payload, Demand)
        if payload.node:
            self.walk_in(payload)
        else:
            self.online(payload)

    def walk_in(self, d: Demand) -> None:
        """A customer at the till: `rights.sell_walk_in`, as `POST /api/v1/nodes/{node}/sell`,
        the CLI and the node agent sell. Beyond its local rights the node asks the hub at once
        when it can reach it (else the link's `HubUnreachable`); still short, the staff are told
        the units are promised online (`PromisedOnline`, the API's 409) and mostly decline;
        some sell anyway (`override`: an overdraft with their name, that the hub answers by
        re-promising the orders it breaks or marking them at risk)."""
        self.tally.walkin_units += d.quantity
        override = None
        sold: Movement | None
        try:
            sold = self._sell(d, ask=self._asker(d.node))
        except (PromisedOnline, NotEnoughRights):
            if self.staff_rng.random() >= self.sc.override:
                return
            override = ANYWAY
            sold = self._sell_anyway(d)
        except OutOfStock:
            return
        except SimulatedCrash:
            self.tally.crashes += 1
            return
        if sold is None:
            return
        self.tally.walkin_sold += d.quantity
        if self.till_rng.random() < self.sc.duplicate_sales:
            self._sent_again(d, sold, override)
        self._trigger(d.node)

    def _sell(
        self, d: Demand, ask: rights.AskHub | None = None, override: Override | None = None
    ) -> Movement:
        return rights.sell_walk_in(
            self.stores.node(d.node),
            d.node,
            d.sku,
            d.quantity,
            self.node_now(d.node),
            d.key,
            ask=ask,
            actor="till",
            override=override,
            key=d.key,  # the till's sale key: a retry of it is the same sale (ADR 0058)
        )

    def _sell_anyway(self, d: Demand) -> Movement | None:
        try:
            sold = self._sell(d, override=ANYWAY)
        except OutOfStock:
            return None
        except SimulatedCrash:
            self.tally.crashes += 1
            return None
        self.tally.overrides += d.quantity
        return sold

    def _sent_again(self, d: Demand, sold: Movement, override: Override | None) -> None:
        """The till lost the answer and sends the same sale under its key, maybe after other
        sales and syncs: the node answers with the first sale's movement and records nothing."""
        try:
            again = self._sell(d, ask=self._asker(d.node), override=override)
        except SimulatedCrash:
            self.tally.crashes += 1
            return
        except (PromisedOnline, NotEnoughRights, OutOfStock):
            again = None  # a retry must never be judged as a new sale
        self.tally.sales_sent_again += 1
        self.tally.duplicate_sale_mismatch += again is None or again.digest() != sold.digest()

    def _asker(self, node: str) -> rights.AskHub:
        """The node's synchronous exchange with the hub for the rights a sale lacks, failing as
        the real link does (`HubUnreachable`); whether the hub gave enough, `sell_walk_in`
        finds out by selling again."""

        def ask(lines: Mapping[str, int]) -> None:
            if not self.net.up(node, self.t) or self.net.ask_fails():
                raise HubUnreachable(node)
            self.tally.asks += 1
            if not self._exchange(node, sorted(lines.items())):
                raise HubUnreachable(node)

        return ask

    def online(self, d: Demand) -> None:
        """An online order through `service/promise.place_order`, as the CLI and the API
        place it; when no node's rights cover it, the hub asks an online node for rights."""
        self.tally.online_units += d.quantity
        request = self._order_request(d)
        for attempt in range(2):
            try:
                placed = promise.place_order(
                    self.stores.hub, d.key, request, self.nodes, self.promising
                )
                break
            except CannotPromise:
                if attempt or not self._ask_nodes(d.sku, d.quantity):
                    return
            except SimulatedCrash:
                return
        self.tally.online_promised += d.quantity
        self.tally.orders.append(placed.record.order.ident)
        parts = placed.record.order.parts
        for node, part in parts.items():
            for sku, quantity in part.lines:
                self.tally.promises[reservation_id(d.key, node, sku)] = (node, quantity)
        if self.order_rng.random() < self.sc.cancel_orders:
            self.at(self.t + self.order_rng.uniform(60, self.sc.hold_s), "cancel", d.key)
        if self.rng.random() < self.sc.duplicate_orders:
            again = promise.place_order(self.stores.hub, d.key, request, self.nodes, self.promising)
            self.tally.duplicate_mismatch += again.created or again.record.order.parts != parts

    def _order_request(self, d: Demand) -> OrderRequest:
        """Shipped or delivered to a customer somewhere around the nodes."""
        rng = self.order_rng
        method = Method.LOCAL_DELIVERY if rng.random() < 0.5 else Method.SHIP
        customer = Location(
            CENTRE.lat + rng.uniform(-0.05, 0.05), CENTRE.lon + rng.uniform(-0.08, 0.08)
        )
        return OrderRequest((OrderLine(d.sku, d.quantity),), method, self.hub_now(), customer)

    def _ask_nodes(self, sku: str, units: int) -> bool:
        """The hub asks an online node to grant it rights at once (for an online order)."""
        with self.stores.hub() as uow:
            held = uow.accounts.held(sku)
        for node in self.sc.nodes:
            if not self.net.up(node, self.t) or self.net.ask_fails():
                continue
            with self.stores.node(node)() as uow:
                local = sync.load_side(uow, node).get(sku).local
            need = units - max(0, held.get(node, 0))
            if 0 < need <= local:
                self.tally.asks += 1
                try:
                    rights.grant(self.stores.node(node), node, sku, need, self.node_now(node))
                except SimulatedCrash:
                    return False
                return self._exchange(node, [])
        return False

    # --- sync over the faulty network ----------------------------------------------------

    def schedule_sync(self, node: str, t: float) -> None:
        if t < self._next_sync.get(node, float("inf")) or self._next_sync.get(node, 0) <= self.t:
            self._next_sync[node] = t
            self.at(t, "sync", (node, t))

    def _sync(self, payload: object) -> None:
        assert isinstance(payload, tuple)
        node, when = str(payload[0]), float(payload[1])
        if self._next_sync.get(node) != when:
            return  # superseded by an earlier trigger
        self._next_sync.pop(node)
        try:
            push = sync.prepare_push(self.stores.node(node), node, 500)
        except SimulatedCrash:
            self.tally.crashes += 1
        else:
            frame = encode_push(push, self.secrets[node])
            for delivery in self.net.send(self.t, True, node, frame):
                self.at(delivery.at_s, "deliver", delivery)
        self.schedule_sync(node, self.t + self._interval(node))

    def _interval(self, node: str) -> float:
        """Demand-aware, from the hub's advice; soon again while the hub lacks something."""
        with self.stores.node(node)() as uow:
            side = uow.rights.load(node)
            head = uow.ledger.load(node, []).head
        if side.acked < head:
            return RETRY_S
        return float(side.next_sync_s or RETRY_S)

    def _waiting_at_risk(
        self, uow: SyncUnitOfWork, node: str, skus: Collection[str]
    ) -> Mapping[str, int]:
        """What orders at risk at `node` wait for there, as the workspace's hub reads it."""
        return repromise.waiting(cast(PromiseUnitOfWork, uow), node, skus)

    def _answer_uncovered(self, node: str, now: datetime) -> None:
        """After each push, as the hub's endpoint does: orders whose goods at the node are
        gone are promised again elsewhere or marked at risk, and parts at risk elsewhere are
        tried again (`service/repromise.answer_push`)."""
        repromise.answer_push(self.stores.hub, node, now, self.nodes, self.promising)

    def _deliver(self, payload: object) -> None:
        assert isinstance(payload, Delivery)
        if not self.net.arrives(payload):
            return
        if payload.to_hub:
            answer = self._hub_handle(payload.frame)
            if answer is not None:
                for back in self.net.send(self.t, False, payload.node, answer):
                    self.at(back.at_s, "deliver", back)
        else:
            self._node_handle(payload.node, payload.frame)

    def _hub_handle(self, frame: bytes) -> bytes | None:
        try:
            return self.endpoint.handle(frame)
        except PushRefused:
            self.tally.refused += 1
        except SimulatedCrash:
            self.tally.crashes += 1
        return None

    def _node_handle(self, node: str, frame: bytes) -> bool:
        secret = self.secrets[node]
        reply = decode_reply(frame, lambda n: secret if n == node else None)
        try:
            made = sync.accept_reply(self.stores.node(node), node, reply, self.node_now(node))
        except SimulatedCrash:
            self.tally.crashes += 1
            return False
        if made:
            self.schedule_sync(node, self.t + 1)
        return made is not None

    def _exchange(self, node: str, want: list[tuple[str, int]]) -> bool:
        try:
            push = sync.prepare_push(self.stores.node(node), node, 500, want)
        except SimulatedCrash:
            self.tally.crashes += 1
            return False
        answer = self._hub_handle(encode_push(push, self.secrets[node]))
        return answer is not None and self._node_handle(node, answer)

    def _trigger(self, node: str) -> None:
        """Sync soon when SYNC.md's triggers say so (the heartbeat has its own timer)."""
        reason = sync.sync_due(self.stores.node(node), node, 0.0)
        if reason is not SyncReason.NOTHING:
            self.schedule_sync(node, self.t + 5)

    # --- the node's and the hub's routines -----------------------------------------------

    def _pick(self, payload: object) -> None:
        node = str(payload)
        self.at(self.t + PICK_EVERY_S, "pick", node)
        try:
            waiting = rights.set_aside(self.stores.node(node), node)
            for ident in sorted(waiting):
                way = self.pick_rng.random()
                remote = way < REMOTE_PICKS and self._request_pick(node, ident, waiting[ident])
                if remote and way >= REMOTE_PICKS * BOTH_WAYS:
                    continue  # else picked at the node too, before the request arrives
                rights.fulfil(self.stores.node(node), node, ident, self.node_now(node))
        except SimulatedCrash:
            self.tally.crashes += 1
            return
        if waiting:
            self._trigger(node)

    def _request_pick(self, node: str, ident: str, line: tuple[str, int]) -> bool:
        """The staff's step for a set-aside recorded at the hub, as for a node that keeps its
        ledger elsewhere: the hub asks the node to pick it in its next sync reply. Only while
        the hub still counts it set aside (not being cancelled): staff do not pick goods the
        hub has already taken back (that race is a real overdraft, not a sync fault)."""
        try:
            with self.stores.hub() as uow:
                found = uow.accounts.reservation(ident)
            if found is None or found.state is not State.ASIDE:
                return False
            asked = fulfilment.request_picks(self.stores.hub, node, {ident: line})
        except SimulatedCrash:
            self.tally.crashes += 1
            return False
        self.tally.remote_picks.update((asked_for, node) for asked_for in asked)
        return bool(asked)

    def _expire(self, _: object) -> None:
        """Orders whose lease ran out before they were confirmed are released, on the hub's
        clock (`promise.release_lapsed`, what `order release-lapsed` runs)."""
        self.at(self.t + EXPIRE_EVERY_S, "expire")
        try:
            promise.release_lapsed(self.stores.hub, self.hub_now())
        except SimulatedCrash:
            self.tally.crashes += 1

    def _cancel(self, payload: object) -> None:
        """The customer cancels (`promise.cancel`, what `order cancel` and the API run)."""
        try:
            promise.cancel(self.stores.hub, str(payload), self.hub_now(), "customer")
        except (StepRefused, UnknownOrder):
            pass  # already ended, or lost with the hub's recent past in a restore
        except SimulatedCrash:
            self.tally.crashes += 1

    def _crash(self, payload: object) -> None:
        self.stores.crash(str(payload))

    def _backup(self, _: object) -> None:
        self._snapshot = self.stores.backup()

    def _restore(self, _: object) -> None:
        self.stores.hub.crash_at_commit = False  # a restored hub is a new process
        self.stores.restore(self._snapshot)
        self.epochs += 1
        rights.renew_epoch(self.stores.hub, f"epoch-{self.epochs}")

    # --- heal and quiet --------------------------------------------------------------------

    def heal(self, rounds: int = 8) -> int:
        """Links back, faults off, no new demand: sync rounds until every node is drained.
        Returns the rounds it took (rounds + 1 when it did not drain)."""
        self.net.healed = True
        self.stores.hub.crash_at_commit = False
        for database in self.stores.nodes.values():
            database.crash_at_commit = False
        for done in range(1, rounds + 1):
            self.t += 60
            for node in self.sc.nodes:
                self._exchange_until_quiet(node)
            if self.drained():
                return done
        return rounds + 1

    def _exchange_until_quiet(self, node: str) -> None:
        for _ in range(20):
            self._exchange(node, [])
            with self.stores.node(node)() as uow:
                side = uow.rights.load(node)
                head = uow.ledger.load(node, []).head
            if side.acked >= head:
                return

    def drained(self) -> bool:
        for node in self.sc.nodes:
            with self.stores.node(node)() as uow:
                head = uow.ledger.load(node, []).head
            with self.stores.hub() as uow:
                mirrored = uow.ledger.load(node, []).head
                pending = uow.accounts.load(node).requests
            if head != mirrored or pending:
                return False
        return True
