"""Capture queries: lists, verification, the shot checklist, and the image a channel is sent."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.capture.asset import Asset, ProofState, RenditionName
from microindex.domain.capture.provenance import ProvenanceStatus, Verdict
from microindex.domain.capture.quality import CHANNEL_RULES, quality_issues
from microindex.domain.capture.template import CaptureTemplate, ChecklistLine, checklist
from microindex.domain.errors import InvalidValue
from microindex.service.capture import CaptureTools, get_asset
from microindex.service.known import require_nodes

MEDIA_URL_PREFIX = "/media/"
SHOT_ORDER = ("front",)
SEVERITY = (
    ProvenanceStatus.VALID,
    ProvenanceStatus.UNKNOWN_SIGNER,
    ProvenanceStatus.UNSIGNED,
    ProvenanceStatus.TAMPERED,
)  # the shot a channel shows first when there is a choice


def list_assets(
    tools: CaptureTools,
    sku: str | None = None,
    state: ProofState | None = None,
    node: str | None = None,
) -> list[Asset]:
    with tools.assets() as uow:
        return uow.assets.find(sku=sku, state=state, node=node)


@dataclass(frozen=True)
class AssetVerification:
    asset_id: str
    verdicts: dict[RenditionName, Verdict]

    @property
    def status(self) -> ProvenanceStatus:
        """The worst finding over every published rendition."""
        found = [v.status for v in self.verdicts.values()]
        return max(found, key=SEVERITY.index, default=ProvenanceStatus.UNSIGNED)


def verify_asset(tools: CaptureTools, asset_id: str) -> AssetVerification:
    """Check every signed rendition as stored: its content hash and its manifest."""
    asset = get_asset(tools, asset_id)
    verdicts: dict[RenditionName, Verdict] = {}
    for rendition in asset.renditions:
        if not rendition.signed:
            continue
        data = tools.blobs.get(rendition.sha256)
        verdict = tools.provenance.verify(data, rendition.media_type)
        if hashlib.sha256(data).hexdigest() != rendition.sha256 and verdict.ok:
            problem = "stored bytes no longer match their content hash"
            verdict = Verdict(
                ProvenanceStatus.TAMPERED,
                verdict.claim,
                verdict.signer,
                verdict.parents,
                (problem,),
            )
        verdicts[rendition.name] = verdict
    return AssetVerification(asset.id, verdicts)


def verify_file(tools: CaptureTools, data: bytes, media_type: str) -> Verdict:
    """Check a file met outside the store, e.g. an image a channel shows."""
    return tools.provenance.verify(data, media_type)


def set_template(tools: CaptureTools, template: CaptureTemplate) -> None:
    require_nodes(tools.catalog, template.node)
    with tools.assets() as uow:
        uow.templates.put(template)
        uow.commit()


def template_for(tools: CaptureTools, node: str) -> CaptureTemplate:
    """The node's capture template, or the default one when it has none yet."""
    with tools.assets() as uow:
        return uow.templates.get(node) or CaptureTemplate(node)


def capture_checklist(
    tools: CaptureTools, node: str, skus: Sequence[str] | None = None
) -> list[ChecklistLine]:
    """Per SKU (default: the whole catalog), the template's shots approved, pending, missing."""
    require_nodes(tools.catalog, node)
    template = template_for(tools, node)
    if skus is None:
        with tools.catalog() as uow:
            skus = sorted(p.sku.value for p in uow.catalog.all())
    return checklist(template, skus, list_assets(tools))


@dataclass(frozen=True)
class PublishedImage:
    """The image a channel links to for a product: a signed, location-free JPEG."""

    asset_id: str
    sku: str
    sha256: str
    url_path: str  # served as `/media/<sha256>.jpg`; prefix the shop's base URL
    width: int
    height: int
    approved_at: datetime | None

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.url_path


def published_image(
    tools: CaptureTools, sku: str, channel: str = "google"
) -> PublishedImage | None:
    """The approved image of `sku` that `channel` accepts, front shot first; None if none."""
    rule = CHANNEL_RULES.get(channel)
    if rule is None:
        raise InvalidValue("channel", channel, f"known channels: {', '.join(CHANNEL_RULES)}")
    approved = list_assets(tools, sku=sku, state=ProofState.APPROVED)
    fitting = [
        a
        for a in approved
        if not quality_issues(a.image.width, a.image.height, a.image.byte_size, rule)
    ]
    if not fitting:
        return None
    best = min(fitting, key=_preference)
    image = best.image
    return PublishedImage(
        best.id,
        sku,
        image.sha256,
        f"{MEDIA_URL_PREFIX}{image.sha256}.jpg",
        image.width,
        image.height,
        best.proof.at,
    )


def _preference(asset: Asset) -> tuple[int, int, str]:
    shot_rank = SHOT_ORDER.index(asset.shot) if asset.shot in SHOT_ORDER else len(SHOT_ORDER)
    return (shot_rank, 0 if asset.kind.value == "photo" else 1, asset.id)


def published_picture(tools: CaptureTools, sha256: str) -> bytes | None:
    """The bytes behind `/media/<sha256>.jpg`: an approved asset's picture (what channels are
    sent), never an original or an unapproved one. None when `sha256` names no such picture."""
    approved = list_assets(tools, state=ProofState.APPROVED)
    if any(asset.image.sha256 == sha256 for asset in approved) and tools.blobs.exists(sha256):
        return tools.blobs.get(sha256)
    return None
