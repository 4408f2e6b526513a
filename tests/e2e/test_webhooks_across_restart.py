"""A webhook subscriber on loopback hears each event once, across a crash of the hub while
deliveries were pending: a real hub process (`microindex serve`) on the demo shop, order steps
over its API, the subscriber refusing (503, Retry-After: 1) until the hub is killed (SIGKILL),
one more step recorded by the CLI while it is down, then the hub started again and the
subscriber answering. Every event arrives signed, its id the same on every attempt, and is
taken (2xx) exactly once; none is missing and none is left pending or dead."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.domain.channels.webhook import DeliveryState
from microindex.entrypoints.cli.app import app
from microindex.settings import Settings
from tests.channels.subscriber import Subscriber, listening
from tests.e2e.test_hub_workers import Running, _answers, child_env, eventually, free_port

pytestmark = pytest.mark.realclock

EAST = {"lat": 51.545, "lon": 0.04}  # only the van delivers here
REFUSED = (503, {"Retry-After": "1"})


def _cli(root: Path, *args: str) -> str:
    done = CliRunner().invoke(app, ["-w", str(root), *args])
    assert done.exit_code == 0, done.output
    return done.output


def _settled(root: Path, subscription: str) -> tuple[int, set[str]]:
    """Deliveries still pending, and the events delivered to `subscription`, at the hub."""
    ws = bootstrap(Settings.load(root, environ={}))
    try:
        store = ws.storage.webhooks()
        done = store.deliveries(DeliveryState.DELIVERED, 1000)
        return store.count(DeliveryState.PENDING), {
            d.event for d in done if d.subscription == subscription
        }
    finally:
        ws.close()


def test_each_event_is_taken_once_across_a_hub_crash_with_deliveries_pending(
    pristine_demo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(pristine_demo, root)
    with (root / "microindex.toml").open("a") as settings:
        settings.write("\n[webhooks]\nmax_attempts = 100\nfirst_delay_s = 1\n")
    running = Running(tmp_path)
    with listening(Subscriber(answers=[REFUSED] * 10_000)) as subscriber:
        made = json.loads(_cli(root, "webhooks", "subscribe", subscriber.url, "--json"))
        subscriber.secret = made["secret"].encode()
        admin = json.loads(_cli(root, "token", "create", "--role", "admin", "--json"))["secret"]
        base = f"http://127.0.0.1:{free_port()}"
        serve = ["-w", str(root), "serve", "--port", base.rsplit(":", 1)[1], "--tick", "1"]
        try:
            hub = running.start("hub", serve, child_env())
            eventually(lambda: _answers(f"{base}/openapi.json"), what="the hub to answer")
            headers = {"Authorization": f"Bearer {admin}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                stock = client.get("/api/v1/stock", params={"node": "van"}).json()
                sku = max(stock, key=lambda line: line["on_hand"])["sku"]
                order = {"lines": [{"sku": sku, "quantity": 1}], "method": "local_delivery"}
                placed = client.post(
                    "/api/v1/orders",
                    json={**order, "customer": EAST},
                    headers={"Idempotency-Key": "hook-e2e"},
                )
                assert placed.status_code == 201, placed.text
                for step in ("confirmed", "picked"):
                    moved = client.post(
                        "/api/v1/orders/hook-e2e/steps", json={"node": "van", "step": step}
                    )
                    assert moved.status_code == 200, moved.text

            def refused_both() -> bool:
                with subscriber.lock:
                    steps = {
                        r.body["data"].get("step")
                        for r in subscriber.received
                        if r.body["data"].get("order") == "hook-e2e"
                    }
                return {"confirmed", "picked"} <= steps

            eventually(refused_both, 60, "both steps tried and refused")
            running.stop(hub, signal.SIGKILL)
            pending, _ = _settled(root, made["id"])
            assert pending >= 2  # the hub died with them still to deliver
            _cli(root, "order", "advance", "hook-e2e", "van", "packed")  # while it is down
            with subscriber.lock:
                subscriber.answers.clear()  # from now on: 200
            running.start("hub-again", serve, child_env())

            def all_taken() -> bool:
                taken = {r.event for r in subscriber.accepted()}
                pending, delivered = _settled(root, made["id"])
                return pending == 0 and bool(delivered) and delivered <= taken

            eventually(all_taken, 90, "every event delivered after the restart")
        finally:
            running.stop_all()
    taken = [r for r in subscriber.received if 200 <= r.answered < 300]
    assert len({r.event for r in taken}) == len(taken), "an event was taken twice"
    _, delivered = _settled(root, made["id"])
    assert {r.event for r in taken} == delivered
    assert all(r.signed and r.body["id"] == r.event for r in subscriber.received)
    ours = sorted(
        (int(r.event.removeprefix("evt_")), r.body["data"]["step"])
        for r in taken
        if r.body["data"].get("order") == "hook-e2e"
    )
    assert [step for _, step in ours] == ["confirmed", "picked", "packed"]
    before = {r.event for r in subscriber.received if r.answered == 503}
    assert before and before <= delivered  # refused before the crash, taken after it
