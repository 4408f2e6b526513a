"""Rounds, service areas and pop-ups on the hub's SQLite file (tables of migration 91)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Protocol

from microindex.adapters.sqlite.unit_of_work import SqliteTransaction
from microindex.domain.node import Location
from microindex.domain.popup import PopUp
from microindex.domain.round import Round, ServiceArea, Stop


class SqliteRounds:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def set_round(self, day: date, round_: Round) -> None:
        key = (round_.node, day.isoformat())
        self._conn.execute("DELETE FROM round_stops WHERE node = ? AND day = ?", key)
        self._conn.executemany(
            "INSERT INTO round_stops VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (*key, i, s.arrives.isoformat(), s.leaves.isoformat(), *_ll(s.location), s.label)
                for i, s in enumerate(round_.stops)
            ],
        )

    def round(self, node: str, day: date) -> Round | None:
        rows = self._conn.execute(
            "SELECT arrives, leaves, lat, lon, label FROM round_stops"
            " WHERE node = ? AND day = ? ORDER BY seq",
            (node, day.isoformat()),
        ).fetchall()
        if not rows:
            return None
        stops = [
            Stop(datetime.fromisoformat(a), datetime.fromisoformat(b), Location(lat, lon), label)
            for a, b, lat, lon, label in rows
        ]
        return Round.of(node, stops)

    def set_area(self, node: str, area: ServiceArea) -> None:
        self._conn.execute(
            "INSERT INTO service_areas VALUES (?, ?, ?, ?) ON CONFLICT (node) DO UPDATE SET"
            " lat = excluded.lat, lon = excluded.lon, radius_km = excluded.radius_km",
            (node, *_ll(area.centre), area.radius_km),
        )

    def area(self, node: str) -> ServiceArea | None:
        row = self._conn.execute(
            "SELECT lat, lon, radius_km FROM service_areas WHERE node = ?", (node,)
        ).fetchone()
        return None if row is None else ServiceArea(Location(row[0], row[1]), row[2])


class SqlitePopUps:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save(self, popup: PopUp) -> None:
        self._conn.execute(
            "INSERT INTO popups VALUES (?, ?, ?, ?) ON CONFLICT (node) DO UPDATE SET"
            " home = excluded.home, opens_on = excluded.opens_on,"
            " closes_on = excluded.closes_on",
            (popup.node, popup.home, popup.opens_on.isoformat(), popup.closes_on.isoformat()),
        )

    def get(self, node: str) -> PopUp | None:
        row = self._conn.execute(
            "SELECT node, home, opens_on, closes_on FROM popups WHERE node = ?", (node,)
        ).fetchone()
        return None if row is None else _popup(row)

    def listed(self) -> list[PopUp]:
        rows = self._conn.execute(
            "SELECT node, home, opens_on, closes_on FROM popups ORDER BY opens_on, node"
        )
        return [_popup(row) for row in rows]


class _Connected(Protocol):
    def connection(self) -> sqlite3.Connection: ...


class SqliteRoundsDatabase:
    """Units of work on the hub database's connection (migrated by the hub)."""

    def __init__(self, database: _Connected) -> None:
        self._database = database

    def __call__(self) -> SqliteRoundsUnitOfWork:
        return SqliteRoundsUnitOfWork(self._database.connection())


class SqliteRoundsUnitOfWork(SqliteTransaction):
    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.rounds = SqliteRounds(conn)
        self.popups = SqlitePopUps(conn)


def _ll(where: Location) -> tuple[float, float]:
    return where.lat, where.lon


def _popup(row: tuple[str, str, str, str]) -> PopUp:
    return PopUp(row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]))
