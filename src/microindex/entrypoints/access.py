"""The token store of a workspace's hub, for the CLI and the API."""

from __future__ import annotations

from microindex.bootstrap import Workspace
from microindex.service.access import TokenStore


def token_store(workspace: Workspace) -> TokenStore:
    return workspace.storage.tokens()
