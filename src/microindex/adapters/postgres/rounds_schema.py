"""Schema of van rounds, service areas and pop-up dates at the hub (migration 91), as on SQLite."""

from __future__ import annotations

ROUNDS_MIGRATION = (
    91,
    "vans and pop-ups: rounds of stops, service areas, pop-up opening and closing dates",
    """
    CREATE TABLE round_stops (
        node    text COLLATE "C" NOT NULL,
        day     date NOT NULL,
        seq     integer NOT NULL CHECK (seq >= 0),
        arrives timestamptz NOT NULL,
        leaves  timestamptz NOT NULL,
        lat     double precision NOT NULL,
        lon     double precision NOT NULL,
        label   text NOT NULL,
        PRIMARY KEY (node, day, seq)
    );
    CREATE TABLE service_areas (
        node      text COLLATE "C" PRIMARY KEY,
        lat       double precision NOT NULL,
        lon       double precision NOT NULL,
        radius_km double precision NOT NULL CHECK (radius_km > 0)
    );
    CREATE TABLE popups (
        node      text COLLATE "C" PRIMARY KEY,
        home      text COLLATE "C" NOT NULL,
        opens_on  date NOT NULL,
        closes_on date NOT NULL,
        CHECK (closes_on >= opens_on)
    );
    """,
)
