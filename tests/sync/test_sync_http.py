"""Sync over HTTP (FastAPI's TestClient in process) and the node's worker loop."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microindex.adapters.sync.http import HttpTransport
from microindex.domain.sync.messages import Push, PushRefused, Refusal, Reply
from microindex.domain.sync.node import SyncReason
from microindex.entrypoints.http.sync import sync_router
from microindex.service import sync
from microindex.service.sync_ports import HubUnreachable
from microindex.service.sync_worker import WorkerSettings, run_node
from tests.sync.conftest import SECRETS, Pair


def _client(pair: Pair) -> TestClient:
    app = FastAPI()
    app.include_router(sync_router(pair.endpoint()))
    return TestClient(app)


def test_a_node_syncs_over_http(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 4)
    with _client(pair) as client:
        link = HttpTransport("http://testserver", "van", SECRETS["van"], client)
        sync.sync_node(pair.nodes["van"], "van", link, pair.clock())
    assert [m.digest() for m in pair.ledger("van", at_hub=True)] == [
        m.digest() for m in pair.ledger("van")
    ]


def test_a_wrong_credential_over_http_is_refused_with_403(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 4)
    with _client(pair) as client:
        link = HttpTransport("http://testserver", "van", b"not-the-secret", client)
        with pytest.raises(PushRefused) as refused:
            sync.sync_node(pair.nodes["van"], "van", link, pair.clock())
    assert refused.value.reason is Refusal.BAD_CREDENTIAL
    assert pair.ledger("van", at_hub=True) == []


def test_an_unreachable_hub_is_retried_with_backoff_and_jitter(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 4)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    link = HttpTransport(
        "http://hub", "van", SECRETS["van"], httpx.Client(transport=httpx.MockTransport(down))
    )
    waits: list[float] = []
    state = run_node(
        pair.nodes["van"],
        "van",
        link,
        pair.clock,
        waits.append,
        lambda: len(waits) < 5,
        WorkerSettings(retry_s=30),
        random.Random(1),
    )
    assert state.failures == 5
    assert all(0.8 * 30 * 2**i <= w <= 1.2 * 30 * 2**i for i, w in enumerate(waits))


class _Flaky:
    """Fails the first exchange, then passes through: a retry without any new local write."""

    def __init__(self, pair: Pair) -> None:
        self._link, self.calls = pair.link("van"), 0

    def exchange(self, push: Push) -> Reply:
        self.calls += 1
        if self.calls == 1:
            raise HubUnreachable("timeout")
        return self._link.exchange(push)


def test_a_failed_upload_is_retried_without_waiting_for_a_local_write(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 4)
    flaky, ticks = _Flaky(pair), []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        pair.later(seconds / 60)

    synced: list[int] = []  # the agent's search index is told after each sync that went through
    state = run_node(
        pair.nodes["van"],
        "van",
        flaky,
        pair.clock,
        sleep,
        lambda: len(ticks) < 3,
        synced=lambda: synced.append(flaky.calls),
    )
    assert state.failures == 0 and state.last_sync is not None
    assert synced and synced[0] >= 2  # not after the failed first exchange
    assert pair.ledger("van", at_hub=True)[0] == pair.ledger("van")[0]
    assert pair.clock() - state.last_sync < timedelta(hours=1)


def test_a_node_below_low_water_syncs_once_per_change_not_on_every_poll(pair: Pair) -> None:
    """The van holds none of the mug locally (pooled at the hub) while its demand estimate
    sets a low-water mark of one: being below it is no news at every poll."""
    pair.receive("van", "MUG-1", 1)
    link, ticks = pair.link("van"), []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        pair.later(seconds / 60)

    every = WorkerSettings(poll_s=5, jitter=0)
    run_node(pair.nodes["van"], "van", link, pair.clock, sleep, lambda: len(ticks) < 80, every)
    assert sync.sync_due(pair.nodes["van"], "van", 0.0) is SyncReason.NOTHING
    assert link.stats.pushes <= 3  # the first sync's exchanges; before: one more every poll


def test_goods_received_reach_the_hub_at_the_next_poll_not_the_heartbeat(pair: Pair) -> None:
    """A delivery at the van is news the hub can sell from: the agent sends it at its next poll
    (seconds), not at the demand-aware heartbeat (up to an hour when the van sells little)."""
    link, ticks = pair.link("van"), []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        pair.later(seconds / 60)

    every = WorkerSettings(poll_s=5, jitter=0)
    pair.receive("van", "MUG-1", 1)
    run_node(pair.nodes["van"], "van", link, pair.clock, sleep, lambda: len(ticks) < 2, every)
    assert sync.sync_due(pair.nodes["van"], "van", 0.0) is SyncReason.NOTHING  # first sync done
    delivered = pair.receive("van", "MUG-1", 6)
    assert sync.sync_due(pair.nodes["van"], "van", 5.0) is SyncReason.AT_ONCE
    ticks.clear()
    run_node(pair.nodes["van"], "van", link, pair.clock, sleep, lambda: len(ticks) < 2, every)
    assert delivered.digest() in [m.digest() for m in pair.ledger("van", at_hub=True)]
