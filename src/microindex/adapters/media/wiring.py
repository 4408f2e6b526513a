"""Capture wired to a workspace's hub.

Beside an embedded (SQLite) hub: records in the hub's file, blobs under `<workspace>/media`,
the signing identity under `<workspace>/keys`. On a PostgreSQL hub all three live in the hub's
database, so any hub process serves any photo and nothing is written beside the hub.
The limits come from `Settings.capture` (the `[capture]` table of microindex.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.media.media_tools import MediaTools
from microindex.adapters.media.provenance import C2paProvenance
from microindex.adapters.media.signing_identity import SigningIdentity, ensure_signing_identity
from microindex.adapters.sqlite.asset_store import SqliteCaptureUnitOfWork
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.limits import CaptureLimits
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


@dataclass(frozen=True)
class CaptureBesideFile:
    """Capture beside an embedded hub: records in its SQLite file, blobs under
    `<folder>/media`, the signing identity under `<folder>/keys`."""

    hub: SqliteDatabase
    folder: Path

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]:
        blobs = FileBlobStore(self.folder / MEDIA_DIR, durable)
        return SqliteCaptureDatabase(self.hub), blobs, ensure_signing_identity(self.folder)


class CaptureStores(Protocol):
    """Where capture keeps records, blobs and keys: the hub's storage (chosen in bootstrap)."""

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]: ...


def open_capture(
    stores: CaptureStores,
    hub: UnitOfWorkFactory,
    limits: CaptureLimits,
    durable: bool = True,
) -> CaptureTools:
    """Capture for a workspace; makes the signing identity on first use.

    `durable=False` skips syncing each new media file to disk: for demo data only."""
    records, blobs, identity = stores.capture(durable)
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
