"""Each node's sync secret (HMAC key): files beside an embedded hub, or kept by the hub's database.

A SQLite hub keeps one file per node under the workspace, owner-only (a node agent on the same
machine reads its own); a PostgreSQL hub keeps them in its `hub_secrets` table, so that every hub
process checks every push and nothing secret lies beside it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from microindex.domain.codes import NodeCode

SYNC_PREFIX = "sync/"


class KeyStore(Protocol):
    """Named secrets kept by the hub: sync secrets, the capture CA and signing keys."""

    def get(self, name: str) -> bytes | None: ...

    def add_new(self, values: Mapping[str, bytes]) -> None:
        """Store `values` in one transaction, leaving any name already kept as it was."""
        ...


def _new_secret() -> bytes:
    return secrets.token_hex(32).encode("ascii")


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
        path.write_text(_new_secret().decode("ascii"), encoding="ascii")
        path.chmod(0o600)
        return self.ensure(node)

    def where(self, node: str) -> str:
        return str(self._path(node))

    def forget(self, node: str) -> None:
        """Delete the node's file, and the folders it leaves empty."""
        self._path(node).unlink(missing_ok=True)
        for folder in (self.folder, self.folder.parent):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


class KeptSecrets:
    """The node secrets a hub keeps in its database, as `sync/<node>`, hex text as in a file.

    `earlier`: the files a hub kept before it kept them in its database; a node's file is moved
    in (and deleted) when its secret is first asked for, so its agent goes on syncing."""

    def __init__(self, keys: KeyStore, earlier: SecretFiles | None = None) -> None:
        self.keys = keys
        self.earlier = earlier

    def get(self, node: str) -> bytes | None:
        name = SYNC_PREFIX + NodeCode(node).value
        found = self.keys.get(name)
        if found is None and self.earlier is not None:
            old = self.earlier.get(node)
            if old is not None:
                self.keys.add_new({name: old})
                self.earlier.forget(node)
                found = self.keys.get(name)
        return found

    def ensure(self, node: str) -> bytes:
        """The node's secret, made if it has none; two processes making one keep the first."""
        found = self.get(node)
        if found is not None:
            return found
        self.keys.add_new({SYNC_PREFIX + NodeCode(node).value: _new_secret()})
        made = self.get(node)
        assert made is not None  # just stored, by this process or another
        return made

    def where(self, node: str) -> str:
        return f"the hub's database (hub_secrets, {SYNC_PREFIX}{NodeCode(node).value})"


class MemoryKeys:
    """A key store in memory, for tests of what reads keys."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def get(self, name: str) -> bytes | None:
        return self.kept.get(name)

    def add_new(self, values: Mapping[str, bytes]) -> None:
        for name, value in values.items():
            self.kept.setdefault(name, value)
