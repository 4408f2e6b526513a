"""The same contract for capture's records in memory and on SQLite."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microindex.adapters.media.memory import MemoryBlobStore, MemoryCaptureDatabase
from microindex.adapters.media.wiring import SqliteCaptureDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.asset import (
    Asset,
    CaptureFacts,
    Location,
    PrivateFacts,
    ProofState,
    Rendition,
    RenditionName,
)
from microindex.domain.capture.formats import AssetKind
from microindex.domain.capture.template import CaptureTemplate
from microindex.service.capture import CaptureTools, Upload, ingest
from microindex.service.capture_ports import CaptureUnitOfWorkFactory

from .conftest import AT, MUG
from .files import jpeg_with_gps

WHEN = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaptureUnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryCaptureDatabase()
        return
    database = SqliteDatabase(tmp_path / "hub.sqlite")
    database.migrate()
    yield SqliteCaptureDatabase(database)
    database.close()


def sample(asset_id: str = "a" * 16, sku: str | None = MUG) -> Asset:
    renditions = tuple(
        Rendition(
            name, f"{i}" * 64, "image/jpeg", 800, 600, 1234, name is not RenditionName.ORIGINAL
        )
        for i, name in enumerate((RenditionName.ORIGINAL, RenditionName.WEB, RenditionName.THUMB))
    )
    return Asset(
        asset_id,
        AssetKind.PHOTO,
        "MUG.jpg",
        "van",
        "ana",
        AT,
        CaptureFacts(800, 600, 6, WHEN, "Canon EOS R6", None),
        renditions,
        sku,
        "front",
        PrivateFacts(Location(51.5, -0.06), "SN1"),
    )


def test_an_asset_reads_back_as_it_was_written(records: CaptureUnitOfWorkFactory) -> None:
    with records() as uow:
        uow.assets.add(sample())
        uow.commit()
    with records() as uow:
        assert uow.assets.get("a" * 16) == sample()
        assert uow.assets.get("missing") is None


def test_decisions_are_saved_and_found_by_sku_and_state(records: CaptureUnitOfWorkFactory) -> None:
    with records() as uow:
        uow.assets.add(sample())
        uow.assets.add(sample("b" * 16, "BWL"))
        uow.commit()
    with records() as uow:
        uow.assets.save(sample().approve("bo", AT))
        uow.commit()
    with records() as uow:
        found = uow.assets.find(sku=MUG, state=ProofState.APPROVED)
        assert [a.id for a in found] == ["a" * 16]
        assert found[0].proof.by == "bo"
        assert [a.id for a in uow.assets.find(node="van")] == ["a" * 16, "b" * 16]


def test_nothing_is_kept_without_a_commit(records: CaptureUnitOfWorkFactory) -> None:
    with records() as uow:
        uow.assets.add(sample())
    with records() as uow:
        assert uow.assets.find() == []


def test_a_template_is_replaced_per_node(records: CaptureUnitOfWorkFactory) -> None:
    with records() as uow:
        uow.templates.put(CaptureTemplate("van", shots=("front",)))
        uow.templates.put(CaptureTemplate("van", "grey card", "top down", ("front", "side")))
        uow.commit()
    with records() as uow:
        assert uow.templates.get("van") == CaptureTemplate(
            "van", "grey card", "top down", ("front", "side")
        )
        assert uow.templates.get("locker") is None


def test_ingest_works_on_the_in_memory_fakes(tools: CaptureTools) -> None:
    fakes = replace(tools, assets=MemoryCaptureDatabase(), blobs=MemoryBlobStore())
    done = ingest(fakes, Upload(f"{MUG}.jpg", io.BytesIO(jpeg_with_gps()), "van", "ana"), AT)
    assert done.created and done.asset.sku == MUG
    assert isinstance(fakes.blobs, MemoryBlobStore) and len(fakes.blobs.blobs) == 3
