"""Photo blobs in the workspace folder against the PostgreSQL hub's `media_blobs` table, beside
raw psycopg INSERT and SELECT of the same bytes, in the same run.

    python -m bench.media_blobs                       # 40 blobs each of 200 KB and 4 MB
    python -m bench.media_blobs --count 100 --json
    MICROINDEX_BENCH_PG_URL=postgresql://... python -m bench.media_blobs

A web rendition is ~200 KB, an original from a phone ~4 MB. Each row: blobs per second and
MB/s for put (new blobs) and get, per store. The PostgreSQL store runs in a schema of its own,
dropped afterwards. Nothing here is a test: the figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.adapters.postgres.blob_store import PostgresBlobStore
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.service.capture_ports import BlobStore

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SIZES = (200 * 1024, 4 * 1024 * 1024)


@dataclass(frozen=True)
class Row:
    store: str
    size_kb: int
    op: str
    per_s: float
    mb_per_s: float


def timed(store: str, size: int, op: str, count: int, work: Callable[[], None]) -> Row:
    start = time.perf_counter()
    work()
    took = time.perf_counter() - start
    return Row(store, size // 1024, op, count / took, count * size / took / 2**20)


def blobs_of(size: int, count: int) -> list[bytes]:
    return [os.urandom(size) for _ in range(count)]


def ours(name: str, store: BlobStore, size: int, data: list[bytes]) -> list[Row]:
    shas: list[str] = []

    def put() -> None:
        shas.extend(store.put(blob)[0] for blob in data)

    def get() -> None:
        for sha in shas:
            store.get(sha)

    return [timed(name, size, "put", len(data), put), timed(name, size, "get", len(data), get)]


def raw(url: str, schema: str, size: int, data: list[bytes]) -> list[Row]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {schema}.raw_blobs (id bigint PRIMARY KEY, data bytea)")

        def put() -> None:
            for i, blob in enumerate(data):
                conn.execute(f"INSERT INTO {schema}.raw_blobs VALUES (%s, %s)", (i, blob))

        def get() -> None:
            for i in range(len(data)):
                conn.execute(f"SELECT data FROM {schema}.raw_blobs WHERE id = %s", (i,)).fetchone()

        rows = [timed("raw psycopg", size, "put", len(data), put)]
        rows.append(timed("raw psycopg", size, "get", len(data), get))
        conn.execute(f"DROP TABLE {schema}.raw_blobs")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="Blobs of each size.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args()
    url = os.environ.get("MICROINDEX_BENCH_PG_URL", DEFAULT_URL)
    schema = f"mi_bench_blobs_{uuid.uuid4().hex[:8]}"
    database = PostgresDatabase(url, schema)
    database.migrate()
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            for size in SIZES:
                data = blobs_of(size, args.count)
                rows += ours("folder", FileBlobStore(Path(folder) / str(size)), size, data)
                rows += ours("postgres", PostgresBlobStore(database), size, data)
                rows += raw(url, schema, size, data)
    finally:
        database.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    print(f"{'store':<12} {'size':>7} {'op':<4} {'blobs/s':>9} {'MB/s':>8}")
    for r in rows:
        print(f"{r.store:<12} {r.size_kb:>5}KB {r.op:<4} {r.per_s:>9.1f} {r.mb_per_s:>8.1f}")


if __name__ == "__main__":
    main()
