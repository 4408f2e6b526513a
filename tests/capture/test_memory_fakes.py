"""Capture's in-memory fakes run the real ingest pipeline."""

from __future__ import annotations

import io
from dataclasses import replace

from microindex.adapters.media.memory import MemoryBlobStore, MemoryCaptureDatabase
from microindex.service.capture import CaptureTools, Upload, ingest

from .conftest import AT, MUG
from .files import jpeg_with_gps


def test_ingest_works_on_the_in_memory_fakes(tools: CaptureTools) -> None:
    fakes = replace(tools, assets=MemoryCaptureDatabase(), blobs=MemoryBlobStore())
    done = ingest(fakes, Upload(f"{MUG}.jpg", io.BytesIO(jpeg_with_gps()), "van", "ana"), AT)
    assert done.created and done.asset.sku == MUG
    assert isinstance(fakes.blobs, MemoryBlobStore) and len(fakes.blobs.blobs) == 3
