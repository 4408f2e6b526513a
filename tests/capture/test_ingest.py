"""Photos and clips through the real pipeline: facts read, renditions made, privacy, provenance."""

from __future__ import annotations

import io
from datetime import UTC, timedelta

import av
import pytest
from PIL import ExifTags, Image

from microindex.adapters.media.blob_store import FileBlobStore
from microindex.domain.capture.asset import Location, ProofState, RenditionName
from microindex.domain.capture.formats import AssetKind
from microindex.domain.capture.provenance import ProvenanceStatus
from microindex.service.capture import CaptureTools, Upload, ingest
from microindex.service.capture_views import verify_asset, verify_file

from .conftest import AT, MUG, MUG_GTIN
from .files import SERIAL, heic_with_exif, jpeg_with_gps, jpeg_with_odd_exif, mp4_clip, png, webp


def upload(name: str, data: bytes, **links: str) -> Upload:
    return Upload(name, io.BytesIO(data), "shopfront", "ana", **links)


def test_a_jpeg_yields_its_capture_time_device_size_and_orientation(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}_side.jpg", jpeg_with_gps(orientation=6)), AT).asset
    assert asset.kind is AssetKind.PHOTO
    assert (asset.sku, asset.shot, asset.state) == (MUG, "side", ProofState.PENDING)
    assert asset.facts.captured_at is not None
    assert asset.facts.captured_at.isoformat() == "2024-05-01T10:30:00+01:00"
    assert asset.facts.device == "Canon EOS R6"
    assert (asset.facts.width, asset.facts.height, asset.facts.orientation) == (1200, 1600, 6)


def test_location_and_serial_are_kept_only_with_the_private_original(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.jpg", jpeg_with_gps()), AT).asset
    assert asset.private.location == Location(51.5363, -0.0618)
    assert asset.private.device_serial == SERIAL
    original = tools.blobs.get(asset.original.sha256)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for rendition in asset.renditions:
        if rendition.public:
            data = tools.blobs.get(rendition.sha256)
            exif = Image.open(io.BytesIO(data)).getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo), rendition.name
            assert SERIAL.encode() not in data
            assert b"51.5363" not in data


