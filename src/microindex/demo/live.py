"""The live demo: while the hub serves, its three nodes run as agents and shoppers keep buying.

Each node's agent is a thread syncing its own database with the hub over real HTTP (the hub's
localhost port, the node's secret from the workspace), as `microindex node run` does. A shopper
thread buys at the pace of the shop's own history (`pace.py`): at each node's counter (a walk-in
sale from that node's own rights) and online at the hub (promised from the hub's rights), restocks
what runs low and moves older orders one step on. `stop()` ends them all.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace
from microindex.demo.pace import NodePace, node_pace
from microindex.domain.errors import DomainError
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import LAST, ORDER, Order, Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.sync.account import NotEnoughRights
from microindex.service import fulfilment, promise, rights
from microindex.service import stock as stock_service
from microindex.service.nodes import list_nodes
from microindex.service.sync_worker import WorkerSettings, run_node

log = logging.getLogger(__name__)

AGENT = WorkerSettings(poll_s=1.0, retry_s=1.0, longest_retry_s=5.0)
CUSTOMER = Location(51.545, -0.055)  # Hackney, near the shopfront
ONLINE_SHARE = 0.25  # of the shoppers at a node, those who order online from the hub
ACTOR = "demo shopper"


@dataclass
class LiveDemo:
    """The running agents and shopper; `stop()` ends them and waits for them."""

    halt: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    links: list[HttpTransport] = field(default_factory=list)

    def stop(self, timeout_s: float = 10.0) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout_s)
        for link in self.links:
            link.close()


def start_live(ws: Workspace, hub_url: str, seed: int, every_s: float = 3.0) -> LiveDemo:
    """Start one sync agent per registered node and the shopper, all as daemon threads."""
    live = LiveDemo()
    codes = [n.code.value for n in list_nodes(ws.hub)]
    for code in codes:
        link = HttpTransport(hub_url, code, ws.secrets.ensure(code), timeout_s=10.0)
        live.links.append(link)
        node_db = ws.node(code)  # opened here, before any thread asks
        args = (node_db, code, link, ws.clock, live.halt.wait, lambda: not live.halt.is_set())
        live.threads.append(
            threading.Thread(
                target=run_node, args=(*args, AGENT), name=f"agent-{code}", daemon=True
            )
        )
    shopper = Shopper.following_history(ws, codes, random.Random(seed))
    live.threads.append(
        threading.Thread(target=shopper.run, args=(live.halt, every_s), name="shopper", daemon=True)
    )
    for thread in live.threads:
        thread.start()
    return live


@dataclass
class Shopper:
    """Shoppers at the history's pace: at each node, each moment, a sale is as likely as the
    node's history makes it; a share of them are online orders at the hub. A SKU that runs
    low at a node is restocked to where it stood when the demo started."""

    ws: Workspace
    rng: random.Random
    paces: dict[str, NodePace]  # by node

    @classmethod
    def following_history(cls, ws: Workspace, codes: list[str], rng: random.Random) -> Shopper:
        now = ws.clock()
        return cls(ws, rng, {code: node_pace(ws.node(code), code, now) for code in codes})

    def run(self, halt: threading.Event, every_s: float) -> None:
        while not halt.wait(every_s):
            try:
                self.shop(every_s)
            except Exception:  # a worker loop: log it and go on shopping
                log.exception("the demo shopper stumbled")

    def shop(self, every_s: float) -> None:
        """What the shoppers do in `every_s` seconds: buy, restock what ran low, and move
        older orders on."""
        for code, pace in self.paces.items():
            for _ in range(_arrivals(self.rng, pace.per_second * every_s)):
                if self.rng.random() < ONLINE_SHARE:
                    self.online(code)
                else:
                    self.walk_in(code)
            self.restock(code, pace)
        self.advance_older(every_s)

    def walk_in(self, code: str) -> None:
        """Buy one unit of something the node holds, at its counter, from its own rights
        (when the hub holds them all, the shopper leaves without it)."""
        node_db = self.ws.node(code)
        lines = [line for line in stock_service.stock_lines({code: node_db}) if line.on_hand > 0]
        if not lines:
            return
        try:
            rights.sell(node_db, code, self.rng.choice(lines).sku, 1, self.ws.clock(), "walk-in")
        except NotEnoughRights:
            log.info("walk-in at %s: none of its own to sell", code)

    def online(self, code: str) -> None:
        """An online order for one unit of something `code` holds, delivered, shipped or
        collected, if the hub can promise it (from whichever node it chooses)."""
        held = self.paces[code].par
        if not held:
            return
        sku, now = self.rng.choice(sorted(held)), self.ws.clock()
        method = self.rng.choice([Method.LOCAL_DELIVERY, Method.SHIP, Method.PICKUP])
        request = OrderRequest((OrderLine(sku, 1),), method, now, CUSTOMER, pickup_km=10.0)
        try:
            nodes, states = list_nodes(self.ws.hub), self.ws.candidate_states()
            promise.place_order(self.ws.hub, uuid.uuid4().hex, request, nodes, states=states)
        except DomainError as refused:  # nothing to promise it from: the shopper looks elsewhere
            log.info("online order for %s not promised: %s", sku, refused)

    def restock(self, code: str, pace: NodePace) -> None:
        """A delivery tops up each SKU down to half (or less) of where it stood at the start."""
        node_db, now = self.ws.node(code), self.ws.clock()
        held = {line.sku: line.on_hand for line in stock_service.stock_lines({code: node_db})}
        for sku, par in pace.par.items():
            short = par - held.get(sku, 0)
            if short > 0 and held.get(sku, 0) * 2 <= par:
                stock_service.receive(node_db, code, sku, short, now, "demo restock", ACTOR)

    def advance_older(self, every_s: float) -> None:
        """Each order placed a while ago moves one step on at each of its nodes. A node picks
        only once its agent has brought the order's set-aside (this thread does not sync the
        node itself: the agent does); picked, the goods leave the node's stock."""
        now = self.ws.clock()
        for order in promise.open_orders(self.ws.hub):
            if now - order.placed_at < timedelta(seconds=2 * every_s):
                continue
            for node, part in order.parts.items():
                step = next_step(order, part.step)
                if step is None or (step is Step.PICKED and not self.set_aside(order, node)):
                    continue
                fulfilment.advance(
                    self.ws.hub, order.ident, node, step, now, ACTOR, node_db=self.ws.node
                )

    def set_aside(self, order: Order, node: str) -> bool:
        return order.held_at(node).keys() <= rights.set_aside(self.ws.node(node), node).keys()


def _arrivals(rng: random.Random, expected: float) -> int:
    """How many shoppers come in a moment when `expected` come on average (Poisson)."""
    threshold, count, product = math.exp(-expected), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def next_step(order: Order, step: Step) -> Step | None:
    if step not in ORDER or step is LAST[order.method]:
        return None
    return ORDER[ORDER.index(step) + 1]
