"""The governance context for CLI commands: every registered node, catalogs brought up to date."""

from __future__ import annotations

import typer

from microindex.domain.reconciliation import Tolerance
from microindex.entrypoints.cli.context import node_database, workspace
from microindex.service.governance import GovernanceContext
from microindex.service.nodes import list_nodes


def governance(ctx: typer.Context, tolerance: Tolerance | None = None) -> GovernanceContext:
    ws = workspace(ctx)
    nodes = {n.code.value: node_database(ctx, n.code.value) for n in list_nodes(ws.hub)}
    return ws.governance(nodes, tolerance)
