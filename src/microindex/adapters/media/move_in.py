"""Capture a PostgreSQL hub kept beside it before it kept capture in its database: the records
in `<workspace>/media/assets.sqlite` and the blobs under `<workspace>/media`, moved in once.

Each asset goes in with its blobs (a parent before its edits), each in its own transaction, so a
move cut short resumes where it stopped; the folder is deleted only once all of it is in."""

from __future__ import annotations

import shutil
from pathlib import Path

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.sqlite.asset_store import SqliteCaptureUnitOfWork
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.asset import Asset
from microindex.domain.capture.template import CaptureTemplate
from microindex.service.capture_ports import BlobStore, CaptureUnitOfWorkFactory

EARLIER_RECORDS = "assets.sqlite"


def move_in(folder: Path, records: CaptureUnitOfWorkFactory, blobs: BlobStore) -> int:
    """Move the capture kept in `folder` (a workspace's media folder) into the hub's stores;
    the number of assets moved. Nothing to do when `folder` holds no earlier records."""
    earlier = folder / EARLIER_RECORDS
    if not earlier.is_file():
        return 0
    database = SqliteDatabase(earlier)
    try:
        conn = database.connection()
        with SqliteCaptureUnitOfWork(conn) as uow:
            assets = uow.assets.find()
            nodes = [node for (node,) in conn.execute("SELECT node FROM capture_templates")]
            templates = [t for t in map(uow.templates.get, nodes) if t is not None]
    finally:
        database.close()
    moved = _move_assets(_parents_first(assets), FileBlobStore(folder), records, blobs)
    _move_templates(templates, records)
    shutil.rmtree(folder)
    return moved


def _parents_first(assets: list[Asset]) -> list[Asset]:
    ordered: list[Asset] = []
    placed: set[str] = set()
    waiting = list(assets)
    while waiting:
        ready = [a for a in waiting if a.parent_id is None or a.parent_id in placed]
        if not ready:  # a parent that is not among them: let the store refuse it
            ready = waiting
        ordered += ready
        placed.update(a.id for a in ready)
        waiting = [a for a in waiting if a.id not in placed]
    return ordered


def _move_assets(
    assets: list[Asset], files: FileBlobStore, records: CaptureUnitOfWorkFactory, blobs: BlobStore
) -> int:
    moved = 0
    for asset in assets:
        with records() as uow:
            if uow.assets.get(asset.id) is not None:
                continue
        for rendition in asset.renditions:
            if files.exists(rendition.sha256):
                blobs.put(files.get(rendition.sha256))
        with records() as uow:
            uow.assets.add(asset)
            uow.commit()
        moved += 1
    return moved


def _move_templates(templates: list[CaptureTemplate], records: CaptureUnitOfWorkFactory) -> None:
    with records() as uow:
        for template in templates:
            if uow.templates.get(template.node) is None:
                uow.templates.put(template)
        uow.commit()
