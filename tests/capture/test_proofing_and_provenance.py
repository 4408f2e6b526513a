"""Proofing decides what is published; provenance survives edits and names unknown signers."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from microindex.adapters.media.provenance import C2paProvenance
from microindex.adapters.media.signing_identity import ensure_signing_identity
from microindex.domain.capture.asset import ProofState
from microindex.domain.capture.errors import NotLinked, ProofingClosed
from microindex.domain.capture.provenance import ProvenanceStatus
from microindex.domain.capture.template import CaptureTemplate
from microindex.domain.errors import InvalidValue
from microindex.service.capture import (
    MEDIA_TOPIC,
    CaptureTools,
    Upload,
    approve,
    ingest,
    link,
    record_edit,
    reject,
)
from microindex.service.capture_views import (
    capture_checklist,
    published_image,
    set_template,
    verify_asset,
    verify_file,
)

from .conftest import AT, BOWL, MUG
from .files import jpeg_with_gps, picture


def add(tools: CaptureTools, name: str, data: bytes | None = None) -> str:
    upload = Upload(name, io.BytesIO(data or jpeg_with_gps()), "shopfront", "ana")
    return ingest(tools, upload, AT).asset.id


def test_an_asset_is_published_only_once_approved(tools: CaptureTools) -> None:
    asset_id = add(tools, f"{MUG}_front.jpg")
    assert published_image(tools, MUG) is None
    approve(tools, asset_id, "bo", AT)
    image = published_image(tools, MUG)
    assert image is not None
    assert image.asset_id == asset_id
    assert tools.blobs.get(image.sha256)[:3] == b"\xff\xd8\xff"
    assert image.url("https://shop.example/") == f"https://shop.example/media/{image.sha256}.jpg"


def test_a_rejected_asset_keeps_its_reason_and_is_never_published(tools: CaptureTools) -> None:
    asset_id = add(tools, f"{MUG}.jpg")
    with pytest.raises(InvalidValue):
        reject(tools, asset_id, "  ", "bo", AT)
    rejected = reject(tools, asset_id, "glare on the glaze", "bo", AT)
    assert (rejected.state, rejected.proof.reason) == (ProofState.REJECTED, "glare on the glaze")
    assert published_image(tools, MUG) is None
    with pytest.raises(ProofingClosed):
        approve(tools, asset_id, "bo", AT)


def test_an_unlinked_asset_cannot_be_approved_until_linked_by_hand(tools: CaptureTools) -> None:
    asset_id = add(tools, "IMG_0042.jpg")
    with pytest.raises(NotLinked):
        approve(tools, asset_id, "bo", AT)
    assert link(tools, asset_id, sku=BOWL, shot="side").sku == BOWL
    assert approve(tools, asset_id, "bo", AT).state is ProofState.APPROVED


def test_decisions_are_written_to_the_outbox_with_the_change(tools: CaptureTools) -> None:
    asset_id = add(tools, f"{MUG}.jpg")
    approve(tools, asset_id, "bo", AT)
    with tools.assets() as uow:
        messages = [m for m in uow.outbox.after(0) if m.topic == MEDIA_TOPIC]
    assert [(m.key, m.payload["state"]) for m in messages] == [(asset_id, "approved")]


def test_an_image_too_small_for_google_is_not_sent_to_google(tools: CaptureTools) -> None:
    approve(tools, add(tools, f"{MUG}.jpg", jpeg_with_gps((400, 400))), "bo", AT)
    assert published_image(tools, MUG, "google") is None


def test_the_checklist_shows_what_each_sku_still_lacks(tools: CaptureTools) -> None:
    set_template(tools, CaptureTemplate("shopfront", shots=("front", "side")))
    approve(tools, add(tools, f"{MUG}_front.jpg"), "bo", AT)
    add(tools, f"{MUG}_side.jpg", jpeg_with_gps((1500, 1200)))
    lines = {line.sku: line for line in capture_checklist(tools, "shopfront")}
    assert lines[MUG].approved == ("front",)
    assert lines[MUG].pending == ("side",)
    assert lines[BOWL].missing == ("front", "side")


def test_an_edited_capture_keeps_its_chain_to_the_original(tools: CaptureTools) -> None:
    original_id = add(tools, f"{MUG}.jpg")
    cropped = io.BytesIO()
    picture((1000, 1000)).save(cropped, "JPEG")
    edit = Upload("cropped.jpg", io.BytesIO(cropped.getvalue()), "shopfront", "cy")
    edited = record_edit(tools, original_id, edit, AT).asset
    assert (edited.parent_id, edited.sku, edited.state) == (original_id, MUG, ProofState.PENDING)
    checked = verify_asset(tools, edited.id)
    assert checked.status is ProvenanceStatus.VALID
    assert checked.verdicts[edited.image.name].parents == (f"{original_id}-web.jpg",)


def test_a_manifest_from_another_key_is_an_unknown_signer(
    tools: CaptureTools, tmp_path: Path
) -> None:
    stranger = C2paProvenance(ensure_signing_identity(tmp_path / "elsewhere"))
    signed = ingest(replace(tools, provenance=stranger), _upload(), AT).asset
    data = tools.blobs.get(signed.image.sha256)
    assert verify_file(tools, data, "image/jpeg").status is ProvenanceStatus.UNKNOWN_SIGNER
    assert verify_asset(tools, signed.id).status is ProvenanceStatus.UNKNOWN_SIGNER


def _upload() -> Upload:
    return Upload(f"{MUG}.jpg", io.BytesIO(jpeg_with_gps()), "van", "dee")


def test_the_signing_identity_is_made_once_and_its_keys_are_private(tmp_path: Path) -> None:
    first = ensure_signing_identity(tmp_path)
    again = ensure_signing_identity(tmp_path)
    assert first == again and first.folder is not None
    assert (first.folder / "capture-signer.key.pem").stat().st_mode & 0o077 == 0
    assert first.chain_pem.count(b"BEGIN CERTIFICATE") == 2
