"""Nodes: list, look up, add, change a node's time zone and sync settings."""

from __future__ import annotations

from fastapi import Path, status

from microindex.domain.access import Action, require
from microindex.domain.node import Node, OpeningHours
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import NODE_PATTERN, NodeIn, NodeOut, NodeSettingsIn
from microindex.service import nodes as node_service
from microindex.service.records import node_from_record, node_record
from microindex.service.sync_schedule import NextSync, next_syncs

api = router("nodes")


@api.get("/nodes", response_model=list[NodeOut], summary="List the nodes")
def list_nodes(hub: HubDep, token: TokenDep) -> list[NodeOut]:
    require(token.grant, Action.READ_NODES)
    found = node_service.list_nodes(hub.hub)
    schedule = next_syncs(hub.workspace.hub, [n.code.value for n in found], hub.now())
    return [_out(n, schedule[n.code.value]) for n in found]


@api.get("/nodes/{node}", response_model=NodeOut, summary="One node")
def get_node(hub: HubDep, token: TokenDep, node: str = Path(pattern=NODE_PATTERN)) -> NodeOut:
    require(token.grant, Action.READ_NODES)
    found = node_service.get_node(hub.hub, node)
    return _out(found, next_syncs(hub.workspace.hub, [node], hub.now())[node])


@api.post(
    "/nodes", response_model=NodeOut, status_code=status.HTTP_201_CREATED, summary="Add a node"
)
def add_node(body: NodeIn, hub: HubDep, token: TokenDep) -> NodeOut:
    require(token.grant, Action.MANAGE_NODES)
    record = body.model_dump()
    if body.opening_hours is None:
        record["opening_hours"] = OpeningHours.always().to_text()
    record["zone"] = body.zone or hub.workspace.settings.time_zone
    cutoff = body.capabilities.carrier_cutoff
    record["capabilities"]["carrier_cutoff"] = cutoff.isoformat() if cutoff else None
    added = node_service.add_node(hub.hub, node_from_record(record))
    return _out(added)


@api.patch(
    "/nodes/{node}",
    response_model=NodeOut,
    summary="Change a node's time zone, sync settings or ranking",
)
def change_node(
    body: NodeSettingsIn, hub: HubDep, token: TokenDep, node: str = Path(pattern=NODE_PATTERN)
) -> NodeOut:
    """`zone`: the IANA time zone its hours and cut-offs are in. `offline_gap_s`: how long the
    node is expected to be out of reach at a time (null: its kind's default); its local stock
    rights cover its walk-in demand over that long from its next sync. `priority`: the
    seller's ranking, 1 first, where plans tie. Fields left out stay."""
    require(token.grant, Action.MANAGE_NODES)
    changed = node_service.get_node(hub.hub, node)
    if body.zone is not None:
        changed = node_service.set_zone(hub.hub, node, body.zone)
    if "offline_gap_s" in body.model_fields_set:
        changed = node_service.set_offline_gap(hub.hub, node, body.offline_gap_s)
    if body.priority is not None:
        changed = node_service.set_priority(hub.hub, node, body.priority)
    return _out(changed)


def _out(node: Node, sync: NextSync | None = None) -> NodeOut:
    out = NodeOut(**node_record(node), expected_offline_gap_s=node.expected_offline_gap_s)
    if sync is not None:
        out.last_sync, out.next_sync, out.next_sync_why = sync.last, sync.due, sync.why
        if sync.agent is not None:
            out.agent_version = sync.agent.version
            out.agent_disk_free_mb = sync.agent.disk_free // 2**20
    return out
