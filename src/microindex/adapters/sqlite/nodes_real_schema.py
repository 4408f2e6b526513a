"""Schema of lockers, transfers and shelf slots at the hub (migrations 90 and 93), beside their
store."""

from __future__ import annotations

NODES_REAL_MIGRATION = (
    90,
    "nodes as they are: locker compartments and pickups, transfers between nodes, shelf slots",
    """
    CREATE TABLE locker_compartments (
        node      TEXT NOT NULL,
        code      TEXT NOT NULL,
        length_mm INTEGER NOT NULL CHECK (length_mm > 0),
        width_mm  INTEGER NOT NULL CHECK (width_mm > 0),
        height_mm INTEGER NOT NULL CHECK (height_mm > 0),
        PRIMARY KEY (node, code)
    ) WITHOUT ROWID;
    CREATE TABLE locker_assignments (
        ident       TEXT NOT NULL,
        node        TEXT NOT NULL,
        compartment TEXT NOT NULL,
        code_hash   TEXT NOT NULL,
        salt        TEXT NOT NULL,
        until       TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        state       TEXT NOT NULL,
        ended_at    TEXT,
        PRIMARY KEY (ident, node),
        FOREIGN KEY (node, compartment) REFERENCES locker_compartments (node, code)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX locker_assignments_busy ON locker_assignments (node, compartment)
        WHERE state = 'assigned';
    CREATE INDEX locker_assignments_by_until ON locker_assignments (state, until);
    CREATE TABLE transfers (
        ident    TEXT PRIMARY KEY,
        sender   TEXT NOT NULL,
        receiver TEXT NOT NULL,
        state    TEXT NOT NULL,
        lines    TEXT NOT NULL
    );
    CREATE INDEX transfers_by_state ON transfers (state);
    CREATE TABLE transfer_events (
        id    INTEGER PRIMARY KEY,
        ident TEXT NOT NULL REFERENCES transfers (ident),
        state TEXT NOT NULL,
        at    TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX transfer_events_by_ident ON transfer_events (ident, id);
    CREATE TABLE shelf_slots (
        gln  TEXT NOT NULL,
        bin  TEXT NOT NULL,
        node TEXT NOT NULL,
        sku  TEXT NOT NULL,
        PRIMARY KEY (gln, bin)
    ) WITHOUT ROWID
    """,
)

LOCKER_GUARD_MIGRATION = (
    93,
    "lockers: wrong pickup codes lately tried, and until when a locker takes none",
    """
    CREATE TABLE locker_code_guards (
        node         TEXT PRIMARY KEY,
        wrong        TEXT NOT NULL,
        locked_until TEXT
    )
    """,
)
