"""A workspace with a hub holding a few products, and capture wired to it for real."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.media.wiring import CaptureBesideFile, open_capture
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.capture.limits import CaptureLimits
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service.capture import CaptureTools
from tests.contract.samples import node

AT = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
MUG = "MUG-TIDE-250"
MUG_GTIN = "05069412000010"
BOWL = "BWL-MOSS-S"


def product(sku: str, gtin: str | None = None) -> Product:
    return Product(
        Sku(sku),
        f"Product {sku}",
        Money(Decimal("24.00"), "GBP"),
        gtin=Gtin.parse(gtin) if gtin else None,
    )


def media_files(workspace: Path) -> list[str]:
    """Every file under the media folder, to show a refusal stored nothing."""
    return sorted(
        str(p.relative_to(workspace)) for p in (workspace / "media").rglob("*") if p.is_file()
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "shop"


@pytest.fixture
def hub(workspace: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(workspace / "hub.sqlite")
    database.migrate()
    with database() as uow:
        uow.catalog.upsert([product(MUG, MUG_GTIN), product("MUG-TIDE"), product(BOWL)])
        for code in ("shopfront", "van"):  # where the tests' captures are taken
            uow.nodes.add(node(code))
        uow.commit()
    yield database
    database.close()


@pytest.fixture
def tools(workspace: Path, hub: SqliteDatabase) -> CaptureTools:
    return open_capture(CaptureBesideFile(hub, workspace), hub, CaptureLimits())
