"""Capture's records on the hub's PostgreSQL database (tables of migration 130)."""

from __future__ import annotations

import json
from typing import Any

from microindex.adapters.media.asset_rows import (
    ASSET_COLUMNS,
    RENDITION_COLUMNS,
    asset_from_row,
    asset_row,
)
from microindex.adapters.postgres.connection import Connected, Connection, PostgresTransaction
from microindex.adapters.postgres.stores import PostgresOutbox
from microindex.domain.capture.asset import Asset, ProofState, Rendition, RenditionName
from microindex.domain.capture.template import CaptureTemplate

# The order capture makes renditions in: an image's original, web, thumb; a clip's original,
# poster, thumb, clip.
WRITTEN_ORDER = ["original", "web", "poster", "thumb", "clip"]
_READ_COLUMNS = ASSET_COLUMNS.replace("facts, private", "facts::text, private::text")


def _row(asset: Asset) -> list[Any]:
    row = list(asset_row(asset))
    row[5], row[12] = asset.ingested_at, asset.proof.at  # timestamptz, not text
    return row


class PostgresAssets:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, asset: Asset) -> None:
        self._conn.execute(
            f"INSERT INTO media_assets ({ASSET_COLUMNS}) VALUES ({_marks(15)})", _row(asset)
        )
        with self._conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO media_renditions ({RENDITION_COLUMNS}) VALUES ({_marks(8)})",
                [
                    (asset.id, r.name.value, r.sha256, r.media_type, r.width, r.height,
                     r.byte_size, r.signed)
                    for r in asset.renditions
                ],
            )  # fmt: skip

    def save(self, asset: Asset) -> None:
        row = _row(asset)
        self._conn.execute(
            "UPDATE media_assets SET sku = %s, shot = %s, state = %s, decided_by = %s,"
            " decided_at = %s, reason = %s WHERE id = %s",
            (row[6], row[7], *row[10:14], asset.id),
        )

    def get(self, asset_id: str) -> Asset | None:
        found = self._where("id = %s", (asset_id,))
        return found[0] if found else None

    def find(
        self, sku: str | None = None, state: ProofState | None = None, node: str | None = None
    ) -> list[Asset]:
        terms = [
            (c, v) for c, v in (("sku", sku), ("state", state), ("node", node)) if v is not None
        ]
        where = " AND ".join(f"{c} = %s" for c, _ in terms) or "true"
        return self._where(where, tuple(str(v) for _, v in terms))

    def _where(self, where: str, values: tuple[str, ...]) -> list[Asset]:
        rows = self._conn.execute(
            f"SELECT {_READ_COLUMNS} FROM media_assets WHERE {where} ORDER BY ingested_at, id",
            values,
        ).fetchall()
        renditions = self._renditions([row[0] for row in rows])
        return [asset_from_row(row, renditions.get(row[0], ())) for row in rows]

    def _renditions(self, ids: list[str]) -> dict[str, tuple[Rendition, ...]]:
        """In the order capture writes them (SQLite reads them back in that order by rowid)."""
        found: dict[str, list[Rendition]] = {}
        rows = self._conn.execute(
            f"SELECT {RENDITION_COLUMNS} FROM media_renditions WHERE asset_id = ANY(%s)"
            " ORDER BY asset_id, array_position(%s::text[], name::text)",
            (ids, WRITTEN_ORDER),
        )
        for asset_id, name, sha, media_type, width, height, size, signed in rows:
            found.setdefault(asset_id, []).append(
                Rendition(RenditionName(name), sha, media_type, width, height, size, signed)
            )
        return {k: tuple(v) for k, v in found.items()}


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


class PostgresTemplates:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, node: str) -> CaptureTemplate | None:
        row = self._conn.execute(
            "SELECT node, background, angle, shots FROM capture_templates WHERE node = %s",
            (node,),
        ).fetchone()
        if row is None:
            return None
        return CaptureTemplate(row[0], row[1], row[2], tuple(row[3]))

    def put(self, template: CaptureTemplate) -> None:
        self._conn.execute(
            "INSERT INTO capture_templates (node, background, angle, shots)"
            " VALUES (%s, %s, %s, %s::jsonb) ON CONFLICT (node) DO UPDATE SET"
            " background = excluded.background, angle = excluded.angle, shots = excluded.shots",
            (template.node, template.background, template.angle, json.dumps(template.shots)),
        )


class PostgresCaptureUnitOfWork(PostgresTransaction):
    """One transaction on the hub's connection; the outbox goes in at commit, as the hub's."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.assets = PostgresAssets(conn)
        self.templates = PostgresTemplates(conn)
        self.outbox = PostgresOutbox(conn)

    def __exit__(self, *exc: object) -> None:
        self.outbox.forget()
        super().__exit__()

    def commit(self) -> None:
        self.outbox.flush()
        super().commit()
        self.outbox.forget()


class PostgresCaptureDatabase:
    """Capture's units of work on the hub's PostgreSQL database."""

    def __init__(self, hub: Connected) -> None:
        self.hub = hub

    def __call__(self) -> PostgresCaptureUnitOfWork:
        return PostgresCaptureUnitOfWork(self.hub.connection())
