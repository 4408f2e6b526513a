"""Capture use cases: take in a photo or clip, link it to a SKU, and decide whether it is published.

An upload is read within the size limit, named and sniffed, fully decoded, turned into published
renditions (stripped of location and serials) that are each signed with a provenance manifest,
and only then stored. Anything refused leaves the blob store and the records as they were.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from microindex.domain.capture.asset import (
    Asset,
    Rendition,
    RenditionName,
    asset_id_for,
)
from microindex.domain.capture.errors import FileRefused, Refusal, UnknownAsset
from microindex.domain.capture.formats import AssetKind, MediaFormat, media_format
from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.capture.naming import match_filename, normal_shot, safe_name
from microindex.domain.capture.provenance import CaptureClaim
from microindex.domain.capture.quality import QualityIssue, all_issues
from microindex.domain.errors import InvalidValue, UnknownSku
from microindex.domain.gtin import Gtin
from microindex.service.capture_ports import (
    BlobStore,
    CaptureUnitOfWork,
    CaptureUnitOfWorkFactory,
    Made,
    MediaProbe,
    Parent,
    Provenance,
    RenditionMaker,
)
from microindex.service.known import require_nodes, require_skus
from microindex.service.ports import UnitOfWorkFactory

MEDIA_TOPIC = "media_asset"
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class CaptureTools:
    """Everything capture needs, wired once by the caller's bootstrap."""

    assets: CaptureUnitOfWorkFactory
    catalog: UnitOfWorkFactory
    blobs: BlobStore
    probe: MediaProbe
    renditions: RenditionMaker
    provenance: Provenance
    limits: CaptureLimits = field(default_factory=CaptureLimits)


@dataclass(frozen=True)
class Upload:
    """One file from the field. `sku`, or `code` (a scanned GTIN), or the file name links it."""

    name: str
    source: BinaryIO
    node: str
    author: str
    sku: str | None = None
    code: str | None = None
    shot: str = ""


@dataclass(frozen=True)
class Ingested:
    asset: Asset
    created: bool  # False: the same file was already stored, nothing changed
    issues: list[QualityIssue]


def ingest(tools: CaptureTools, upload: Upload, at: datetime) -> Ingested:
    """Take in a capture: refused whole, or stored with signed renditions, pending proofing."""
    require_nodes(tools.catalog, upload.node)
    by_hand = _sku_by_hand(tools, upload.sku, upload.code)  # refused even for a file stored
    name, data, fmt = _accept(tools, upload)
    sha = hashlib.sha256(data).hexdigest()
    existing = _existing(tools, sha)
    if existing is not None:
        return Ingested(existing, False, _issues(existing))
    sku, shot = _resolve_sku(tools, upload, name, by_hand)
    parent = Parent(name, data, fmt.value)
    return _store(tools, upload, (name, data, fmt, sha), (sku, shot, None), parent, at)


def record_edit(tools: CaptureTools, parent_id: str, upload: Upload, at: datetime) -> Ingested:
    """An edited version of a capture: a new pending asset whose manifests name the parent's."""
    parent_asset = get_asset(tools, parent_id)
    require_nodes(tools.catalog, upload.node)
    name, data, fmt = _accept(tools, upload)
    sha = hashlib.sha256(data).hexdigest()
    existing = _existing(tools, sha)
    if existing is not None:
        return Ingested(existing, False, _issues(existing))
    image = parent_asset.image
    parent = Parent(
        f"{parent_asset.id}-{image.name.value}.jpg",
        tools.blobs.get(image.sha256),
        image.media_type,
    )
    link = (parent_asset.sku, normal_shot(upload.shot) if upload.shot else parent_asset.shot)
    return _store(tools, upload, (name, data, fmt, sha), (*link, parent_asset.id), parent, at)


def link(
    tools: CaptureTools, asset_id: str, sku: str | None = None, code: str | None = None,
    shot: str = "",
) -> Asset:  # fmt: skip
    """Link a pending asset to a SKU by hand, or by a scanned GTIN."""
    resolved = _sku_by_hand(tools, sku, code)
    if resolved is None:
        raise InvalidValue("sku", "", "give a SKU or a scanned code")
    with _unit(tools) as uow:
        asset = _load(uow, asset_id).link(resolved, normal_shot(shot) if shot else "")
        uow.assets.save(asset)
        uow.commit()
    return asset


def approve(tools: CaptureTools, asset_id: str, by: str, at: datetime) -> Asset:
    with _unit(tools) as uow:
        asset = _load(uow, asset_id).approve(by, at)
        _decided(uow, asset, at)
    return asset


def reject(tools: CaptureTools, asset_id: str, reason: str, by: str, at: datetime) -> Asset:
    with _unit(tools) as uow:
        asset = _load(uow, asset_id).reject(reason, by, at)
        _decided(uow, asset, at)
    return asset


def get_asset(tools: CaptureTools, asset_id: str) -> Asset:
    with _unit(tools) as uow:
        return _load(uow, asset_id)


