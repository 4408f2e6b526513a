"""Capture wired to a workspace: blobs under `<workspace>/media`, records in the hub's SQLite.

Settings come from the `[capture]` table of `<workspace>/microindex.toml`:
`max_upload_mb`, `max_megapixels`, `max_clip_seconds`. A workspace whose hub is PostgreSQL keeps
capture records in `<workspace>/media/assets.sqlite` until capture has PostgreSQL stores.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.media.media_tools import MediaTools
from microindex.adapters.media.provenance import C2paProvenance
from microindex.adapters.media.signing_identity import ensure_signing_identity
from microindex.adapters.sqlite.asset_store import SqliteCaptureUnitOfWork
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.limits import CaptureLimits
from microindex.service.capture import CaptureTools
from microindex.service.ports import UnitOfWorkFactory

MEDIA_DIR = "media"
SETTINGS_FILE = "microindex.toml"


class SqliteCaptureDatabase:
    """Capture's units of work on a microindex SQLite file (its migrations include capture's)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def __call__(self) -> SqliteCaptureUnitOfWork:
        return SqliteCaptureUnitOfWork(self.database.connection())


def capture_limits(workspace_path: Path) -> CaptureLimits:
    file = workspace_path / SETTINGS_FILE
    table: dict[str, object] = {}
    if file.exists():
        with file.open("rb") as handle:
            loaded = tomllib.load(handle).get("capture", {})
            table = loaded if isinstance(loaded, dict) else {}
    defaults = CaptureLimits()
    return CaptureLimits(
        max_bytes=int(float(str(table.get("max_upload_mb", defaults.max_bytes / 2**20))) * 2**20),
        max_pixels=int(float(str(table.get("max_megapixels", defaults.max_pixels / 1e6))) * 1e6),
        max_clip_seconds=float(str(table.get("max_clip_seconds", defaults.max_clip_seconds))),
    )


def open_capture(
    workspace_path: Path,
    hub: UnitOfWorkFactory,
    limits: CaptureLimits | None = None,
    durable: bool = True,
) -> CaptureTools:
    """Capture for a workspace; makes the signing identity on first use.

    `durable=False` skips syncing each new media file to disk: for demo data only."""
    identity = ensure_signing_identity(workspace_path)
    media = workspace_path / MEDIA_DIR
    if isinstance(hub, SqliteDatabase):
        records = hub
    else:
        records = SqliteDatabase(media / "assets.sqlite")
        records.migrate()
    tools = MediaTools()
    return CaptureTools(
        assets=SqliteCaptureDatabase(records),
        catalog=hub,
        blobs=FileBlobStore(media, durable),
        probe=tools,
        renditions=tools,
        provenance=C2paProvenance(identity),
        limits=limits or capture_limits(workspace_path),
    )
