"""A node whose clock runs 10 minutes slow or fast against the hub's, its agent in its own
folder syncing over real HTTP (uvicorn). A count staff key in at the hub (no ledger position:
taken at the hub's time) is placed among the node's movements by that time, read on the node's
clock: the hub's reply carries the hub's clock (wire format 10), so a walk-in sale made after
the count is not counted in it (that minted a unit when the node's clock was slow) and one
made before it is (that lost one when it was fast)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.service import rights, sync
from tests.sync.test_remote_node_stock_http import REMOTE, Agent, agent

__all__ = ["agent"]  # the fixture: the hub over uvicorn, the shopfront's agent holding 7 mugs

pytestmark = pytest.mark.realclock  # a real server in a thread: waits on the wall clock

SKEW = timedelta(minutes=10)


@pytest.mark.parametrize(("ahead", "sold_after"), [(-SKEW, True), (SKEW, False)])
def test_a_count_taken_at_the_hubs_time_is_placed_by_it_whatever_the_nodes_clock(
    agent: Agent, ahead: timedelta, sold_after: bool
) -> None:
    assert agent.on_hand() == 7
    if not sold_after:  # a mug sold a minute before the count, not yet synced
        agent.clock.advance(timedelta(minutes=4))
        rights.sell_walk_in(agent.own, REMOTE, "MUG", 1, agent.clock() + ahead, "till", None)
    agent.clock.advance(timedelta(minutes=1))
    on_the_shelf = 7 if sold_after else 6
    body = {"sku": "MUG", "counted": on_the_shelf}
    counted = agent.api.post(f"/nodes/{REMOTE}/count", json=body)  # at the hub's 12:05
    assert counted.status_code == 202, counted.text
    if sold_after:  # a mug sold a minute after the count, not yet synced
        agent.clock.advance(timedelta(minutes=1))
        rights.sell_walk_in(agent.own, REMOTE, "MUG", 1, agent.clock() + ahead, "till", None)
    agent.clock.advance(timedelta(minutes=2))
    for _ in range(2):
        sync.sync_node(agent.own, REMOTE, agent.link, agent.clock() + ahead)
    assert agent.on_hand() == 6  # one mug sold of 7: none minted, none lost
    stock = agent.api.get("/stock", params={"node": REMOTE}).json()
    assert [line["on_hand"] for line in stock] == [6]
