"""The live demo's shoppers, driven through the same `Shopper.shop` the live thread calls, on
a simulated clock: 30 minutes pass in a few seconds, and no agent or server is needed (the
shopper writes the node databases and the hub directly)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.live import Shopper
from microindex.service import stock as stock_service
from microindex.service.nodes import list_nodes
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock

EVERY_S = 3.0  # the live demo's beat


@pytest.fixture
def shop(pristine_demo: Path, tmp_path: Path) -> Iterator[tuple[Workspace, Clock]]:
    shutil.copytree(pristine_demo, tmp_path / "shop")
    clock = Clock(DEMO_NOW)
    workspace = bootstrap(Settings(tmp_path / "shop"), clock=clock)
    yield workspace, clock
    workspace.close()


def _on_hand(ws: Workspace, code: str) -> dict[str, int]:
    return {line.sku: line.on_hand for line in stock_service.stock_lines({code: ws.node(code)})}


def test_thirty_minutes_of_live_demo_keep_every_node_within_its_history_range(
    shop: tuple[Workspace, Clock],
) -> None:
    ws, clock = shop
    codes = [node.code.value for node in list_nodes(ws.hub)]
    shopper = Shopper.following_history(ws, codes, random.Random(7))
    paces = shopper.paces
    assert paces["van"].low < paces["van"].on_hand <= paces["van"].high
    assert 0 < paces["shopfront"].per_second < 0.001  # about 18 a day over eight weeks
    for minute in range(30):
        for _ in range(int(60 / EVERY_S)):
            clock.advance(timedelta(seconds=EVERY_S))
            shopper.shop(EVERY_S)
        for code, pace in paces.items():
            units = sum(_on_hand(ws, code).values())
            assert pace.low <= units <= pace.high, (minute, code, units, pace.low, pace.high)
    # At the history's pace, 30 minutes sell a few units at most, not hundreds.
    for code, pace in paces.items():
        gone = pace.on_hand - sum(_on_hand(ws, code).values())
        assert gone <= 10, (code, gone)


def test_a_sku_that_runs_low_at_a_node_is_restocked_to_where_it_stood(
    shop: tuple[Workspace, Clock],
) -> None:
    ws, clock = shop
    shopper = Shopper.following_history(ws, ["van"], random.Random(7))
    sku, par = max(shopper.paces["van"].par.items(), key=lambda item: item[1])
    stock_service.write_off(ws.node("van"), "van", sku, par - par // 2, clock(), "dropped", "test")
    clock.advance(timedelta(seconds=EVERY_S))
    shopper.restock("van", shopper.paces["van"])
    assert _on_hand(ws, "van")[sku] == par
    other, other_par = sorted(shopper.paces["van"].par.items())[0]
    assert _on_hand(ws, "van")[other] == other_par  # not low: left as it is


def test_shoppers_at_a_busy_pace_still_leave_each_node_stocked(
    shop: tuple[Workspace, Clock],
) -> None:
    """A hundred times the history's pace for 30 minutes: restocks keep up."""
    ws, clock = shop
    codes = [node.code.value for node in list_nodes(ws.hub)]
    shopper = Shopper.following_history(ws, codes, random.Random(11))
    shopper.paces = {c: replace(p, per_second=p.per_second * 100) for c, p in shopper.paces.items()}
    for _ in range(600):
        clock.advance(timedelta(seconds=EVERY_S))
        shopper.shop(EVERY_S)
    for code, pace in shopper.paces.items():
        units = sum(_on_hand(ws, code).values())
        assert pace.low <= units <= pace.high, (code, units, pace.low, pace.high)
