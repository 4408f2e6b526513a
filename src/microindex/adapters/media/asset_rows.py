"""Capture's records as table rows, shared by the SQLite and PostgreSQL stores: facts and private
facts as JSON text, times as ISO 8601 text or datetimes (as the database hands them back)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from microindex.domain.capture.asset import (
    Asset,
    CaptureFacts,
    Location,
    PrivateFacts,
    Proof,
    ProofState,
    Rendition,
)
from microindex.domain.capture.formats import AssetKind

ASSET_COLUMNS = (
    "id, kind, original_name, node, author, ingested_at, sku, shot, facts, private,"
    " state, decided_by, decided_at, reason, parent_id"
)
RENDITION_COLUMNS = "asset_id, name, sha256, media_type, width, height, byte_size, signed"


def _moment(value: str | datetime) -> datetime:
    """A time as SQLite keeps it (ISO 8601 text) or as PostgreSQL hands it back."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _time(value: str | datetime | None) -> datetime | None:
    return _moment(value) if value else None


def _facts_json(facts: CaptureFacts) -> str:
    return json.dumps(
        {
            "width": facts.width,
            "height": facts.height,
            "orientation": facts.orientation,
            "captured_at": facts.captured_at.isoformat() if facts.captured_at else None,
            "device": facts.device,
            "duration_s": facts.duration_s,
        }
    )


def _facts(text: str) -> CaptureFacts:
    data = json.loads(text)
    data["captured_at"] = _time(data["captured_at"])
    return CaptureFacts(**data)


def _private_json(private: PrivateFacts) -> str:
    where = private.location
    return json.dumps(
        {
            "location": [where.lat, where.lon] if where else None,
            "device_serial": private.device_serial,
        }
    )


def _private(text: str) -> PrivateFacts:
    data = json.loads(text)
    where = data["location"]
    return PrivateFacts(Location(*where) if where else None, data["device_serial"])


def asset_row(asset: Asset) -> tuple[Any, ...]:
    proof = asset.proof
    return (
        asset.id,
        asset.kind.value,
        asset.original_name,
        asset.node,
        asset.author,
        asset.ingested_at.isoformat(),
        asset.sku,
        asset.shot,
        _facts_json(asset.facts),
        _private_json(asset.private),
        proof.state.value,
        proof.by,
        proof.at.isoformat() if proof.at else None,
        proof.reason,
        asset.parent_id,
    )


def asset_from_row(row: Sequence[Any], renditions: tuple[Rendition, ...]) -> Asset:
    (id_, kind, name, node, author, ingested, sku, shot, facts, private) = row[:10]
    state, by, at, reason, parent_id = row[10:]
    return Asset(
        id=id_,
        kind=AssetKind(kind),
        original_name=name,
        node=node,
        author=author,
        ingested_at=_moment(ingested),
        facts=_facts(facts),
        renditions=renditions,
        sku=sku,
        shot=shot,
        private=_private(private),
        proof=Proof(ProofState(state), by, _time(at), reason),
        parent_id=parent_id,
    )
