"""The staff page's own paths: today's cycle counts at the hub and at a node's own agent, and
the agent's close-out of the day; each page shows the cards its server can serve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.domain.sync.messages import Push, Reply
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import shelf_holds
from microindex.service.sync_ports import HubUnreachable, SyncTransport
from microindex.settings import DEFAULT_ZONE
from tests.http.conftest import bearer

GLN = "9520123456788"
STAFF_SECRET = "van-staff-secret"


def _on_hand(client: TestClient, headers: dict[str, str], sku: str) -> int:
    lines = client.get("/api/v1/stock", params={"node": "van", "sku": sku}, headers=headers)
    return int(sum(line["on_hand"] for line in lines.json()))


def _count_first_line(client: TestClient, headers: dict[str, str]) -> tuple[Any, Any]:
    """Today's list, then the list after its first line is counted (as found: no variance)."""
    before = client.get("/api/v1/nodes/van/counts-today", headers=headers)
    assert before.status_code == 200, before.text
    first = before.json()[0]
    found = _on_hand(client, headers, first["sku"])
    counted = client.post(
        "/api/v1/nodes/van/count", json={"sku": first["sku"], "counted": found}, headers=headers
    )
    assert counted.status_code == 200 and counted.json()["adjustment"] is None, counted.text
    return before.json(), client.get("/api/v1/nodes/van/counts-today", headers=headers).json()


def test_at_the_hub_todays_counts_say_why_and_a_counted_line_leaves(
    client: TestClient, secrets: dict[str, str]
) -> None:
    before, after = _count_first_line(client, bearer(secrets["staff_van"]))
    assert 0 < len(before) <= 10
    assert all(line["title"] and line["reasons"] for line in before)
    assert [line["sku"] for line in after] == [line["sku"] for line in before[1:]]


def test_a_count_line_names_the_bins_the_shelf_slots_give(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    staff = bearer(secrets["staff_van"])
    sku = client.get("/api/v1/nodes/van/counts-today", headers=staff).json()[0]["sku"]
    shelf_holds.add_shelf(workspace.node_ops(), GLN, "B2", "van", sku)
    shelf_holds.add_shelf(workspace.node_ops(), GLN, "A1", "van", sku)
    first = client.get("/api/v1/nodes/van/counts-today", headers=staff).json()[0]
    assert (first["sku"], first["bins"]) == (sku, ["A1", "B2"])


def test_the_hubs_staff_page_has_picks_and_counts_but_no_close_out(
    client: TestClient,
) -> None:
    page = client.get("/staff/van").text
    assert 'id="picks-card"' in page and 'id="counts-card"' in page
    assert 'id="closeout-card"' not in page


class _HubDown:
    def exchange(self, push: Push) -> Reply:
        raise HubUnreachable("the hub is down")


def _agent(
    workspace: Workspace, link: SyncTransport, zone: str = DEFAULT_ZONE
) -> Iterator[TestClient]:
    """The van's own agent over its own database, its days beginning in `zone`."""
    site = NodeSite(
        workspace.node("van"),
        "van",
        workspace.settings.workspace,
        STAFF_SECRET,
        workspace.clock,
        "Van",
        link=link,
        zone=zone,
    )
    app = create_node_app(site)
    try:
        with TestClient(app, headers=bearer(STAFF_SECRET)) as client:
            yield client
    finally:
        app.state.index.close()


@pytest.fixture
def agent(workspace: Workspace) -> Iterator[TestClient]:
    """The van's own agent over its own database, with the hub out of reach."""
    yield from _agent(workspace, _HubDown())


def test_at_the_vans_own_agent_todays_counts_work_with_the_hub_down(agent: TestClient) -> None:
    before, after = _count_first_line(agent, {})
    assert before and all(line["reasons"] and line["bins"] == [] for line in before)
    assert [line["sku"] for line in after] == [line["sku"] for line in before[1:]]


def test_the_agents_staff_page_closes_out_the_day_and_has_no_picks(agent: TestClient) -> None:
    page = agent.get("/staff/van").text
    assert 'id="closeout-card"' in page and 'id="counts-card"' in page
    assert 'id="picks-card"' not in page


def test_the_agent_closes_out_the_day_with_the_hub_down_and_reports_it(
    agent: TestClient,
) -> None:
    lines = agent.get("/api/v1/nodes/van/closeout").json()
    assert lines and all(line["title"] for line in lines)
    stock = agent.get("/api/v1/stock", params={"node": "van"}).json()
    line = next(line for line in stock if line["online"] > 0)  # some of it the hub's to promise
    sale = {"sku": line["sku"], "quantity": line["on_hand"]}  # all: beyond the van's own rights
    refused = agent.post("/api/v1/nodes/van/sell", json=sale)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "promised_online"
    sale["override"] = {"reason": "the customer is here"}
    assert agent.post("/api/v1/nodes/van/sell", json=sale).status_code == 200
    counts = [{"sku": line["sku"], "quantity": _on_hand(agent, {}, line["sku"])} for line in lines]
    counts[-1]["quantity"] += 1  # one more found than the ledger knew
    day = agent.post("/api/v1/nodes/van/closeout", json={"counts": counts})
    assert day.status_code == 200, day.text
    report = day.json()  # as the hub's close-out answers
    sold = line["sku"]
    assert next(row["quantity"] for row in report["sold"] if row["sku"] == sold) >= 1
    overdrafts = {row["sku"]: row["quantity"] for row in report["overdrafts"]}
    assert 0 < overdrafts[sold] <= line["on_hand"]  # what went beyond the van's own rights
    assert report["variance"] == 1 and report["synced"] is False
    assert [c["sku"] for c in report["counts"]] == [line["sku"] for line in lines]
    on_hand = {line["sku"]: line["quantity"] for line in report["on_hand"]}
    assert on_hand[lines[-1]["sku"]] == counts[-1]["quantity"]


def test_a_close_out_reaches_the_hub_when_it_is_up(workspace: Workspace) -> None:
    for agent in _agent(workspace, workspace.link("van")):
        lines = agent.get("/api/v1/nodes/van/closeout").json()
        counts = [{"sku": line["sku"], "quantity": 0} for line in lines]
        report = agent.post("/api/v1/nodes/van/closeout", json={"counts": counts}).json()
        assert report["synced"] is True and report["on_hand"] == []
    with workspace.hub() as uow:
        assert [line for line in uow.ledger.stock("van") if line.on_hand] == []


def test_a_close_out_refuses_a_bad_body_and_another_node(agent: TestClient) -> None:
    bad = agent.post("/api/v1/nodes/van/closeout", json={"counts": [], "since": "08:00"})
    assert bad.status_code == 422
    other = agent.post("/api/v1/nodes/shopfront/closeout", json={"counts": []})
    assert other.json()["error"]["code"] == "unknown_node"
    unsigned = agent.get("/api/v1/nodes/van/counts-today", headers={"Authorization": ""})
    assert unsigned.status_code == 401


def test_the_agents_close_out_begins_the_day_at_midnight_on_the_nodes_clock(
    workspace: Workspace,
) -> None:
    """A stall in New York closing out at noon UTC (07:00 there): its day began at 05:00 UTC."""
    for agent in _agent(workspace, _HubDown(), zone="America/New_York"):
        sku = agent.get("/api/v1/nodes/van/closeout").json()[0]["sku"]
        counts = [{"sku": sku, "quantity": _on_hand(agent, {}, sku)}]
        day = agent.post("/api/v1/nodes/van/closeout", json={"counts": counts})
    assert day.status_code == 200, day.text
    assert workspace.clock().hour == 12 and day.json()["since"] == "2026-11-26T05:00:00Z"
