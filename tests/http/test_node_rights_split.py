"""The split of stock rights on the demo shop: each node's local rights cover its walk-in
demand over its expected time offline, set per node from the CLI and the API; a sync that
changes nothing moves no rights."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import Workspace
from microindex.domain.movement import MovementKind
from microindex.domain.sync.allocation import poisson_at_least
from microindex.entrypoints.cli import nodes
from microindex.service import sync
from microindex.service.sync import load_side
from tests.clock import Clock
from tests.http.conftest import bearer

NODES = ("locker", "shopfront", "van")


def _local(workspace: Workspace, node: str) -> dict[str, int]:
    with workspace.node(node)() as uow:
        return {sku: r.local for sku, r in load_side(uow, node).rights.items()}


def _sync(workspace: Workspace, node: str) -> int:
    """Sync the node; the movements it wrote."""
    database = workspace.node(node)
    with database() as uow:
        before = uow.ledger.load(node, []).head
    sync.sync_node(database, node, workspace.link(node), workspace.clock())
    with database() as uow:
        return uow.ledger.load(node, []).head - before


def test_the_demo_van_holds_local_rights_for_four_hours_of_its_walk_in_demand(
    workspace: Workspace,
) -> None:
    local = _local(workspace, "van")
    with workspace.hub() as uow:
        rates = uow.accounts.walk_in_rates(["van"])["van"]
        mirror = uow.accounts.load("van").mirror
    covered = [
        sku
        for sku, rights in mirror.items()
        if rights.local + rights.granted == 0  # nothing free to give
        or poisson_at_least(local.get(sku, 0) + 1, rates.get(sku, 0.0) * 4 * 3600) <= 0.01
    ]
    assert sorted(covered) == sorted(mirror)
    assert sum(local.values()) >= 40  # before: 0 for every SKU at the van and the locker
    assert sum(_local(workspace, "locker").values()) > 0


def test_a_sync_after_five_idle_minutes_moves_no_rights(workspace: Workspace) -> None:
    for node in NODES:
        _sync(workspace, node)
    assert isinstance(workspace.clock, Clock)
    for _ in range(3):
        workspace.clock.advance(timedelta(minutes=5))
        assert {node: _sync(workspace, node) for node in NODES} == dict.fromkeys(NODES, 0)


def test_a_longer_offline_gap_set_from_the_cli_gives_the_van_more_local_rights(
    workspace: Workspace,
) -> None:
    before = sum(_local(workspace, "van").values())
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = CliRunner().invoke(nodes.app, ["set", "van", "--offline-gap", "2d"], env=env)
    assert result.exit_code == 0, result.output
    assert "48h" in result.output
    _sync(workspace, "van")
    assert sum(_local(workspace, "van").values()) > before
    back = CliRunner().invoke(nodes.app, ["set", "van", "--offline-gap", "kind"], env=env)
    assert "4h" in back.output and "default for a van" in back.output


def test_a_nodes_offline_gap_is_read_and_set_through_the_api(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin, staff = bearer(secrets["admin"]), bearer(secrets["staff_van"])
    van = client.get("/api/v1/nodes/van", headers=admin).json()
    assert (van["offline_gap_s"], van["expected_offline_gap_s"]) == (None, 4 * 3600)
    shop = client.get("/api/v1/nodes/shopfront", headers=admin).json()
    assert shop["expected_offline_gap_s"] == 15 * 60
    body = {"offline_gap_s": 6 * 3600}
    changed = client.patch("/api/v1/nodes/van", json=body, headers=admin)
    assert changed.status_code == 200
    assert changed.json()["expected_offline_gap_s"] == 6 * 3600
    assert client.patch("/api/v1/nodes/van", json=body, headers=staff).status_code == 403
    too_long = {"offline_gap_s": 30 * 86400}
    assert client.patch("/api/v1/nodes/van", json=too_long, headers=admin).status_code == 422
    assert client.patch("/api/v1/nodes/nowhere", json=body, headers=admin).status_code == 404


def test_a_new_sku_at_the_van_is_split_by_what_the_van_sells_not_a_flat_prior(
    workspace: Workspace,
) -> None:
    """Five units of a SKU the van never had: its walk-in rate is unknown, so the hub assumes
    what the van sells per SKU (a few a day over hundreds of SKUs), not 0.5 an hour (2 over
    its 4 h gap, which kept all five at the van, none for the web shop)."""
    assert isinstance(workspace.clock, Clock)
    with workspace.node("van")() as uow:
        ledger = uow.ledger.load("van", ["NEW-1"])
        ledger.record("NEW-1", MovementKind.RECEIVE, 5, workspace.clock(), "first delivery")
        uow.ledger.save(ledger)
        uow.commit()
    _sync(workspace, "van")
    with workspace.hub() as uow:
        rates = uow.accounts.walk_in_rates(["van"])["van"]
    per_sku = sum(v for s, v in rates.items() if s != "NEW-1") / (len(rates) - 1)
    assert rates["NEW-1"] * 3600 < 0.5 and rates["NEW-1"] <= per_sku * 1.01
    assert _local(workspace, "van")["NEW-1"] <= 1
    with workspace.hub() as uow:
        assert uow.accounts.held("NEW-1")["van"] >= 4


def test_stock_targets_accepted_at_the_van_are_the_least_it_keeps_local(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    """Accepting the van's triage (`POST /nodes/van/targets`) makes each target the floor of
    its local rights at the next sync, within what is free there (local + the hub's share):
    the van can sell its best sellers offline without asking."""
    admin = bearer(secrets["admin"])
    accepted = client.post("/api/v1/nodes/van/targets", json={"limit": 40}, headers=admin)
    assert accepted.status_code == 200, accepted.text
    targets = {str(t["sku"]): int(t["target"]) for t in accepted.json() if int(t["target"]) > 0}
    assert targets
    with workspace.node("van")() as uow:
        before = load_side(uow, "van").rights
    short = [s for s, n in targets.items() if before.get(s) and before[s].local < n]
    assert short  # some target is above what the van keeps today
    _sync(workspace, "van")
    with workspace.node("van")() as uow:
        after = load_side(uow, "van").rights
    for sku, target in targets.items():
        if sku in before:
            free = before[sku].local + before[sku].granted
            assert after[sku].local >= min(target, free), (sku, target, before[sku], after[sku])
