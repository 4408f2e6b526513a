"""Secrets the hub keeps (node sync secrets, the capture CA and keys): the same contract in
memory, in a SQLite hub's file and in a PostgreSQL hub's database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from microindex.adapters.media.signing_identity import ensure_kept_identity
from microindex.adapters.postgres.secret_store import PostgresKeys
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.secret_store import SqliteKeys
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.adapters.sync.secrets import KeptSecrets, KeyStore, MemoryKeys, SecretFiles
from microindex.domain.errors import InvalidValue

from .conftest import POSTGRES, Databases


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    if request.param == "memory":
        yield MemoryKeys()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    database = databases.open()
    yield SqliteKeys(database) if isinstance(database, SqliteDatabase) else PostgresKeys(database)
    databases.close()


def test_a_secret_is_kept_once_and_never_replaced(keys: KeyStore) -> None:
    assert keys.get("sync/van") is None
    keys.add_new({"sync/van": b"first", "capture/ca": b"\x00\xffca"})
    keys.add_new({"sync/van": b"second", "sync/locker": b"other"})
    assert keys.get("sync/van") == b"first"
    assert keys.get("capture/ca") == b"\x00\xffca"
    assert keys.get("sync/locker") == b"other"


def test_a_node_secret_is_made_on_first_use_as_a_file_would_hold_it(keys: KeyStore) -> None:
    kept = KeptSecrets(keys)
    assert kept.get("van") is None
    secret = kept.ensure("van")
    assert len(secret) == 64 and int(secret, 16) >= 0  # 32 random bytes, hex
    assert kept.ensure("van") == secret and kept.get("van") == secret
    assert kept.ensure("locker") != secret
    with pytest.raises(InvalidValue):
        kept.ensure("../van")


def test_the_capture_identity_is_made_once_and_kept(keys: KeyStore) -> None:
    first = ensure_kept_identity(keys)
    assert first == ensure_kept_identity(keys)
    assert first.folder is None
    assert first.chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert b"PRIVATE KEY" in first.key_pem


@pytest.mark.postgres
def test_two_hub_processes_making_the_identity_at_once_keep_one(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    databases = Databases("postgres", tmp_path, request, from_empty=False)
    request.addfinalizer(databases.close)
    database = databases.open()
    assert isinstance(database, PostgresDatabase)
    found = []

    def make() -> None:
        found.append(ensure_kept_identity(PostgresKeys(database)))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4 and all(identity == found[0] for identity in found)


def test_secret_files_say_where_they_are(tmp_path: Path) -> None:
    files = SecretFiles(tmp_path / "keys" / "sync")
    secret = files.ensure("van")
    assert files.where("van") == str(tmp_path / "keys" / "sync" / "van.secret")
    assert (tmp_path / "keys" / "sync" / "van.secret").read_text() == secret.decode()
