"""Nodes: list, look up, add, move to another time zone."""

from __future__ import annotations

from fastapi import Path, status

from microindex.domain.access import Action, require
from microindex.domain.node import OpeningHours
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import NODE_PATTERN, NodeChangeIn, NodeIn, NodeOut
from microindex.service import nodes as node_service
from microindex.service.records import node_from_record, node_record

api = router("nodes")


@api.get("/nodes", response_model=list[NodeOut], summary="List the nodes")
def list_nodes(hub: HubDep, token: TokenDep) -> list[NodeOut]:
    require(token.grant, Action.READ_NODES)
    return [NodeOut(**node_record(n)) for n in node_service.list_nodes(hub.hub)]


@api.get("/nodes/{node}", response_model=NodeOut, summary="One node")
def get_node(hub: HubDep, token: TokenDep, node: str = Path(pattern=NODE_PATTERN)) -> NodeOut:
    require(token.grant, Action.READ_NODES)
    return NodeOut(**node_record(node_service.get_node(hub.hub, node)))


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
    return NodeOut(**node_record(added))


@api.patch("/nodes/{node}", response_model=NodeOut, summary="Change a node: its time zone")
def change_node(
    body: NodeChangeIn, hub: HubDep, token: TokenDep, node: str = Path(pattern=NODE_PATTERN)
) -> NodeOut:
    require(token.grant, Action.MANAGE_NODES)
    return NodeOut(**node_record(node_service.set_zone(hub.hub, node, body.zone)))
