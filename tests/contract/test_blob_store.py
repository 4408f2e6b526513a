"""Media blobs by content hash: the same contract in memory, in the workspace folder (beside a
SQLite hub) and in a PostgreSQL hub's database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.media.memory import MemoryBlobStore
from microindex.adapters.postgres.asset_store import PostgresCaptureDatabase
from microindex.adapters.postgres.blob_store import PostgresBlobStore
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.domain.capture.asset import Asset, CaptureFacts, Rendition, RenditionName
from microindex.domain.capture.formats import AssetKind
from microindex.service.capture_ports import BlobStore

from .conftest import POSTGRES, Databases
from .samples import AT

PHOTO = b"\xff\xd8\xff" + bytes(range(256)) * 64


@pytest.fixture(params=["memory", "folder", POSTGRES])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "memory":
        yield MemoryBlobStore()
    elif request.param == "folder":
        yield FileBlobStore(tmp_path / "media")
    else:
        databases = Databases("postgres", tmp_path, request, from_empty=False)
        database = databases.open()
        assert isinstance(database, PostgresDatabase)
        yield PostgresBlobStore(database)
        databases.close()


def test_a_blob_is_named_by_its_hash_and_stored_once(blobs: BlobStore) -> None:
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert not blobs.exists(sha)
    assert blobs.put(PHOTO) == (sha, True)
    assert blobs.put(PHOTO) == (sha, False)
    assert blobs.exists(sha)
    assert blobs.get(sha) == PHOTO


def test_a_deleted_or_unknown_blob_is_a_key_error(blobs: BlobStore) -> None:
    sha, _ = blobs.put(PHOTO)
    blobs.delete(sha)
    blobs.delete(sha)  # deleting twice is no error
    assert not blobs.exists(sha)
    with pytest.raises(KeyError):
        blobs.get(sha)


def test_empty_and_large_blobs_round_trip(blobs: BlobStore) -> None:
    large = bytes(range(256)) * (12 * 4096)  # 12 MiB
    for data in (b"", large):
        sha, _ = blobs.put(data)
        assert blobs.get(sha) == data


@pytest.mark.parametrize("stored", ["folder", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_name_that_is_no_digest_is_refused(
    stored: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if stored == "folder":
        store: BlobStore = FileBlobStore(tmp_path / "media")
    else:
        databases = Databases("postgres", tmp_path, request, from_empty=False)
        database = databases.open()
        assert isinstance(database, PostgresDatabase)
        store = PostgresBlobStore(database)
        request.addfinalizer(databases.close)
    for name in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError):
            store.get(name)


@pytest.mark.postgres
def test_a_blob_a_stored_rendition_names_is_kept_on_postgres(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two hub processes taking in the same file at once: the one whose record lost does not
    delete the blobs the other's record names."""
    databases = Databases("postgres", tmp_path, request, from_empty=False)
    request.addfinalizer(databases.close)
    database = databases.open()
    assert isinstance(database, PostgresDatabase)
    blobs = PostgresBlobStore(database)
    sha, _ = blobs.put(PHOTO)
    asset = sample_asset(sha)
    with PostgresCaptureDatabase(database)() as uow:
        uow.assets.add(asset)
        uow.commit()
    blobs.delete(sha)
    assert blobs.get(sha) == PHOTO


def sample_asset(sha: str) -> Asset:
    original = Rendition(RenditionName.ORIGINAL, sha, "image/jpeg", 8, 8, len(PHOTO), False)
    facts = CaptureFacts(8, 8, 1, None, "", None)
    return Asset("f" * 16, AssetKind.PHOTO, "a.jpg", "van", "ana", AT, facts, (original,))
