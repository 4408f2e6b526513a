"""Capture's records on SQLite: assets with their renditions, and capture templates per node."""

from __future__ import annotations

import json
import sqlite3

from microindex.adapters.media.asset_rows import (
    ASSET_COLUMNS,
    RENDITION_COLUMNS,
    asset_from_row,
    asset_row,
)
from microindex.adapters.sqlite.stores import SqliteOutbox
from microindex.adapters.sqlite.unit_of_work import SqliteTransaction
from microindex.domain.capture.asset import Asset, ProofState, Rendition, RenditionName
from microindex.domain.capture.template import CaptureTemplate


class SqliteAssets:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, asset: Asset) -> None:
        self._conn.execute(
            f"INSERT INTO media_assets ({ASSET_COLUMNS}) VALUES ({_marks(15)})", asset_row(asset)
        )
        self._conn.executemany(
            f"INSERT INTO media_renditions ({RENDITION_COLUMNS}) VALUES ({_marks(8)})",
            [
                (
                    asset.id,
                    r.name.value,
                    r.sha256,
                    r.media_type,
                    r.width,
                    r.height,
                    r.byte_size,
                    int(r.signed),
                )
                for r in asset.renditions
            ],
        )

    def save(self, asset: Asset) -> None:
        row = asset_row(asset)
        self._conn.execute(
            "UPDATE media_assets SET sku = ?, shot = ?, state = ?, decided_by = ?,"
            " decided_at = ?, reason = ? WHERE id = ?",
            (row[6], row[7], *row[10:14], asset.id),
        )

    def get(self, asset_id: str) -> Asset | None:
        found = self.find_where("id = ?", (asset_id,))
        return found[0] if found else None

    def find(
        self, sku: str | None = None, state: ProofState | None = None, node: str | None = None
    ) -> list[Asset]:
        terms = [
            (c, v) for c, v in (("sku", sku), ("state", state), ("node", node)) if v is not None
        ]
        where = " AND ".join(f"{c} = ?" for c, _ in terms) or "1 = 1"
        return self.find_where(where, tuple(str(v) for _, v in terms))

    def find_where(self, where: str, values: tuple[str, ...]) -> list[Asset]:
        rows = self._conn.execute(
            f"SELECT {ASSET_COLUMNS} FROM media_assets WHERE {where} ORDER BY ingested_at, id",
            values,
        ).fetchall()
        renditions = self._renditions([row[0] for row in rows])
        return [asset_from_row(row, renditions.get(row[0], ())) for row in rows]

    def _renditions(self, ids: list[str]) -> dict[str, tuple[Rendition, ...]]:
        found: dict[str, list[Rendition]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._conn.execute(
                f"SELECT {RENDITION_COLUMNS} FROM media_renditions"
                f" WHERE asset_id IN ({_marks(len(chunk))}) ORDER BY asset_id, rowid",
                chunk,
            )
            for asset_id, name, sha, media_type, width, height, size, signed in rows:
                found.setdefault(asset_id, []).append(
                    Rendition(
                        RenditionName(name), sha, media_type, width, height, size, bool(signed)
                    )
                )
        return {k: tuple(v) for k, v in found.items()}


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class SqliteTemplates:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, node: str) -> CaptureTemplate | None:
        row = self._conn.execute(
            "SELECT node, background, angle, shots FROM capture_templates WHERE node = ?", (node,)
        ).fetchone()
        if row is None:
            return None
        return CaptureTemplate(row[0], row[1], row[2], tuple(json.loads(row[3])))

    def put(self, template: CaptureTemplate) -> None:
        self._conn.execute(
            "INSERT INTO capture_templates (node, background, angle, shots) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (node) DO UPDATE SET background = excluded.background,"
            " angle = excluded.angle, shots = excluded.shots",
            (template.node, template.background, template.angle, json.dumps(template.shots)),
        )


class SqliteCaptureUnitOfWork(SqliteTransaction):
    """BEGIN IMMEDIATE on entry, like the other units of work on the same file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.assets = SqliteAssets(conn)
        self.templates = SqliteTemplates(conn)
        self.outbox = SqliteOutbox(conn)
