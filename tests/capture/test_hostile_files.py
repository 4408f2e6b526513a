"""Hostile or broken uploads are refused with a clear reason, and nothing is stored."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.errors import FileRefused, Refusal
from microindex.domain.capture.limits import CaptureLimits
from microindex.service.capture import CaptureTools, Upload, ingest
from microindex.service.capture_views import list_assets

from .conftest import AT, MUG, media_files
from .files import jpeg_with_gps, mp4_clip, png, png_bomb


def refused(
    tools: CaptureTools,
    workspace: Path,
    name: str,
    data: bytes,
    limits: CaptureLimits | None = None,
) -> FileRefused:
    """Refused, with a store already holding one asset left exactly as it was."""
    ingest(tools, Upload(f"{MUG}.jpg", io.BytesIO(jpeg_with_gps((640, 640))), "van", "bo"), AT)
    before = media_files(workspace), list_assets(tools)
    limited = replace(tools, limits=limits) if limits else tools
    with pytest.raises(FileRefused) as caught:
        ingest(limited, Upload(name, io.BytesIO(data), "van", "bo", sku=MUG), AT)
    assert (media_files(workspace), list_assets(tools)) == before
    return caught.value


def test_a_decompression_bomb_is_refused_before_it_is_decoded(
    tools: CaptureTools, workspace: Path
) -> None:
    error = refused(tools, workspace, "bomb.png", png_bomb())
    assert error.reason is Refusal.BOMB


def test_an_image_over_the_configured_pixel_limit_is_a_bomb(
    tools: CaptureTools, workspace: Path
) -> None:
    error = refused(tools, workspace, "big.png", png((400, 400)), CaptureLimits(max_pixels=100_000))
    assert error.reason is Refusal.BOMB
    assert "100000-pixel limit" in str(error)


def test_a_truncated_jpeg_is_refused(tools: CaptureTools, workspace: Path) -> None:
    whole = jpeg_with_gps()
    error = refused(tools, workspace, "cut.jpg", whole[: len(whole) // 2])
    assert error.reason is Refusal.TRUNCATED


def test_a_png_named_jpg_is_refused(tools: CaptureTools, workspace: Path) -> None:
    error = refused(tools, workspace, "photo.jpg", png())
    assert error.reason is Refusal.MISMATCH
    assert "image/png" in str(error)


def test_text_named_as_a_photo_is_refused(tools: CaptureTools, workspace: Path) -> None:
    error = refused(tools, workspace, "photo.jpg", b"<?php system($_GET['c']); ?>")
    assert error.reason is Refusal.MISMATCH


def test_an_unsupported_extension_is_refused(tools: CaptureTools, workspace: Path) -> None:
    assert refused(tools, workspace, "notes.svg", b"<svg/>").reason is Refusal.UNSUPPORTED


def test_an_upload_over_the_size_limit_is_refused(tools: CaptureTools, workspace: Path) -> None:
    limits = CaptureLimits(max_bytes=10_000)
    error = refused(tools, workspace, "large.jpg", jpeg_with_gps(), limits)
    assert error.reason is Refusal.TOO_LARGE


def test_an_empty_upload_is_refused(tools: CaptureTools, workspace: Path) -> None:
    assert refused(tools, workspace, "empty.jpg", b"").reason is Refusal.EMPTY


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.jpg", "a/b.jpg", "C:\\photos\\x.jpg", ".hidden.jpg", "x\x00.jpg", ""],
)
def test_path_tricks_in_names_are_refused(tools: CaptureTools, workspace: Path, name: str) -> None:
    assert refused(tools, workspace, name, jpeg_with_gps()).reason is Refusal.UNSAFE_NAME


def test_a_truncated_clip_is_refused(tools: CaptureTools, workspace: Path) -> None:
    whole = mp4_clip()
    error = refused(tools, workspace, "cut.mp4", whole[: len(whole) * 2 // 3])
    assert error.reason in (Refusal.TRUNCATED, Refusal.UNREADABLE)


def test_a_clip_longer_than_the_limit_is_refused(tools: CaptureTools, workspace: Path) -> None:
    limits = CaptureLimits(max_clip_seconds=0.5)
    assert refused(tools, workspace, "long.mp4", mp4_clip(), limits).reason is Refusal.TOO_LONG


def test_a_failure_after_blobs_are_written_removes_them(
    tools: CaptureTools, workspace: Path, hub: SqliteDatabase
) -> None:
    data = jpeg_with_gps()
    ingest(tools, Upload(f"{MUG}.jpg", io.BytesIO(data), "van", "bo"), AT)
    hub.connection().execute("DROP TABLE media_renditions")
    before = media_files(workspace)
    with pytest.raises(Exception, match="media_renditions"):
        ingest(tools, Upload(f"{MUG}_b.png", io.BytesIO(png()), "van", "bo"), AT)
    assert media_files(workspace) == before
