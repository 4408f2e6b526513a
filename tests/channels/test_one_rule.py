"""One availability rule per node and SKU: every channel, read at the same moment, says the same.

Driven on a copy of the demo through the functions the CLI, the API and the feeds call; ages
after the demo's last sync are set on the test clock, never read from the wall.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microindex.bootstrap import Workspace
from microindex.demo.channels import open_sources
from microindex.domain.channels.figures import State
from microindex.entrypoints.cli.app import app
from microindex.service.channel_views import availability, product_page, voice_answer
from microindex.service.channels import ChannelSources, google_items, local_items, meta_items
from tests.clock import DEMO_NOW, on_demo_day
from tests.demo import open_copy

SCHEMA = "https://schema.org/"
LOCAL = {"in_stock": "in", "limited_availability": "limited", "out_of_stock": "none"}
PAGE = {
    SCHEMA + "InStock": "in",
    SCHEMA + "LimitedAvailability": "limited",
    SCHEMA + "OutOfStock": "none",
    SCHEMA + "BackOrder": "none",
    None: "unknown",
}
AGES = (
    timedelta(0),
    timedelta(minutes=58),
    timedelta(hours=12),
    timedelta(days=3),
)


@dataclass
class Read:
    """What every channel said at one moment, in one vocabulary: in, limited, none, unknown."""

    google: dict[str, bool]  # SKU: in stock online
    meta: dict[str, bool]
    local: dict[tuple[str, str], str]  # (node, SKU)
    page: dict[tuple[str, str], str]
    voice: dict[tuple[str, str], bool | None]


def read_every_channel(sources: ChannelSources, now: datetime, skus: list[str]) -> Read:
    google = {i.key: i.fields["availability"] == "in_stock" for i in google_items(sources, now)}
    meta = {i.key: i.fields["availability"] == "in stock" for i in meta_items(sources, now)}
    local = {
        (i.fields["store_code"], i.key.partition("/")[2]): LOCAL[i.fields["availability"]]
        for i in local_items(sources, now)
    }
    page: dict[tuple[str, str], str] = {}
    voice: dict[tuple[str, str], bool | None] = {}
    for sku in skus:
        product = sources.products.product(sku)
        for node in sources.nodes:
            code = node.code.value
            page[code, sku] = PAGE[product_page(sources, sku, code, now).availability]
            answer = voice_answer(sources, sku, product, node.location, now, pickup_km=50)
            for said in answer.nodes:
                voice[said.node, sku] = said.spoken.in_stock
    return Read(google, meta, local, page, voice)


@pytest.fixture(scope="module")
def demo(pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = open_copy(pristine_demo, tmp_path_factory.mktemp("one-rule") / "shop")
    yield workspace
    workspace.close()


def sampled(sources: ChannelSources) -> list[str]:
    """Every fifth SKU for the per-node channels read one page at a time (the feeds read all)."""
    return [p.sku.value for p in sources.products.products()][::5]


@pytest.mark.parametrize("age", AGES, ids=lambda age: str(age))
def test_every_channel_says_the_same_at_each_age_after_a_sync(
    demo: Workspace, age: timedelta
) -> None:
    sources = open_sources(demo)
    try:
        skus = sampled(sources)
        now = DEMO_NOW + age
        read = read_every_channel(sources, now, skus)
        assert read.google == read.meta
        for (node, sku), said in read.page.items():
            state = availability(sources, node, sku, now).state
            local = read.local.get((node, sku), "none")  # no row: the node never held it
            assert said == ("unknown" if state is State.UNKNOWN else local), (node, sku, age)
            if (node, sku) in read.voice:
                yes = {"in": True, "limited": True, "none": False, "unknown": None}[said]
                assert read.voice[node, sku] == yes, (node, sku, age)
        for sku, online in read.google.items():
            somewhere = any(
                words != "none" for (_, held), words in read.local.items() if held == sku
            )
            assert online == somewhere, (sku, age)
        assert len(read.voice) > len(skus)  # voice heard from several nodes per SKU
    finally:
        sources.store.close()


def test_the_rule_moves_from_exact_to_unknown_as_the_sync_ages(demo: Workspace) -> None:
    """The demo's own sales history (at most about one a day per SKU) keeps a figure a few
    hours old exact or buffered; past the age limit nothing is promised anywhere."""
    sources = open_sources(demo)
    try:
        states = {}
        for age in AGES:
            read = read_every_channel(sources, DEMO_NOW + age, [])
            states[age] = read
        assert states[timedelta(0)].local == states[timedelta(minutes=58)].local
        at_12h = set(states[timedelta(hours=12)].local.values())
        assert "in" in at_12h and sum(states[timedelta(hours=12)].google.values()) > 150
        assert set(states[timedelta(days=3)].local.values()) == {"none"}
        assert not any(states[timedelta(days=3)].google.values())
    finally:
        sources.store.close()


def test_the_figures_rate_walk_ins_from_the_nodes_own_ledgers(demo: Workspace) -> None:
    """No SKU's buffer assumes more demand than the node's ledger shows over 28 days."""
    sources = open_sources(demo)
    try:
        for node in sources.nodes:
            for figure in sources.figures.figures(node.code.value):
                assert figure.rate_per_day <= 1.5, figure
    finally:
        sources.store.close()


def test_selling_the_last_unit_at_a_till_puts_every_channel_out_of_stock_at_the_next_read(
    pristine_demo: Path, tmp_path: Path
) -> None:
    workspace = open_copy(pristine_demo, tmp_path / "shop")
    sources = open_sources(workspace)
    try:
        last = _a_sku_with_one_unit_left(sources)
        node = next(n.code.value for n in sources.nodes if _held(sources, n.code.value, last))
        before = read_every_channel(sources, DEMO_NOW, [last])
        assert before.google[last] and before.meta[last] and before.page[node, last] != "none"
        result = CliRunner().invoke(
            app,
            ["-w", str(workspace.settings.workspace), "stock", "sell", node, last, "1"],
            obj=on_demo_day(),
        )
        assert result.exit_code == 0, result.output
        after = read_every_channel(sources, DEMO_NOW, [last])
        assert (after.google[last], after.meta[last]) == (False, False)
        assert {words for (_, sku), words in after.local.items() if sku == last} == {"none"}
        assert {words for (_, sku), words in after.page.items() if sku == last} == {"none"}
        assert {said for (_, sku), said in after.voice.items() if sku == last} == {False}
    finally:
        sources.store.close()
        workspace.close()


def _held(sources: ChannelSources, node: str, sku: str) -> int:
    return sum(f.quantity for f in sources.figures.figures(node, [sku]))


def _a_sku_with_one_unit_left(sources: ChannelSources) -> str:
    for product in sources.products.products():
        sku = product.sku.value
        if sum(_held(sources, n.code.value, sku) for n in sources.nodes) == 1:
            return sku
    raise AssertionError("the demo has no SKU with one unit left")