def test_thumbnail_and_web_size_are_made_upright_and_within_bounds(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.jpg", jpeg_with_gps(orientation=6)), AT).asset
    web, thumb = asset.rendition(RenditionName.WEB), asset.rendition(RenditionName.THUMB)
    assert (web.width, web.height) == (900, 1200)
    assert (thumb.width, thumb.height) == (240, 320)
    with Image.open(io.BytesIO(tools.blobs.get(web.sha256))) as image:
        assert image.size == (900, 1200)
        assert image.format == "JPEG"


def test_each_published_rendition_carries_a_manifest_naming_sku_node_author_and_time(
    tools: CaptureTools,
) -> None:
    asset = ingest(tools, upload(f"{MUG}.jpg", jpeg_with_gps()), AT).asset
    checked = verify_asset(tools, asset.id)
    assert checked.status is ProvenanceStatus.VALID
    verdict = checked.verdicts[RenditionName.WEB]
    assert verdict.claim["sku"] == MUG
    assert verdict.claim["node"] == "shopfront"
    assert verdict.claim["author"] == "ana"
    assert verdict.claim["captured_at"] == "2024-05-01T10:30:00+01:00"
    assert verdict.parents == (f"{MUG}.jpg",)


def test_one_flipped_byte_is_reported_as_tampered(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.jpg", jpeg_with_gps()), AT).asset
    assert isinstance(tools.blobs, FileBlobStore)  # beside a SQLite hub: files to tamper with
    path = tools.blobs.path(asset.image.sha256)
    data = bytearray(path.read_bytes())
    data[len(data) - 200] ^= 0x01  # in the pixels, after the manifest
    assert verify_file(tools, bytes(data), "image/jpeg").status is ProvenanceStatus.TAMPERED
    path.write_bytes(bytes(data))
    assert verify_asset(tools, asset.id).status is ProvenanceStatus.TAMPERED


def test_a_file_without_a_manifest_is_reported_unsigned(tools: CaptureTools) -> None:
    verdict = verify_file(tools, jpeg_with_gps(), "image/jpeg")
    assert verdict.status is ProvenanceStatus.UNSIGNED


def test_the_same_file_is_stored_once(tools: CaptureTools) -> None:
    data = jpeg_with_gps()
    first = ingest(tools, upload(f"{MUG}.jpg", data), AT)
    again = ingest(tools, upload("other-name.jpg", data), AT + timedelta(hours=1))
    assert first.created and not again.created
    assert again.asset.id == first.asset.id


def test_a_scanned_gtin_links_the_capture_to_its_sku(tools: CaptureTools) -> None:
    asset = ingest(tools, upload("IMG_0001.jpg", jpeg_with_gps(), code=MUG_GTIN[1:]), AT).asset
    assert asset.sku == MUG


def test_a_heic_photo_is_read_and_published_as_jpeg(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.heic", heic_with_exif()), AT).asset
    assert asset.original.media_type == "image/heic"
    assert asset.facts.device == "Canon EOS R6"
    assert asset.private.location == Location(51.5363, -0.0618)
    assert asset.image.media_type == "image/jpeg"
    assert (asset.image.width, asset.image.height) == (800, 600)
    assert verify_asset(tools, asset.id).status is ProvenanceStatus.VALID


def test_png_and_webp_photos_are_accepted(tools: CaptureTools) -> None:
    for name, data in ((f"{MUG}_top.png", png()), (f"{MUG}_back.webp", webp())):
        asset = ingest(tools, upload(name, data), AT).asset
        assert asset.image.media_type == "image/jpeg"
        assert asset.facts.captured_at is None


def test_a_clip_yields_duration_size_and_a_poster_frame(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.mp4", mp4_clip()), AT).asset
    assert asset.kind is AssetKind.CLIP
    assert asset.shot == "clip"
    assert asset.facts.duration_s is not None
    assert abs(asset.facts.duration_s - 1.0) < 0.2
    assert (asset.facts.width, asset.facts.height) == (320, 240)
    assert asset.facts.captured_at is not None
    assert asset.facts.captured_at.astimezone(UTC).hour == 9
    assert asset.private.location == Location(51.5363, -0.0618)
    poster = asset.rendition(RenditionName.POSTER)
    assert (poster.width, poster.height, poster.media_type) == (320, 240, "image/jpeg")


def test_a_published_clip_has_no_location_and_verifies(tools: CaptureTools) -> None:
    asset = ingest(tools, upload(f"{MUG}.mov", mp4_clip()), AT).asset
    clip = tools.blobs.get(asset.rendition(RenditionName.CLIP).sha256)
    assert b"loci" in tools.blobs.get(asset.original.sha256)  # the location box
    assert b"loci" not in clip
    with av.open(io.BytesIO(clip)) as container:
        assert not any("location" in key for key in container.metadata)
    assert verify_asset(tools, asset.id).status is ProvenanceStatus.VALID


@pytest.mark.parametrize(
    ("orientation", "offset"),
    [(b"abc\x00", b"+01:00\x00"), (b"6\x00", b"+99:00\x00"), (b"\x00", b"-12:75\x00")],
)
def test_exif_values_no_camera_writes_are_taken_as_absent(
    tools: CaptureTools, orientation: bytes, offset: bytes
) -> None:
    """An Orientation that is not a number 1-8 is upright; a time offset that is no real
    offset is left off, as EXIF without one is (taken as UTC)."""
    data = jpeg_with_odd_exif(orientation, offset)
    asset = ingest(tools, upload(f"{MUG}.jpg", data), AT).asset
    assert (asset.facts.width, asset.facts.height, asset.facts.orientation) == (900, 600, 1)
    when = "2024-05-01T10:30:00+01:00" if offset == b"+01:00\x00" else "2024-05-01T10:30:00+00:00"
    assert asset.facts.captured_at is not None
    assert asset.facts.captured_at.isoformat() == when
    web = asset.rendition(RenditionName.WEB)
    with Image.open(io.BytesIO(tools.blobs.get(web.sha256))) as image:
        assert image.size == (900, 600)
