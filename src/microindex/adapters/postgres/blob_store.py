"""Media blobs in the hub's PostgreSQL database (migration 131), so every hub process serves
every photo. Each call is a transaction of its own on the hub's connection (a savepoint when a
unit of work is open on it)."""

from __future__ import annotations

import hashlib

from microindex.adapters.media.blob_store import check_digest
from microindex.adapters.postgres.connection import Connected


class PostgresBlobStore:
    def __init__(self, hub: Connected) -> None:
        self.hub = hub

    def put(self, data: bytes) -> tuple[str, bool]:
        sha = hashlib.sha256(data).hexdigest()
        conn = self.hub.connection()
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO media_blobs (sha256, data) VALUES (%s, %s)"
                " ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
                (sha, data),
            ).fetchone()
        return sha, row is not None

    def get(self, sha256: str) -> bytes:
        conn = self.hub.connection()
        with conn.transaction():
            row = conn.execute(
                "SELECT data FROM media_blobs WHERE sha256 = %s",
                (check_digest(sha256),),
                binary=True,  # the bytes as they are, not as hex text twice their size
            ).fetchone()
        if row is None:
            raise KeyError(sha256)
        return bytes(row[0])

    def exists(self, sha256: str) -> bool:
        conn = self.hub.connection()
        with conn.transaction():
            row = conn.execute(
                "SELECT 1 FROM media_blobs WHERE sha256 = %s", (check_digest(sha256),)
            ).fetchone()
        return row is not None

    def delete(self, sha256: str) -> None:
        """Capture deletes the blobs it wrote when their record did not commit; a blob that a
        committed rendition names stays (another hub process took in the same file meanwhile)."""
        conn = self.hub.connection()
        with conn.transaction():
            conn.execute(
                "DELETE FROM media_blobs WHERE sha256 = %s AND NOT EXISTS"
                " (SELECT 1 FROM media_renditions WHERE sha256 = %s)",
                (check_digest(sha256), sha256),
            )