def _decided(uow: CaptureUnitOfWork, asset: Asset, at: datetime) -> None:
    """The decision and its outbox message commit together: channels hear of it after commit."""
    uow.assets.save(asset)
    payload: dict[str, object] = {
        "asset_id": asset.id,
        "sku": asset.sku,
        "state": asset.state.value,
        "image_sha256": asset.image.sha256,
        "reason": asset.proof.reason,
    }
    uow.outbox.add(MEDIA_TOPIC, asset.id, payload, at)
    uow.commit()


@contextmanager
def _unit(tools: CaptureTools) -> Iterator[CaptureUnitOfWork]:
    with tools.assets() as uow:
        yield uow


def _load(uow: CaptureUnitOfWork, asset_id: str) -> Asset:
    asset = uow.assets.get(asset_id)
    if asset is None:
        raise UnknownAsset(asset_id)
    return asset


def _existing(tools: CaptureTools, sha: str) -> Asset | None:
    with _unit(tools) as uow:
        return uow.assets.get(asset_id_for(sha))


def _issues(asset: Asset) -> list[QualityIssue]:
    image = asset.image
    return all_issues(image.width, image.height, image.byte_size)


def _accept(tools: CaptureTools, upload: Upload) -> tuple[str, bytes, MediaFormat]:
    """The checks that need no decoding: name, size, and content against the extension."""
    name = safe_name(upload.name)
    data = read_within(upload.source, tools.limits.max_bytes, name)
    return name, data, media_format(name, data)


def read_within(source: BinaryIO, limit: int, name: str) -> bytes:
    """Read at most `limit` bytes; a longer upload is refused without reading it all."""
    chunks: list[bytes] = []
    size = 0
    while chunk := source.read(min(READ_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise FileRefused(name, Refusal.TOO_LARGE, f"larger than the {limit}-byte limit")
    if not size:
        raise FileRefused(name, Refusal.EMPTY, "the file is empty")
    return b"".join(chunks)


def _resolve_sku(
    tools: CaptureTools, upload: Upload, name: str, sku: str | None
) -> tuple[str | None, str]:
    """The SKU given by hand (`sku`), else the one the file's name carries, and the shot."""
    shot = normal_shot(upload.shot) if upload.shot else ""
    if sku is None:
        with tools.catalog() as uow:
            products = list(uow.catalog.all())
        skus = {p.sku.value.lower(): p.sku.value for p in products}
        gtins = {p.gtin.digits: p.sku.value for p in products if p.gtin is not None}
        found = match_filename(name, skus, gtins)
        if found is not None:
            sku, shot = found.sku, shot or found.shot
    return sku, shot


def _sku_by_hand(tools: CaptureTools, sku: str | None, code: str | None) -> str | None:
    if sku:
        require_skus(tools.catalog, [sku])
        return sku
    if code:
        gtin = Gtin.parse(code)
        with tools.catalog() as uow:
            for product in uow.catalog.all():
                if product.gtin == gtin:
                    return product.sku.value
        raise UnknownSku(f"GTIN {gtin.digits}")
    return None


def _store(
    tools: CaptureTools,
    upload: Upload,
    original: tuple[str, bytes, MediaFormat, str],
    linked: tuple[str | None, str, str | None],
    parent: Parent,
    at: datetime,
) -> Ingested:
    name, data, fmt, sha = original
    sku, shot, parent_id = linked
    probed = tools.probe.probe(name, data, fmt, tools.limits)
    asset_id = asset_id_for(sha)
    claim = CaptureClaim(
        asset_id,
        sku or "",
        upload.node,
        upload.author,
        probed.facts.captured_at or at,
        *(("c2pa.edited", "edited after capture") if parent_id else ()),
    )
    made = tools.renditions.make(data, fmt)
    signed = [(m, tools.provenance.sign(m, claim, parent)) for m in made]
    original_made = Made(
        RenditionName.ORIGINAL, data, fmt.value, probed.facts.width, probed.facts.height
    )
    with _new_blobs(tools.blobs) as put:
        renditions = [_rendition(put, original_made, None)]
        renditions += [_rendition(put, m, body) for m, body in signed]
        asset = Asset(
            id=asset_id,
            kind=fmt.kind,
            original_name=name,
            node=upload.node,
            author=upload.author,
            ingested_at=at,
            facts=probed.facts,
            renditions=tuple(renditions),
            sku=sku,
            shot=shot or ("clip" if fmt.kind is AssetKind.CLIP else "front"),
            private=probed.private,
            parent_id=parent_id,
        )
        with _unit(tools) as uow:
            uow.assets.add(asset)
            uow.commit()
    return Ingested(asset, True, _issues(asset))


def _rendition(put: _Put, made: Made, signed: bytes | None) -> Rendition:
    """Store a rendition: the signed bytes when there are some, else the bytes as made."""
    body = made.data if signed is None else signed
    return Rendition(
        made.name,
        put(body),
        made.media_type,
        made.width,
        made.height,
        len(body),
        signed is not None,
    )


class _Put:
    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.new: list[str] = []

    def __call__(self, body: bytes) -> str:
        sha, new = self.blobs.put(body)
        if new:
            self.new.append(sha)
        return sha


@contextmanager
def _new_blobs(blobs: BlobStore) -> Iterator[_Put]:
    """Blobs written inside are removed again if the record is not committed."""
    put = _Put(blobs)
    try:
        yield put
    except BaseException:
        for sha in put.new:
            blobs.delete(sha)
        raise
