"""Capture's tables on PostgreSQL, the same as SQLite's (its migration 40)."""

ASSET_MIGRATION = (
    130,
    "capture on PostgreSQL: media assets, their renditions, capture templates per node",
    """
    CREATE TABLE media_assets (
        id            text COLLATE "C" PRIMARY KEY,
        kind          text NOT NULL CHECK (kind IN ('photo', 'clip')),
        original_name text NOT NULL,
        node          text COLLATE "C" NOT NULL,
        author        text NOT NULL,
        ingested_at   timestamptz NOT NULL,
        sku           text COLLATE "C",
        shot          text NOT NULL,
        facts         jsonb NOT NULL,
        private       jsonb NOT NULL,
        state         text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        decided_by    text NOT NULL,
        decided_at    timestamptz,
        reason        text NOT NULL,
        parent_id     text COLLATE "C" REFERENCES media_assets (id)
    );
    CREATE INDEX media_assets_by_sku ON media_assets (sku, state);
    CREATE TABLE media_renditions (
        asset_id   text COLLATE "C" NOT NULL REFERENCES media_assets (id),
        name       text COLLATE "C" NOT NULL,
        sha256     text COLLATE "C" NOT NULL,
        media_type text NOT NULL,
        width      integer NOT NULL,
        height     integer NOT NULL,
        byte_size  bigint NOT NULL,
        signed     boolean NOT NULL,
        PRIMARY KEY (asset_id, name)
    );
    CREATE INDEX media_renditions_by_sha ON media_renditions (sha256);
    CREATE TABLE capture_templates (
        node       text COLLATE "C" PRIMARY KEY,
        background text NOT NULL,
        angle      text NOT NULL,
        shots      jsonb NOT NULL
    );
    """,
)
