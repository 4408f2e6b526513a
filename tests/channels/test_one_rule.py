"""One availability rule per node and SKU: every channel, read at the same moment, says the same.

Driven on a copy of the demo through the functions the CLI, the API and the feeds call; ages
after the demo's last sync are set on the test clock, never read from the wall.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
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


def test_feeds_accuracy_equals_a_time_ordered_replay_of_the_demos_ledgers(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """The CLI's figures against a replay written here from the raw tables: each ledger in
    the order of its movements' own times, what each channel was told with the units its
    buffer held back, sampled every 15 minutes in day-long windows over the whole UTC days
    from a week ago to now (closed days from what is kept, today replayed)."""
    workspace = open_copy(pristine_demo, tmp_path / "shop")
    root = workspace.settings.workspace
    workspace.close()
    result = CliRunner().invoke(
        app, ["-w", str(root), "feeds", "accuracy", "--days", "7", "--json"], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output
    reported = {
        (c["channel"], c["field"], datetime.fromisoformat(c["start"])): (c["checked"], c["matched"])
        for c in json.loads(result.stdout)  # a warning may go to stderr
        if c["basis"] == "told" and c["field"] in ("availability", "quantity")
    }
    week_ago = DEMO_NOW - timedelta(days=7)
    replayed = _replay(root, datetime.combine(week_ago.date(), time(), UTC), DEMO_NOW)
    assert replayed == {key: reported[key] for key in replayed}
    assert {channel for channel, _, _ in replayed} == {"google-local", "meta"}
    assert all(checked > 1000 for checked, _ in replayed.values())
    assert any(matched < checked for checked, matched in replayed.values())


Line = list[tuple[datetime, int]]  # (from, value), in time order


def _replay(
    root: Path, start: datetime, end: datetime
) -> dict[tuple[str, str, datetime], tuple[int, int]]:
    stock: dict[tuple[str, str], Line] = {}
    for path in sorted((root / "nodes").glob("*.sqlite")):
        with closing(sqlite3.connect(path)) as conn:
            rows = conn.execute(
                "SELECT node, sku, at, seq, quantity FROM movements WHERE kind != 'grant'"
            ).fetchall()
        moves: dict[tuple[str, str], list[tuple[datetime, int, int]]] = {}
        for node, sku, at, seq, quantity in rows:
            moves.setdefault((node, sku), []).append((datetime.fromisoformat(at), seq, quantity))
        for where, found in moves.items():
            total, line = 0, []
            for at, _, quantity in sorted(found):
                total += quantity
                line.append((at, total))
            stock[where] = line
    with closing(sqlite3.connect(root / "hub.sqlite")) as conn:
        told_rows = conn.execute(
            "SELECT p.channel, p.at, i.key, i.fields, i.held FROM channel_pushes p"
            " JOIN channel_items i ON i.push_id = p.id"
            " WHERE p.done AND p.kind != 'observed' ORDER BY p.id"
        ).fetchall()
    told: dict[tuple[str, str], list[tuple[datetime, dict[str, str], int]]] = {}
    for channel, at, key, fields, held in told_rows:
        told.setdefault((channel, key), []).append(
            (datetime.fromisoformat(at), json.loads(fields), held)
        )
    nodes = {node for node, _ in stock}
    counts: dict[tuple[str, str, datetime], tuple[int, int]] = {}
    day = start
    while day < end:
        moment = day + timedelta(minutes=7, seconds=30)
        while moment < min(end, day + timedelta(days=1)):
            for (channel, told_key), pushes in told.items():
                said = _latest(pushes, moment)
                if said is None:
                    continue
                fields, held = said
                if channel == "google-local":
                    node, _, sku = told_key.partition("/")
                    true = _at(stock.get((node, sku), []), moment)
                    shown = _clamp(int(fields["quantity"]), true - held, true)
                    right = {"quantity": str(shown), "availability": _local_words(shown)}
                else:
                    true = sum(_at(stock.get((code, told_key), []), moment) for code in nodes)
                    shown = _clamp(int(fields["quantity_to_sell_on_facebook"]), true - held, true)
                    right = {"availability": "in stock" if shown > 0 else "out of stock"}
                for name, value in right.items():
                    checked, matched = counts.get((channel, name, day), (0, 0))
                    counts[channel, name, day] = (checked + 1, matched + (fields[name] == value))
            moment += timedelta(minutes=15)
        day += timedelta(days=1)
    return counts


def _latest(
    pushes: list[tuple[datetime, dict[str, str], int]], moment: datetime
) -> tuple[dict[str, str], int] | None:
    where = bisect.bisect_right(pushes, moment, key=lambda push: push[0])
    return (pushes[where - 1][1], pushes[where - 1][2]) if where else None


def _at(line: Line, moment: datetime) -> int:
    where = bisect.bisect_right(line, moment, key=lambda step: step[0])
    return line[where - 1][1] if where else 0


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, max(0, low)), high)


def _local_words(quantity: int) -> str:
    if quantity <= 0:
        return "out_of_stock"
    return "limited_availability" if quantity < 3 else "in_stock"
