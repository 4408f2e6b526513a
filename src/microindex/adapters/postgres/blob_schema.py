"""Media blobs in the hub's database, by content hash, so that every hub process serves every
photo. The SQLite table is the same (sqlite/migrations.py, 131); the embedded hub keeps its
blobs in the workspace folder unless wired otherwise."""

BLOB_MIGRATION = (
    131,
    "media blobs by content hash in the hub's database",
    """
    CREATE TABLE media_blobs (
        sha256 text COLLATE "C" PRIMARY KEY CHECK (length(sha256) = 64),
        data   bytea NOT NULL
    );
    """,
)
