"""A node's second sync, at which the hub hands back most SKUs' rights (one RELEASE request a
SKU), takes a few exchanges whatever the catalog: the releases come in one reply, not 500 a
reply (at 20,000 SKUs that was 35-45 exchanges a node, each re-reading the node's rights).
Exactly once all the same: each release applied once, by its key, and settled at the hub."""

from __future__ import annotations

import time

from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.sync.account import NodeAccount
from microindex.service import sync
from tests.sync.conftest import T0, Pair

SKUS = 3000


def _first_sync(pair: Pair) -> list[str]:
    """The van receives 5 of each SKU and syncs for the first time (the hub pools them)."""
    names = [f"SKU-{i:05d}" for i in range(SKUS)]
    with pair.nodes["van"]() as uow:
        ledger = uow.ledger.load("van", names)
        for sku in names:
            ledger.record(sku, MovementKind.RECEIVE, 5, pair.clock())
        uow.ledger.save(ledger)
        uow.commit()
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    return names


def test_a_second_sync_releasing_thousands_of_skus_takes_a_few_exchanges(pair: Pair) -> None:
    names = _first_sync(pair)
    seen = len(pair.ledger("van"))
    pair.later(180)  # the hub has learned the van's demand: it hands rights back
    pair.receive("van", names[0], 1)
    started = time.process_time()
    report = sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    cpu_s = time.process_time() - started
    releases = [m for m in pair.ledger("van")[seen:] if m.tag is Tag.RELEASE]
    assert len(releases) >= SKUS * 0.8, len(releases)  # most SKUs' rights came back
    assert len({m.tag_id for m in releases}) == len(releases)  # each request once
    # one reply with every release, one push of the grants it made, one that settles
    assert report.exchanges <= 4, report
    assert pair.ledger("van", at_hub=True) == pair.ledger("van")  # all mirrored, once
    with pair.hub() as uow:  # settled at the hub: no request left to send
        assert not uow.accounts.load("van", [], requests=True).requests
    assert cpu_s < 60, cpu_s


def test_a_sync_whose_sweep_hands_rights_back_ends_after_the_node_answers(pair: Pair) -> None:
    """tau moves by less than `SyncSettings.resplit` (here 66 s to 91 s), so the idle sweep
    finds a unit of each SKU to hand back, 200 SKUs at a time: the exchanges in which the node
    only answers the hub (its pushes hold nothing but the rights moves the last reply asked
    for) sweep no further, so the sync ends instead of sweeping the whole catalog, 200 SKUs an
    exchange (14 exchanges at 3,000 SKUs, 100 at 20,000). The rest is swept by later syncs."""
    _first_sync(pair)
    pair.later(1.1)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    pair.later(2.5)
    seen = len(pair.ledger("van"))
    report = sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    releases = [m for m in pair.ledger("van")[seen:] if m.tag is Tag.RELEASE]
    assert report.exchanges <= 3, (report, len(releases))
    assert pair.ledger("van", at_hub=True) == pair.ledger("van")
    for _ in range(3):  # later syncs sweep on, a slice each
        pair.later(2)
        report = sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        assert report.exchanges <= 3, report
    assert pair.ledger("van", at_hub=True) == pair.ledger("van")
    with pair.hub() as uow:
        assert not uow.accounts.load("van", [], requests=True).requests


def test_the_hub_settles_twenty_thousand_releases_by_key_in_linear_time() -> None:
    """Each release movement the hub mirrors settles its request by key: a lookup, not a
    scan of every request on its way (20,000 x 20,000 comparisons at a node's second sync)."""
    skus = [f"SKU-{i:05d}" for i in range(20_000)]
    account = NodeAccount("van", {}, {}, {}, {}, next_request=1)
    for i, sku in enumerate(skus):  # the node receives a unit of each and grants it to the hub
        account.mirror_movement(Movement("van", 2 * i + 1, sku, 1, MovementKind.RECEIVE, T0))
        grant = Movement("van", 2 * i + 2, sku, 1, MovementKind.GRANT, T0, tag=Tag.GRANT)
        account.mirror_movement(grant)
    for sku in skus:  # the hub hands each back
        account.release(sku, 1, f"e.{account.next_request}")
    started = time.process_time()
    for seq, (sku, request) in enumerate(zip(skus, list(account.requests.values()), strict=True)):
        account.mirror_movement(
            Movement(
                "van",
                20_001 + seq,
                sku,
                -1,
                MovementKind.GRANT,
                T0,
                tag=Tag.RELEASE,
                tag_id=request.ident,
            )
        )
    cpu_s = time.process_time() - started
    assert not account.requests and len(account.settled) == len(skus)  # each settled once
    assert all(account.h(sku) == 0 for sku in skus)
    assert cpu_s < 2.0, cpu_s
