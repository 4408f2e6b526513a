"""Capture wired to a workspace's hub.

Beside an embedded (SQLite) hub: records in the hub's file, blobs under `<workspace>/media`,
the signing identity under `<workspace>/keys`. On a PostgreSQL hub all three live in the hub's
database, so any hub process serves any photo and nothing is written beside the hub.
The limits come from `Settings.capture` (the `[capture]` table of microindex.toml).
"""

from __future__ import annotations

from pathlib import Path

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.media.media_tools import MediaTools
from microindex.adapters.media.move_in import move_in
from microindex.adapters.media.provenance import C2paProvenance
from microindex.adapters.media.signing_identity import (
    SigningIdentity,
    ensure_kept_identity,
    ensure_signing_identity,
)
from microindex.adapters.sqlite.asset_store import SqliteCaptureUnitOfWork
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.errors import InvalidValue
from microindex.service.capture import CaptureTools
from microindex.service.capture_ports import BlobStore, CaptureUnitOfWorkFactory
from microindex.service.ports import UnitOfWorkFactory

MEDIA_DIR = "media"


class SqliteCaptureDatabase:
    """Capture's units of work on a microindex SQLite file (its migrations include capture's)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def __call__(self) -> SqliteCaptureUnitOfWork:
        return SqliteCaptureUnitOfWork(self.database.connection())


def open_capture(
    workspace_path: Path,
    hub: UnitOfWorkFactory,
    limits: CaptureLimits,
    durable: bool = True,
) -> CaptureTools:
    """Capture for a workspace; makes the signing identity on first use.

    `durable=False` skips syncing each new media file to disk: for demo data only."""
    records, blobs, identity = _stores(workspace_path, hub, durable)
    tools = MediaTools()
    return CaptureTools(
        assets=records,
        catalog=hub,
        blobs=blobs,
        probe=tools,
        renditions=tools,
        provenance=C2paProvenance(identity),
        limits=limits,
    )


def _stores(
    workspace_path: Path, hub: UnitOfWorkFactory, durable: bool
) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]:
    if isinstance(hub, SqliteDatabase):
        identity = ensure_signing_identity(workspace_path)
        return (
            SqliteCaptureDatabase(hub),
            FileBlobStore(workspace_path / MEDIA_DIR, durable),
            identity,
        )
    from microindex.adapters.postgres.asset_store import PostgresCaptureDatabase
    from microindex.adapters.postgres.blob_store import PostgresBlobStore
    from microindex.adapters.postgres.secret_store import PostgresKeys
    from microindex.adapters.postgres.unit_of_work import PostgresDatabase

    if isinstance(hub, PostgresDatabase):
        identity = ensure_kept_identity(PostgresKeys(hub), earlier=workspace_path)
        records, blobs = PostgresCaptureDatabase(hub), PostgresBlobStore(hub)
        move_in(workspace_path / MEDIA_DIR, records, blobs)  # kept beside it by earlier versions
        return records, blobs, identity
    raise InvalidValue("hub", type(hub).__name__, "capture needs a SQLite or PostgreSQL hub")
