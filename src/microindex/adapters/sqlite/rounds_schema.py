"""Schema of van rounds, service areas and pop-up dates at the hub (migration 91)."""

from __future__ import annotations

ROUNDS_MIGRATION = (
    91,
    "vans and pop-ups: rounds of stops, service areas, pop-up opening and closing dates",
    """
    CREATE TABLE round_stops (
        node    TEXT NOT NULL,
        day     TEXT NOT NULL,
        seq     INTEGER NOT NULL CHECK (seq >= 0),
        arrives TEXT NOT NULL,
        leaves  TEXT NOT NULL,
        lat     REAL NOT NULL,
        lon     REAL NOT NULL,
        label   TEXT NOT NULL,
        PRIMARY KEY (node, day, seq)
    ) WITHOUT ROWID;
    CREATE TABLE service_areas (
        node      TEXT PRIMARY KEY,
        lat       REAL NOT NULL,
        lon       REAL NOT NULL,
        radius_km REAL NOT NULL CHECK (radius_km > 0)
    ) WITHOUT ROWID;
    CREATE TABLE popups (
        node      TEXT PRIMARY KEY,
        home      TEXT NOT NULL,
        opens_on  TEXT NOT NULL,
        closes_on TEXT NOT NULL,
        CHECK (closes_on >= opens_on)
    ) WITHOUT ROWID
    """,
)
