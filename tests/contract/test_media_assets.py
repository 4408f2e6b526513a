"""The same contract for capture's records in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from microindex.adapters.media.memory import MemoryCaptureDatabase
from microindex.adapters.media.wiring import SqliteCaptureDatabase
from microindex.adapters.postgres.asset_store import PostgresCaptureDatabase
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
from microindex.service.capture_ports import CaptureUnitOfWorkFactory

from .conftest import POSTGRES, Databases

AT = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
WHEN = datetime(2024, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
MUG = "MUG-TIDE-250"


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaptureUnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryCaptureDatabase()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    database = databases.open()
    if isinstance(database, SqliteDatabase):
        yield SqliteCaptureDatabase(database)
    else:
        yield PostgresCaptureDatabase(database)
    databases.close()


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


def test_renditions_read_back_in_the_order_capture_writes_them(
    records: CaptureUnitOfWorkFactory,
) -> None:
    names = (RenditionName.ORIGINAL, RenditionName.POSTER, RenditionName.THUMB, RenditionName.CLIP)
    renditions = tuple(
        Rendition(name, f"{i}" * 64, "video/mp4", 640, 360, 99, i > 0)
        for i, name in enumerate(names)
    )
    clip = Asset(
        "c" * 16, AssetKind.CLIP, "MUG.mp4", "van", "ana", AT,
        CaptureFacts(640, 360, 1, None, "", 4.5), renditions, None, "clip",
    )  # fmt: skip
    with records() as uow:
        uow.assets.add(clip)
        uow.assets.add(sample("d" * 16).approve("bo", AT + timedelta(minutes=1)))
        uow.commit()
    with records() as uow:
        assert uow.assets.get("c" * 16) == clip
        assert [a.id for a in uow.assets.find()] == ["c" * 16, "d" * 16]
        assert uow.assets.find(state=ProofState.APPROVED)[0].proof.at == AT + timedelta(minutes=1)


def test_an_edit_names_its_parent_and_the_outbox_commits_with_the_record(
    records: CaptureUnitOfWorkFactory,
) -> None:
    with records() as uow:
        uow.assets.add(sample())
        uow.assets.add(replace(sample("e" * 16), parent_id="a" * 16))
        uow.outbox.add("media_asset", "e" * 16, {"state": "pending"}, AT)
        uow.commit()
    with records() as uow:
        edit = uow.assets.get("e" * 16)
        assert edit is not None and edit.parent_id == "a" * 16
        assert [(m.topic, m.key, m.payload) for m in uow.outbox.after(0)] == [
            ("media_asset", "e" * 16, {"state": "pending"})
        ]
