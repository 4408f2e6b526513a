"""Rounds, service areas and pop-ups on the hub's PostgreSQL database (tables of migration 91)."""

from __future__ import annotations

from datetime import date
from typing import Any

from microindex.adapters.postgres.connection import Connected, Connection, PostgresTransaction
from microindex.domain.node import Location
from microindex.domain.popup import PopUp
from microindex.domain.round import Round, ServiceArea, Stop

_POPUP = "node, home, opens_on, closes_on"


class PostgresRounds:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set_round(self, day: date, round_: Round) -> None:
        """Two writers replacing the same node's round for a day take turns on a
        transaction-scoped lock (the rows may not exist yet to be locked), as SQLite's single
        writer would."""
        key = (round_.node, day)
        self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 91))",
            (f"round_stops:{round_.node}:{day.isoformat()}",),
        )
        self._conn.execute("DELETE FROM round_stops WHERE node = %s AND day = %s", key)
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO round_stops VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (*key, i, s.arrives, s.leaves, s.location.lat, s.location.lon, s.label)
                    for i, s in enumerate(round_.stops)
                ],
            )

    def round(self, node: str, day: date) -> Round | None:
        rows = self._conn.execute(
            "SELECT arrives, leaves, lat, lon, label FROM round_stops"
            " WHERE node = %s AND day = %s ORDER BY seq",
            (node, day),
        ).fetchall()
        if not rows:
            return None
        stops = [Stop(a, b, Location(lat, lon), label) for a, b, lat, lon, label in rows]
        return Round.of(node, stops)

    def set_area(self, node: str, area: ServiceArea) -> None:
        self._conn.execute(
            "INSERT INTO service_areas VALUES (%s, %s, %s, %s) ON CONFLICT (node) DO UPDATE SET"
            " lat = excluded.lat, lon = excluded.lon, radius_km = excluded.radius_km",
            (node, area.centre.lat, area.centre.lon, area.radius_km),
        )

    def area(self, node: str) -> ServiceArea | None:
        row = self._conn.execute(
            "SELECT lat, lon, radius_km FROM service_areas WHERE node = %s", (node,)
        ).fetchone()
        return None if row is None else ServiceArea(Location(row[0], row[1]), row[2])


class PostgresPopUps:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, popup: PopUp) -> None:
        self._conn.execute(
            f"INSERT INTO popups ({_POPUP}) VALUES (%s, %s, %s, %s) ON CONFLICT (node)"
            " DO UPDATE SET home = excluded.home, opens_on = excluded.opens_on,"
            " closes_on = excluded.closes_on",
            (popup.node, popup.home, popup.opens_on, popup.closes_on),
        )

    def get(self, node: str) -> PopUp | None:
        row = self._conn.execute(f"SELECT {_POPUP} FROM popups WHERE node = %s", (node,)).fetchone()
        return None if row is None else _popup(row)

    def listed(self) -> list[PopUp]:
        rows = self._conn.execute(f"SELECT {_POPUP} FROM popups ORDER BY opens_on, node").fetchall()
        return [_popup(row) for row in rows]


class PostgresRoundsDatabase:
    """Units of work on the hub database's connection (migrated by the hub)."""

    def __init__(self, database: Connected) -> None:
        self._database = database

    def __call__(self) -> PostgresRoundsUnitOfWork:
        return PostgresRoundsUnitOfWork(self._database.connection())


class PostgresRoundsUnitOfWork(PostgresTransaction):
    """Rounds and pop-ups in one transaction on the hub's connection."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.rounds = PostgresRounds(conn)
        self.popups = PostgresPopUps(conn)


def _popup(row: Any) -> PopUp:
    node, home, opens_on, closes_on = row
    return PopUp(node, home, opens_on, closes_on)
