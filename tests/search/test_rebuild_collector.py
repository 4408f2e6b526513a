"""A build from scratch (`search rebuild`, or an index's first catch-up) runs with the cyclic
collector paused, and leaves it as it found it (ADR 0063)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.indexing import catch_up, rebuild
from tests.search.conftest import CATALOG

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def collector_restored() -> Iterator[None]:
    was_on = gc.isenabled()
    yield
    if was_on:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_restored")
@pytest.mark.parametrize("build", [rebuild, catch_up])
@pytest.mark.parametrize("on", [True, False])
def test_a_build_pauses_the_collector_and_leaves_it_as_it_was(
    on: bool, build: Callable[..., int]
) -> None:
    db = MemoryDatabase()
    import_products(db, ParsedCatalog(CATALOG), AT)
    if on:
        gc.enable()
    else:
        gc.disable()
    seen: list[bool] = []
    indexed = build(TantivyIndex(), db, None, lambda done, total: seen.append(gc.isenabled()))
    assert indexed == len(CATALOG)
    assert seen and not any(seen)  # no collection while the batches are made
    assert gc.isenabled() is on
