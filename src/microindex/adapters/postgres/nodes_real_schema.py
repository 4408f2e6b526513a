"""Schema of lockers, transfers and shelf slots at the hub (migrations 90 and 93), as on SQLite."""

from __future__ import annotations

NODES_REAL_MIGRATION = (
    90,
    "nodes as they are: locker compartments and pickups, transfers between nodes, shelf slots",
    """
    CREATE TABLE locker_compartments (
        node      text COLLATE "C" NOT NULL,
        code      text COLLATE "C" NOT NULL,
        length_mm integer NOT NULL CHECK (length_mm > 0),
        width_mm  integer NOT NULL CHECK (width_mm > 0),
        height_mm integer NOT NULL CHECK (height_mm > 0),
        PRIMARY KEY (node, code)
    );
    CREATE TABLE locker_assignments (
        ident       text COLLATE "C" NOT NULL,
        node        text COLLATE "C" NOT NULL,
        compartment text COLLATE "C" NOT NULL,
        code_hash   text NOT NULL,
        salt        text NOT NULL,
        until       timestamptz NOT NULL,
        assigned_at timestamptz NOT NULL,
        state       text NOT NULL,
        ended_at    timestamptz,
        PRIMARY KEY (ident, node),
        FOREIGN KEY (node, compartment) REFERENCES locker_compartments (node, code)
    );
    CREATE UNIQUE INDEX locker_assignments_busy ON locker_assignments (node, compartment)
        WHERE state = 'assigned';
    CREATE INDEX locker_assignments_by_until ON locker_assignments (state, until);
    CREATE TABLE transfers (
        ident    text COLLATE "C" PRIMARY KEY,
        sender   text COLLATE "C" NOT NULL,
        receiver text COLLATE "C" NOT NULL,
        state    text NOT NULL,
        lines    jsonb NOT NULL
    );
    CREATE INDEX transfers_by_state ON transfers (state);
    CREATE TABLE transfer_events (
        id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ident text COLLATE "C" NOT NULL REFERENCES transfers (ident),
        state text NOT NULL,
        at    timestamptz NOT NULL,
        actor text NOT NULL
    );
    CREATE INDEX transfer_events_by_ident ON transfer_events (ident, id);
    CREATE TABLE shelf_slots (
        gln  text COLLATE "C" NOT NULL,
        bin  text COLLATE "C" NOT NULL,
        node text COLLATE "C" NOT NULL,
        sku  text COLLATE "C" NOT NULL,
        PRIMARY KEY (gln, bin)
    );
    """,
)

LOCKER_GUARD_MIGRATION = (
    93,
    "lockers: wrong pickup codes lately tried, and until when a locker takes none",
    """
    CREATE TABLE locker_code_guards (
        node         text COLLATE "C" PRIMARY KEY,
        wrong        timestamptz[] NOT NULL,
        locked_until timestamptz
    );
    """,
)
