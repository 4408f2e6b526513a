"""Each node's sync secret (HMAC key), one file per node under the workspace, owner-only."""

from __future__ import annotations

import secrets
from pathlib import Path

from microindex.domain.codes import NodeCode


class SecretFiles:
    """`<folder>/<node>.secret`, hex text. The hub reads them all; a node agent reads its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, node: str) -> Path:
        return self.folder / f"{NodeCode(node).value}.secret"

    def get(self, node: str) -> bytes | None:
        try:
            return self._path(node).read_text(encoding="ascii").strip().encode()
        except (FileNotFoundError, ValueError):
            return None

    def ensure(self, node: str) -> bytes:
        """The node's secret, made (32 random bytes, hex) if it has none yet."""
        found = self.get(node)
        if found is not None:
            return found
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        path = self._path(node)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
        return self.ensure(node)
