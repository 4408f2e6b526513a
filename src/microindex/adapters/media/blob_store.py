"""Content-addressed files on disk: `<root>/ab/cd/<sha256>`, each written once, atomically.

The default blob store, beside the embedded (SQLite) hub; a PostgreSQL hub keeps its blobs in
its database (adapters/postgres/blob_store.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

INCOMING = ".incoming"


def check_digest(sha256: str) -> str:
    """`sha256` if it is a SHA-256 hex digest (lower case), else ValueError."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class FileBlobStore:
    """`durable` syncs each new file to disk before it is named (off only for throwaway data)."""

    def __init__(self, root: Path, durable: bool = True) -> None:
        self.root = root
        self.durable = durable

    def path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> tuple[str, bool]:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha, False
        incoming = self.root / INCOMING
        if not incoming.is_dir():
            incoming.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                if self.durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            if not target.parent.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha, True

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        target = self.path(sha256)
        target.unlink(missing_ok=True)
        for folder in (target.parent, target.parent.parent):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
