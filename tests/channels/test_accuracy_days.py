"""Listing accuracy kept by the day: reports from kept days plus today's replay equal the full
replay on the demo, also after a sale keyed in late and a push recorded after the fact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microindex.adapters.channels.memory import ListWriter
from microindex.bootstrap import Workspace
from microindex.demo.channels import open_sources
from microindex.domain.channels.accuracy import AccuracyCell, day_start
from microindex.domain.channels.mapping import Channel
from microindex.entrypoints.cli.app import app
from microindex.service import stock
from microindex.service.accuracy_days import Sources, keep_closed_days, kept_accuracy
from microindex.service.channel_history import listing_accuracy
from microindex.service.channel_ports import SentItem
from microindex.service.channels import send
from microindex.service.nodes import list_nodes
from microindex.service.timers import run_due
from tests.clock import DEMO_NOW, on_demo_day
from tests.demo import open_copy
from tests.sales import sell

from .conftest import T0, Shop

Counts = dict[tuple[str, str, str, datetime], tuple[int, int]]


@pytest.fixture
def demo(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    workspace = open_copy(pristine_demo, tmp_path / "shop")
    yield workspace
    workspace.close()


def _sources(workspace: Workspace) -> Iterator[Sources]:
    channels = open_sources(workspace)
    nodes = list_nodes(workspace.hub)
    ledgers = {n.code.value: workspace.node(n.code.value) for n in nodes}
    try:
        yield Sources(channels.store, workspace.hub, ledgers, nodes, channels.settings)
    finally:
        channels.store.close()


def _counts(cells: list[AccuracyCell]) -> Counts:
    return {
        (c.channel, c.basis, c.field, c.start): (c.checked, c.matched) for c in cells if c.checked
    }


def _replayed(sources: Sources, days: int, window: timedelta = timedelta(days=1)) -> Counts:
    start = day_start(DEMO_NOW - timedelta(days=days))
    s = sources
    report = listing_accuracy(
        s.store, s.hub, s.ledgers, s.nodes, s.settings, (start, DEMO_NOW), window
    )
    return _counts(report.cells)


def test_the_demo_keeps_its_closed_days_and_a_report_equals_the_full_replay(
    demo: Workspace,
) -> None:
    for sources in _sources(demo):
        assert keep_closed_days(sources, DEMO_NOW) == 0  # the demo kept its weeks as it built
        kept = kept_accuracy(sources, (DEMO_NOW - timedelta(days=7), DEMO_NOW))
        assert _counts(kept.cells) == _replayed(sources, 7)
        assert len({c.start for c in kept.cells}) == 8  # seven closed days and today
        weekly = kept_accuracy(
            sources, (DEMO_NOW - timedelta(days=28), DEMO_NOW), timedelta(days=7)
        )
        assert _counts(weekly.cells) == _replayed(sources, 28, timedelta(days=7))
        hourly = kept_accuracy(
            sources, (DEMO_NOW - timedelta(days=1), DEMO_NOW), timedelta(hours=6)
        )
        assert _counts(hourly.cells) == _replayed(sources, 1, timedelta(hours=6))


def test_the_cli_and_the_api_report_what_the_full_replay_measures(demo: Workspace) -> None:
    root = demo.settings.workspace
    result = CliRunner().invoke(
        app, ["-w", str(root), "feeds", "accuracy", "--days", "3", "--json"], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output
    reported = {
        (c["channel"], c["basis"], c["field"], datetime.fromisoformat(c["start"])): (
            c["checked"],
            c["matched"],
        )
        for c in json.loads(result.stdout)
    }
    for sources in _sources(demo):
        assert reported == _replayed(sources, 3)
    nodes = {n.code.value: demo.node(n.code.value) for n in list_nodes(demo.hub)}
    listings = demo.governance(nodes, reports=False).sources.listings
    assert listings is not None
    totals = {
        a.channel: (a.checked, a.accurate)
        for a in listings.accuracy(DEMO_NOW - timedelta(days=3), DEMO_NOW)
    }
    by_channel: dict[str, tuple[int, int]] = {}
    for (channel, basis, _, _), (checked, matched) in reported.items():
        if basis == "told":
            was = by_channel.get(channel, (0, 0))
            by_channel[channel] = (was[0] + checked, was[1] + matched)
    assert totals == by_channel


def test_a_sale_keyed_in_late_and_a_push_recorded_after_the_fact_are_measured_again(
    demo: Workspace,
) -> None:
    """Both land after the days were kept, with times three and five days back: the report
    drops the kept days from then and still equals the full replay."""
    for sources in _sources(demo):
        before = _counts(kept_accuracy(sources, (DEMO_NOW - timedelta(days=7), DEMO_NOW)).cells)
        three_days_ago = DEMO_NOW - timedelta(days=3, hours=2)
        shopfront = {"shopfront": demo.node("shopfront")}
        line = next(s for s in stock.stock_lines(shopfront) if s.on_hand > 2)
        sell(shopfront["shopfront"], "shopfront", line.sku, 2, three_days_ago, "late till")
        after = _counts(kept_accuracy(sources, (DEMO_NOW - timedelta(days=7), DEMO_NOW)).cells)
        assert after == _replayed(sources, 7)
        changed = {key[3] for key in after if after[key] != before.get(key)}
        assert changed and min(changed) == day_start(three_days_ago)
        five_days_ago = DEMO_NOW - timedelta(days=5)
        told = SentItem("meta-only-here", {"availability": "in stock"}, 0)
        sources.store.record_push("meta", "delta", five_days_ago, [told])
        assert _counts(kept_accuracy(sources, (DEMO_NOW - timedelta(days=7), DEMO_NOW)).cells) == (
            _replayed(sources, 7)
        )


def test_the_hub_timer_keeps_the_days_just_closed_just_after_midnight(shop: Shop) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 4, T0 - timedelta(hours=1))
    for hours in (0, 5, 26):
        shop.at(T0 + timedelta(hours=hours))
        send(shop.sources, Channel.GOOGLE_LOCAL, ListWriter(), shop.now())
    sell(shop.workspace.node("shop"), "shop", "MUG-BLUE", 1, T0 + timedelta(hours=3))
    now = datetime.combine(T0.date() + timedelta(days=2), time(0, 10, 20), UTC)
    ws = shop.workspace
    ran = {r.timer: r for r in run_due(ws.timers(), ws.timer_claims(), now, "hub-0")}
    assert ran["keep-listing-accuracy"].outcome == "ok", ran
    assert ran["keep-listing-accuracy"].summary.startswith("2 closed days")
    first = T0.date()
    days, cells, marks = shop.sources.store.kept_accuracy(first, first + timedelta(days=2))
    assert days == {first, first + timedelta(days=1)} and marks is not None
    assert {c.channel for c in cells} == {"google-local"} and all(c.checked for c in cells)
    later = now + timedelta(hours=1)
    assert "keep-listing-accuracy" not in {
        r.timer for r in run_due(ws.timers(), ws.timer_claims(), later, "hub-1")
    }
